"""DPF-34 Partner go-live checklist: each item prepared through the UI where a partner would, then checked twice:
on the portal's go-live checklist (`/app/go-live`, whose JSON twin must agree with the page), and by its effect.

The flow runs as the `go_live_admin` persona, admin of an organisation no other flow shares, because it turns on
2FA for every admin of its organisation, adds an alert rule and sets the rotation policy to "immediately"; it puts
all of that back when it ends (2FA off with a recovery code it kept, rules deleted, policy restored, applications
and endpoints deleted).

Every check must fail before anything is prepared, fail before its item is prepared and pass after, and fail again
when its item is undone at the end (none sticks once passed); the page and its JSON twin agree on every check at
every look. A product the operator approves, while its subscription is pending, fails `products_approved`; the
organisation's second admin without 2FA (the `go_live_second_admin` persona) fails `admins_2fa` after the first
turned it on. Each item is proven by what it does:
1. the production application lists its https callback URLs, none local;
2. only the rotated secret gets a token, the first-issued one is refused;
3. the production credential calls one operation of every required product;
4. the sandbox calls appear in usage under the request IDs the API answered;
5. the harness's receiver, which verifies signatures, got one correctly signed test event (answered 2xx) and one
   wrongly signed (refused with 401), and the page shows those answers with their time;
6. the alert fires once its rule is broken: on the usage page and as a signed `usage.alert` delivery;
7. signing in asks for a second factor.

Faults of a broken portal this flow must catch: a check that passes before its item exists or stays passed once it
is undone, a pending product counted as approved, 2FA asked of the signed-in admin only, a JSON twin that
disagrees with the page, a signature check that never sends the wrongly signed event, an alert that never fires,
an old secret that keeps working after rotation. A target without `/app/go-live` fails with "no /app/go-live".

Partner mode: when the target names the partner's own integration (the target file's `[go_live]` table, or
DPF_GO_LIVE_CLIENT_ID with DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID or DPF_GO_LIVE_WEBHOOK_URL; see harness/go_live.py), the
flow checks that integration instead, and changes nothing of the partner's: each check must pass on the page and in
its twin (a failing one fails the flow with the page's own words for what to do next), and each item is proven by
what can be seen without changing it: the application lists https callbacks, none local; the secret in the partner's
vault gets a token; its subscriptions are approved; its own sandbox calls of the last 30 days are in usage; the
partner's endpoint accepts the correctly signed event and refuses the wrongly signed one (the portal's signature
check, run once: the one thing the run adds, as a record of that check); a rule is listed; signing in asks for a
second factor.
"""

from __future__ import annotations

import datetime
import functools
import re
from typing import Any

import httpx
import pytest
import standardwebhooks
from playwright.sync_api import Page, expect

from fixtures.html_forms import elements_by_testid, hidden_fields
from fixtures.subscriptions import approval_mode, offered_in, products_for
from playbooks.harness.admins_2fa import turn_back_off, turn_on
from playbooks.harness.api_calls import (
    access_token,
    bearer,
    operations,
    request_token,
    request_without_relying_on_examples,
)
from playbooks.harness.contract import contract
from playbooks.harness.events import about, event_data
from playbooks.harness.go_live import PartnerIntegration, partner_integration
from playbooks.harness.go_live_page import GoLive
from playbooks.harness.controls import button, revealed, shown_text
from playbooks.harness.pages import (ApplicationForm, ApplicationsPage, KeysPage, ProductsPage, SecretDialog,
                                     WebhooksPage)
from playbooks.harness.polling import reload_until
from playbooks.harness.secret_scan import kind_of
from playbooks.harness.two_factor import (AccountSecurityPage, Authenticator, RecoveryCodesPage, asks_for_code,
                                          prove_second_factor_enforced, turn_off)
from playbooks.harness.usage_calls import AlertRulesPage

FLOW_ID = "DPF-34"
CALLBACKS = ["https://partner.example/oauth/callback", "https://www.partner.example/oauth/return"]
REQUEST_ID = contract().api["request_id_header"]
ALERT_THRESHOLD_PERCENT = 50  # the contract's threshold of an error_rate rule is a percentage
ALERT_WINDOW_MINUTES = 5
BAD_CALLS = 8  # against the few good ones, well over the threshold
SUBSCRIBED_OR_REJECTED = re.compile(r"^(approved|pending|rejected)$")  # the contract's states of a subscription
ALL_PASS = re.compile(r"\b7 of 7 checks pass", re.IGNORECASE)


def one_call_per_product(openapi: dict[str, Any], products: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """For each product, a GET operation of it with no path parameter: (path, httpx arguments)."""
    chosen = {}
    for method, path, operation in operations(openapi):
        product = (operation.get("tags") or [""])[0]
        if method == "GET" and "{" not in path and product in products and product not in chosen:
            chosen[product] = (path, request_without_relying_on_examples(path, operation))
    missing = set(products) - set(chosen)
    assert not missing, f"/openapi.json gives no GET operation without path parameters for {sorted(missing)}"
    return chosen


def delete_rule(client: httpx.Client, rule_id: str) -> None:
    action = f"/app/usage/alerts/{rule_id}/delete"
    answer = client.post(action, data=hidden_fields(client.get("/app/usage/alerts").text, action))
    assert answer.status_code in (302, 303), f"deleting alert rule {rule_id} answered HTTP {answer.status_code}"


def call(api: httpx.Client, token: str, arguments: dict[str, Any]) -> httpx.Response:
    return api.get(arguments["url"], params=arguments.get("params"), headers=bearer(token))


@pytest.mark.dpf(FLOW_ID)
def test_partner_go_live_checklist(request, flow, open_page, go_live_admin, vault, api, target):
    partner = partner_integration()
    if partner is not None:
        check_partner_integration(partner, flow, open_page(go_live_admin), go_live_admin, vault, api, target)
    else:
        prepare_and_check_fresh_objects(flow, open_page, go_live_admin, request.getfixturevalue("go_live_second_admin"),
                                        request.getfixturevalue("data_of"), vault, api, target,
                                        request.getfixturevalue("webhook_inbox"),
                                        request.getfixturevalue("secret_on_screen"))


def prepare_and_check_fresh_objects(flow, open_page, go_live_admin, second_admin, data_of, vault, api, target,
                                    webhook_inbox, secret_on_screen):
    """Fresh mode: every item prepared by the flow, checked, undone and put back."""
    mine = data_of(go_live_admin)
    portal = mine.account
    second = data_of(second_admin).account.client  # the organisation's other admin, signed in over HTTP
    page = open_page(go_live_admin)
    go_live = GoLive(page)
    form, dialog, keys, webhooks = ApplicationForm(page), SecretDialog(page), KeysPage(page), WebhooksPage(page)
    name = mine.applications.unique_name()
    mine.applications.will_remove(name)
    mine.webhook_endpoints.will_remove(webhook_inbox.url)
    original_policy = portal.rotation_policy()
    rule_ids: list[str] = []
    recovery_code_name = f"{go_live_admin.key}.recovery_code"
    two_factor_on = False
    second_authenticator: Authenticator | None = None
    go_live.all_fail()  # a target without the page fails here, before anything is changed
    try:
        portal.set_rotation_policy(0)  # the rotated-away secret stops working at once

        with flow.step("Production app registered with final callback URLs."):
            go_live.state_of("production_app", passed=False)
            with secret_on_screen(page):
                client_id = form.register(vault, name, CALLBACKS, "Production")
            page.goto("/app/apps")
            row = ApplicationsPage(page).row(name)
            expect(row.get_by_test_id("environment")).to_have_text("production", ignore_case=True)
            listed = row.get_by_test_id("callback-urls").inner_text()
            assert all(url in listed for url in CALLBACKS), f"the application lists {listed!r} as its callbacks"
            assert "localhost" not in listed and "http:" not in listed
            app_id = row.get_attribute("data-application-id") or ""
            assert contract().is_id(app_id), f"the application's row has data-application-id {app_id!r}"
            go_live.state_of("production_app", passed=True)

        with flow.step("Secrets stored in vault and rotated."):
            go_live.state_of("secret_rotated", passed=False)
            with secret_on_screen(page):
                page.goto("/app/keys")
                revealed(keys.action(client_id, "Rotate secret")).click()
                assert shown_text(dialog.client_id) == client_id, "the secret dialog shows another client ID"
                dialog.keep(vault, f"{client_id}.client_secret")
                dialog.done.click()
            rotated = vault.get(f"{client_id}.client_secret")
            # Before any product is approved a token may be refused for its scope (400), but never the client:
            # the rotated secret authenticates, the first-issued one no longer does (the token itself in the next step).
            answer = request_token(api, client_id, rotated)
            assert answer.status_code != 401, f"the rotated secret is refused: {answer.json().get('error')}"
            first = request_token(api, client_id, vault.get(f"{client_id}.first_client_secret"))
            assert first.status_code == 401, f"the first-issued secret still authenticates: HTTP {first.status_code}"
            assert first.json().get("error") == "invalid_client"
            go_live.state_of("secret_rotated", passed=True)
            assert rotated not in page.content(), "the go-live page shows the secret"

        with flow.step("Required APIs subscribed/approved."):
            products = portal.products()
            required = products_for(products, {}, "production", None)  # automatic ones, when there are
            assert required, "no product is offered in production"
            for product in required:
                # a manual product waits as pending until the operator approves it
                approve = functools.partial(mine.applications.approve, str(app_id), product)
                state = ProductsPage(page).subscribe(product, name, approve)
                expect(state).to_have_attribute("data-state", "approved")
            go_live.state_of("products_approved", passed=True)
            # One more product, approved by the operator: while pending it is not approved, and the check fails again.
            manual = [slug for slug, product in products.items() if slug not in required and approval_mode(product) ==
                      "manual" and offered_in(product, "production") and offered_in(product, "sandbox")]
            if manual:
                assert portal.subscribe(app_id, manual[0]) == "pending", f"{manual[0]} is approved without the operator"
                go_live.state_of("products_approved", passed=False)
                mine.applications.approve(str(app_id), manual[0])
                go_live.state_of("products_approved", passed=True)
                required.append(manual[0])
            calls = one_call_per_product(api.get("/openapi.json").json(), required)
            production_token = access_token(api, client_id, rotated)
            for product, (path, arguments) in calls.items():
                answer = call(api, production_token, arguments)
                assert 200 <= answer.status_code < 300, f"the production app calling {product} ({path}): HTTP {answer.status_code}"

        with flow.step("Sandbox test cases passed."):
            go_live.state_of("sandbox_calls", passed=False)
            # payments too: the alert step breaks its rule with payments the API refuses for their body (400)
            sandbox = mine.applications.create(environment="sandbox", scopes=("payments",))
            mine.applications.subscribe_approved(sandbox.id, required)
            sandbox_token = access_token(api, sandbox.client_id, vault.get(sandbox.secret_name))
            request_ids = {}
            for product, (path, arguments) in calls.items():
                answer = call(api, sandbox_token, arguments)
                assert 200 <= answer.status_code < 300, f"the sandbox call to {product} ({path}): HTTP {answer.status_code}"
                request_ids[answer.headers[REQUEST_ID]] = str(answer.status_code)
            page.goto(f"/app/usage?application={sandbox.id}")
            for request_id, status in request_ids.items():
                expect(page.locator(f'[data-testid="usage-row"][data-request-id="{request_id}"]')) \
                    .to_have_attribute("data-status", status)
            go_live.state_of("sandbox_calls", passed=True)

        with flow.step("Webhook delivery validated with signature checks."):
            go_live.state_of("webhook_signature", passed=False)
            page.goto("/app/webhooks")
            with secret_on_screen(page):
                webhooks.url.fill(webhook_inbox.url)
                webhooks.event_type("webhook.test").check()
                webhooks.event_type("usage.alert").check()
                webhooks.add.click()
                expect(dialog.root).to_be_visible()
                dialog.keep(vault, f"{app_id}.webhook_secret")
                dialog.done.click()
            webhook_secret = vault.get(f"{app_id}.webhook_secret")
            webhook_inbox.refuse_bad_signatures(webhook_secret)  # as a partner's receiver must
            go_live.open()
            with page.expect_response(lambda r: r.request.method == "POST" and "/app/go-live/signature-check" in r.url):
                revealed(button(page, "Run signature check")).click()
            good = webhook_inbox.wait_for(lambda d: d.answered < 300)
            bad = webhook_inbox.wait_for(lambda d: d.answered >= 400)
            # At least once: a duplicate of either event (same webhook-id) is fine; a second event of either is not.
            sent = {(d.answered < 300, d.webhook_id) for d in webhook_inbox.received()}
            assert len(sent) == 2, "the signature check sent more than one good and one bad event"
            good.verify(webhook_secret)  # raises unless correctly signed
            with pytest.raises(standardwebhooks.WebhookVerificationError):
                bad.verify(webhook_secret)
            go_live.state_of("webhook_signature", passed=True)
            result = page.get_by_test_id("signature-check")
            expect(result).to_have_attribute("data-valid-status", str(good.answered))
            expect(result).to_have_attribute("data-invalid-status", str(bad.answered))
            for sent_at in ("valid-sent-at", "invalid-sent-at"):
                assert result.get_by_test_id(sent_at).get_attribute("datetime"), f"{sent_at} gives no time"

        with flow.step("Usage monitoring and alerting in place."):
            go_live.state_of("alert_rule", passed=False)
            alert_rules = AlertRulesPage(page)
            page.goto("/app/usage/alerts")
            before = alert_rules.rule_ids()
            alert_rules.add({"name": mine.applications.unique_name(), "kind": "error_rate",
                             "threshold": str(ALERT_THRESHOLD_PERCENT), "window_minutes": str(ALERT_WINDOW_MINUTES),
                             "application": str(sandbox.id)})
            page.goto("/app/usage/alerts")
            expect(alert_rules.rules).to_have_count(len(before) + 1)
            rule_ids.extend(alert_rules.rule_ids() - before)  # the new rule, known by its ID whatever it shows
            rule = alert_rules.rule(rule_ids[0])
            expect(rule).to_have_attribute("data-kind", "error_rate")
            assert float(rule.get_attribute("data-threshold") or "nan") == ALERT_THRESHOLD_PERCENT, (
                f"the rule's threshold is {rule.get_attribute('data-threshold')!r}, not {ALERT_THRESHOLD_PERCENT} %"
            )
            expect(rule).to_have_attribute("data-window-minutes", str(ALERT_WINDOW_MINUTES))
            expect(rule).to_have_attribute("data-state", "ok")
            go_live.state_of("alert_rule", passed=True)
            # Break the rule: calls the API refuses, from the application it watches.
            for _ in range(BAD_CALLS):
                refused = api.post("/api/v1/payments", json={"amount": 1, "currency": "GBP", "colour": "red"},
                                   headers=bearer(sandbox_token))
                assert refused.status_code == 400, f"a payment with an unknown field answered HTTP {refused.status_code}"
            firing = page.locator(f'[data-testid="alert-firing"][data-rule-id="{rule_ids[0]}"]')
            # the portal may evaluate its rules when usage is shown: a bounded poll
            page.goto("/app/usage")
            reload_until(page, lambda timeout: expect(firing).to_have_count(1, timeout=timeout),
                         within=webhook_inbox.timeout, reload=lambda: page.goto("/app/usage"))
            alert = webhook_inbox.wait_for(about("usage.alert", "rule_id", rule_ids[0]))
            alert.verify(webhook_secret)  # raises unless correctly signed
            assert event_data(alert).get("kind") == "error_rate", f"the usage.alert event says {event_data(alert)}"

        with flow.step("2FA enabled for developer admins."):
            go_live.state_of("admins_2fa", passed=False)
            security = AccountSecurityPage(page)
            with secret_on_screen(page):
                page.goto("/account/security")
                vault.put(f"{go_live_admin.key}.totp_seed", security.secret_text())
                authenticator = Authenticator(vault.get(f"{go_live_admin.key}.totp_seed"))
                security.confirm(authenticator.code(), go_live_admin.password)
                codes = RecoveryCodesPage(page)
                expect(codes.codes.first).to_be_visible()
                vault.put(recovery_code_name, codes.texts()[0])
                two_factor_on = True
            assert asks_for_code(target.base_url, go_live_admin), "signing in does not ask for a second factor"
            prove_second_factor_enforced(target.base_url, go_live_admin, authenticator)  # wrong and replayed refused
            go_live.state_of("admins_2fa", passed=False)  # the organisation's second admin has no 2FA yet
            second_authenticator = turn_on(second, second_admin.password, portal=target.base_url)
            go_live.state_of("admins_2fa", passed=True)

        with flow.expected_result("partner integration is operationally ready."):
            go_live.open()
            summary = page.get_by_test_id("go-live-summary")
            expect(summary).to_contain_text(ALL_PASS)
            expect(summary).to_have_attribute("data-passed", "7")
            twin = go_live.twin()
            assert twin["ready"] is True and twin["passed"] == twin["total"] == 7, f"/app/go-live.json: {twin['summary']}"
            on_page = {e["data-check"]: e["data-state"] for e in elements_by_testid(page.content(), "go-live-check")}
            assert on_page == {c["id"]: "pass" if c["passed"] else "fail" for c in twin["checks"]}
            assert str(twin["application"]["id"]) == app_id, "the checklist is not about the flow's production application"
            # Each item undone, as the clean-up would, and its check seen failing again (none sticks once passed),
            # the others passing still; the production application last, as every other check is about it.
            turn_back_off(second, second_admin.password, second_authenticator)
            second_authenticator = None
            while rule_ids:
                delete_rule(portal.client, rule_ids.pop())
            endpoint = next(row for row in portal.webhooks() if row.get("data-webhook-url") == webhook_inbox.url)
            portal.delete_webhook(endpoint["data-webhook-id"])
            portal.delete_application(sandbox.id)  # its calls are no longer a sandbox application's of the organisation
            portal.deactivate_credential(portal.credential_id(client_id))
            go_live.states(admins_2fa=False, alert_rule=False, webhook_signature=False, sandbox_calls=False,
                           secret_rotated=False, production_app=True, products_approved=True)
            portal.delete_application(app_id)
            go_live.state_of("production_app", passed=False)
    finally:
        if second_authenticator is not None:
            turn_back_off(second, second_admin.password, second_authenticator)
        if two_factor_on:
            answer = turn_off(portal.client, go_live_admin.password, vault.get(recovery_code_name))
            assert answer.status_code in (302, 303), f"turning 2FA off again answered HTTP {answer.status_code}"
        for rule_id in rule_ids:
            delete_rule(portal.client, rule_id)
        portal.set_rotation_policy(original_policy)


def check_partner_integration(partner: PartnerIntegration, flow, page: Page, go_live_admin, vault, api, target):
    """Partner mode: the partner's own integration, read and never changed."""
    GoLive(page).open()  # a target without the page fails here
    with flow.step("Production app registered with final callback URLs."):
        page.goto("/app/apps")
        row = page.get_by_test_id("application-row").filter(has_text=partner.client_id)
        expect(row, f"/app/apps lists no application with client ID {partner.client_id}").to_have_count(1)
        expect(row.get_by_test_id("environment")).to_have_text("production", ignore_case=True)
        app_id = row.get_attribute("data-application-id") or ""
        assert contract().is_id(app_id), f"the partner's application row has data-application-id {app_id!r}"
        app_name = row.get_attribute("data-application-name") or ""
        callbacks = row.get_by_test_id("callback-urls").inner_text().split()
        go_live = GoLive(page, app_id)
        go_live.passes("production_app")
        assert callbacks, f"{app_name} lists no callback URL"
        for url in callbacks:
            assert url.startswith("https://"), f"{app_name} calls back to {url}, not https"
            assert not any(local in url for local in ("//localhost", "//127.", "//[::1]")), f"{url} is local"

    with flow.step("Secrets stored in vault and rotated."):
        secret = vault.get(partner.secret_name)
        vault.registry.add(secret, kind_of(secret, partner.secret_name))  # never in evidence, though never put
        answer = request_token(api, partner.client_id, secret)
        assert answer.status_code == 200, (
            f"the secret in the vault under {partner.secret_name} is not the current one: POST /oauth/token answered "
            f"HTTP {answer.status_code}"
        )
        go_live.passes("secret_rotated")
        assert secret not in page.content(), "the go-live page shows the secret"

    with flow.step("Required APIs subscribed/approved."):
        go_live.passes("products_approved")
        page.goto("/app/products")
        rows = page.get_by_test_id("subscription-row").filter(has_text=app_name).get_by_test_id("subscription-state")
        states = [state.get_attribute("data-state") for state in rows.all()]
        # A row for every product; a state the contract does not name means not subscribed.
        subscribed = [state for state in states if SUBSCRIBED_OR_REJECTED.match(state or "")]
        assert subscribed, f"/app/products shows no subscription of {app_name}"
        assert set(subscribed) == {"approved"}, f"{app_name}'s subscriptions are {subscribed}"

    with flow.step("Sandbox test cases passed."):
        go_live.passes("sandbox_calls")
        page.goto("/app/apps")
        sandbox_ids = [row.get_attribute("data-application-id")
                       for row in page.get_by_test_id("application-row").all()
                       if row.get_by_test_id("environment").inner_text().strip().lower() == "sandbox"]
        today = datetime.datetime.now(datetime.UTC).date()
        window = f"from={today - datetime.timedelta(days=30)}&to={today + datetime.timedelta(days=1)}"
        successful = 0
        for sandbox_id in sandbox_ids:
            shown = page.goto(f"/app/usage?application={sandbox_id}&{window}")
            assert shown is not None and shown.status == 200, f"/app/usage answered HTTP {shown and shown.status}"
            successful += sum(1 for row in page.get_by_test_id("usage-row").all()
                              if (row.get_attribute("data-status") or "").startswith("2"))
        assert successful, "no successful call of the partner's sandbox applications in usage in the last 30 days"

    with flow.step("Webhook delivery validated with signature checks."):
        page.goto("/app/webhooks")
        endpoints = page.get_by_test_id("webhook-row")
        endpoint = (endpoints.and_(page.locator(f'[data-webhook-id="{partner.webhook_endpoint_id}"]'))
                    if partner.webhook_endpoint_id is not None
                    else endpoints.and_(page.locator(f'[data-webhook-url="{partner.webhook_url}"]')))
        expect(endpoint, "/app/webhooks lists no such endpoint of the partner").to_have_count(1)
        endpoint_id = endpoint.get_attribute("data-webhook-id")
        go_live.open()
        result = page.locator(f'[data-testid="signature-check"][data-webhook-id="{endpoint_id}"]')
        before = result.get_by_test_id("valid-sent-at").get_attribute("datetime") if result.count() else None
        run = page.locator('form[action="/app/go-live/signature-check"]') \
            .filter(has=page.locator(f'input[name="endpoint_id"][value="{endpoint_id}"]'))
        expect(run, "the go-live page offers no signature check for the endpoint (is it active?)").to_have_count(1)
        with page.expect_response(lambda r: r.request.method == "POST" and "/app/go-live/signature-check" in r.url):
            revealed(button(run, "Run signature check")).click()
        go_live.passes("webhook_signature")
        expect(result).to_have_count(1)
        sent_at = result.get_by_test_id("valid-sent-at").get_attribute("datetime")
        assert sent_at and sent_at != before, "the go-live page shows an earlier signature check, not this run's"
        assert result.get_by_test_id("invalid-sent-at").get_attribute("datetime"), "invalid-sent-at gives no time"
        valid, invalid = result.get_attribute("data-valid-status"), result.get_attribute("data-invalid-status")
        assert valid and 200 <= int(valid) < 300, f"the endpoint answered the correctly signed event with {valid!r}"
        assert invalid and 400 <= int(invalid) < 500, f"the endpoint answered the wrongly signed event with {invalid!r}"
        twin = next(c for c in go_live.twin()["signature_checks"] if str(c["endpoint_id"]) == endpoint_id)
        assert (twin["passed"], str(twin["correctly_signed"]["status"]), str(twin["wrongly_signed"]["status"])) \
            == (True, valid, invalid), "/app/go-live.json reports the signature check differently"

    with flow.step("Usage monitoring and alerting in place."):
        go_live.passes("alert_rule")
        page.goto("/app/usage/alerts")
        expect(page.get_by_test_id("alert-rule").first).to_be_visible()

    with flow.step("2FA enabled for developer admins."):
        go_live.passes("admins_2fa")
        assert asks_for_code(target.base_url, go_live_admin), "signing in does not ask for a second factor"

    with flow.expected_result("partner integration is operationally ready."):
        go_live.open()
        summary = page.get_by_test_id("go-live-summary")
        expect(summary).to_contain_text(ALL_PASS)
        twin = go_live.twin()
        assert twin["ready"] is True and twin["passed"] == twin["total"] == 7, f"/app/go-live.json: {twin['summary']}"
        on_page = {e["data-check"]: e["data-state"] for e in elements_by_testid(page.content(), "go-live-check")}
        assert on_page == {c["id"]: "pass" if c["passed"] else "fail" for c in twin["checks"]}
        assert str(twin["application"]["id"]) == app_id, "the checklist is not about the partner's application"
