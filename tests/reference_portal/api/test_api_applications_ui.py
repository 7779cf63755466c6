"""The pages that register, edit and delete applications, and the one-time secret page."""

from __future__ import annotations

import pytest

from reference_portal import Portal

VALID = {
    "name": "Checkout Service",
    "callback_url": "https://partner.example/oauth/callback",
    "environment": "sandbox",
    "description": "Takes card payments for the web shop.",
}
EXISTING_NAME = "Existing App"

INVALID_APPLICATIONS = [
    # (case id, fields that differ from VALID, field whose error is shown)
    ("name-too-short", {"name": "ab"}, "name"),
    ("name-blank", {"name": "   "}, "name"),
    ("name-too-long", {"name": "n" * 81}, "name"),
    ("name-with-control-character", {"name": "Check\x07out"}, "name"),
    ("duplicate-name-other-case", {"name": EXISTING_NAME.upper()}, "name"),
    ("no-callback", {"callback_url": ""}, "callback_url"),
    ("only-blank-callback-lines", {"callback_url": "\n  \n"}, "callback_url"),
    ("six-callbacks", {"callback_url": "\n".join(f"https://partner.example/cb{i}" for i in range(6))}, "callback_url"),
    ("http-not-localhost-in-sandbox", {"callback_url": "http://partner.example/cb"}, "callback_url"),
    ("http-lookalike-localhost", {"callback_url": "http://localhost.evil.example/cb"}, "callback_url"),
    (
        "http-localhost-in-production",
        {"callback_url": "http://localhost:8080/cb", "environment": "production"},
        "callback_url",
    ),
    ("userinfo", {"callback_url": "https://user:pass@partner.example/cb"}, "callback_url"),
    ("user-name-only", {"callback_url": "https://user@partner.example/cb"}, "callback_url"),
    ("javascript-url", {"callback_url": "javascript:alert(1)"}, "callback_url"),
    ("relative-url", {"callback_url": "/oauth/callback"}, "callback_url"),
    ("no-host", {"callback_url": "https:///cb"}, "callback_url"),
    ("unclosed-ipv6-bracket", {"callback_url": "https://[::1/cb"}, "callback_url"),
    ("fragment", {"callback_url": "https://partner.example/cb#token"}, "callback_url"),
    ("one-bad-among-good", {"callback_url": "https://partner.example/a\nftp://partner.example/b"}, "callback_url"),
    ("url-too-long", {"callback_url": "https://partner.example/" + "a" * 2000}, "callback_url"),
    ("bad-environment", {"environment": "staging"}, "environment"),
    ("description-too-long", {"description": "d" * 501}, "description"),
]


@pytest.fixture
def application_row(portal: Portal):
    return lambda application_id: portal.db.one("SELECT * FROM applications WHERE id = ?", (application_id,))


# --- Creating --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"), [(changes, field) for _, changes, field in INVALID_APPLICATIONS],
    ids=[case for case, _, _ in INVALID_APPLICATIONS],
)
def test_invalid_application_is_422_with_the_field_error_and_nothing_created(
    developer, create_app_via_form, post_form, read_page, count_rows, changes, field
):
    create_app_via_form(developer, EXISTING_NAME)
    before = (count_rows("applications"), count_rows("credentials"), count_rows("subscriptions"))

    answer = post_form(developer, "/app/apps/new", "/app/apps", {**VALID, **changes})

    assert answer.status_code == 422
    page = read_page(answer.text)
    assert page.text_of(f"field-error-{field}")
    assert page.all("form-error")
    assert not page.all("one-time-secret")
    assert (count_rows("applications"), count_rows("credentials"), count_rows("subscriptions")) == before


def test_invalid_form_keeps_what_was_typed(developer, post_form):
    answer = post_form(developer, "/app/apps/new", "/app/apps", {**VALID, "callback_url": "http://partner.example/cb"})
    assert answer.status_code == 422
    assert 'value="Checkout Service"' in answer.text
    assert "http://partner.example/cb</textarea>" in answer.text


@pytest.mark.parametrize(
    ("callback_urls", "environment"),
    [
        (["https://partner.example/cb"], "sandbox"),
        (["http://localhost:3000/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb"], "sandbox"),
        ([f"https://partner.example/cb{i}" for i in range(5)], "sandbox"),
        (["https://partner.example/cb?mode=live"], "production"),
    ],
    ids=["https", "http-localhost-in-sandbox", "five-callbacks", "https-with-query-in-production"],
)
def test_valid_callbacks_are_accepted(developer, create_app_via_form, application_row, callback_urls, environment):
    created = create_app_via_form(developer, "Valid App", callback_urls, environment)
    stored = application_row(created.application_id)
    assert stored["callback_urls"].split("\n") == callback_urls
    assert stored["environment"] == environment


def test_same_name_is_fine_in_another_organisation(developer, globex_developer, create_app_via_form):
    create_app_via_form(developer, "Checkout Service")
    create_app_via_form(globex_developer, "Checkout Service")


def test_created_application_is_listed_with_its_client_id(developer, sandbox_app, read_page):
    rows = read_page(developer.get("/app/apps").text).sections("application-row")
    assert [(int(r.one("application-row")["data-application-id"]), r.text_of("client-id")) for r in rows] == [
        (sandbox_app.application_id, sandbox_app.client_id)
    ]
    assert rows[0].text_of("environment") == "sandbox"


def test_new_sandbox_app_is_approved_for_payments_and_accounts_only(sandbox_app, portal: Portal):
    scopes = portal.db.query(
        "SELECT p.scope, s.state FROM subscriptions s JOIN products p ON p.id = s.product_id"
        " WHERE s.application_id = ? ORDER BY p.scope",
        (sandbox_app.application_id,),
    )
    assert [tuple(row) for row in scopes] == [("accounts", "approved"), ("payments", "approved")]


def test_one_time_secret_page_is_never_cached(developer, post_form, read_page):
    answer = post_form(developer, "/app/apps/new", "/app/apps", VALID)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert read_page(answer.text).text_of("one-time-secret").startswith("cs_test_")


def test_secret_is_never_shown_again(developer, sandbox_app):
    for path in ("/app/apps", "/app/keys", f"/app/apps/{sandbox_app.application_id}", "/app",
                 f"/app/apps/{sandbox_app.application_id}/delete", f"/app/keys/{sandbox_app.credential_id}/revoke"):
        page = developer.get(path)
        assert page.status_code == 200, path
        assert sandbox_app.secret not in page.text, path
        assert 'data-testid="one-time-secret"' not in page.text, path


# --- Editing ---------------------------------------------------------------------------------------------------


def test_edit_persists(developer, sandbox_app, post_form, read_page, application_row, clock):
    page = f"/app/apps/{sandbox_app.application_id}"
    clock.advance(60)
    changes = {
        "name": "Checkout Service v2",
        "callback_url": "https://partner.example/v2/cb\r\nhttp://localhost:3000/cb",
        "description": "Second version.",
    }

    answer = post_form(developer, page, page, changes)

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{page}?saved=1"
    stored = application_row(sandbox_app.application_id)
    assert (stored["name"], stored["callback_urls"], stored["description"]) == (
        "Checkout Service v2",
        "https://partner.example/v2/cb\nhttp://localhost:3000/cb",
        "Second version.",
    )
    assert stored["updated_at"] == clock()
    shown = developer.get(f"{page}?saved=1").text
    assert read_page(shown).all("saved")
    assert "Checkout Service v2" in shown


def test_edit_with_an_unparseable_callback_is_422(developer, sandbox_app, post_form, application_row):
    before = dict(application_row(sandbox_app.application_id))
    page = f"/app/apps/{sandbox_app.application_id}"
    answer = post_form(developer, page, page, {**VALID, "callback_url": "https://[::1/cb"})
    assert answer.status_code == 422
    assert dict(application_row(sandbox_app.application_id)) == before


def test_edit_may_keep_the_same_name(developer, sandbox_app, post_form):
    page = f"/app/apps/{sandbox_app.application_id}"
    answer = post_form(developer, page, page, {**VALID, "name": sandbox_app.name})
    assert answer.status_code == 303


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "x"}, "name"),
        ({"name": "other app"}, "name"),  # taken by another app of the organisation, in another case
        ({"callback_url": "https://partner.example/cb#frag"}, "callback_url"),
        ({"callback_url": ""}, "callback_url"),
    ],
    ids=["name-too-short", "name-taken", "fragment", "no-callback"],
)
def test_invalid_edit_is_422_and_changes_nothing(
    developer, sandbox_app, create_app_via_form, post_form, read_page, application_row, changes, field
):
    create_app_via_form(developer, "Other App")
    before = dict(application_row(sandbox_app.application_id))
    page = f"/app/apps/{sandbox_app.application_id}"

    answer = post_form(developer, page, page, {**VALID, **changes})

    assert answer.status_code == 422
    assert read_page(answer.text).text_of(f"field-error-{field}")
    assert dict(application_row(sandbox_app.application_id)) == before


def test_environment_cannot_be_changed_by_editing(
    developer, sandbox_app, post_form, read_page, application_row, request_token
):
    page = f"/app/apps/{sandbox_app.application_id}"
    answer = post_form(developer, page, page, {**VALID, "environment": "production"})

    assert answer.status_code == 303
    assert application_row(sandbox_app.application_id)["environment"] == "sandbox"
    assert read_page(developer.get(page).text).text_of("environment") == "sandbox"
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 200


def test_sandbox_rules_still_apply_when_production_is_posted(developer, sandbox_app, post_form, application_row):
    # Validation uses the stored environment: localhost over http stays allowed for a sandbox app.
    page = f"/app/apps/{sandbox_app.application_id}"
    fields = {**VALID, "environment": "production", "callback_url": "http://localhost/cb"}
    answer = post_form(developer, page, page, fields)
    assert answer.status_code == 303
    assert application_row(sandbox_app.application_id)["callback_urls"] == "http://localhost/cb"


# --- Deleting --------------------------------------------------------------------------------------------------


def test_delete_removes_the_app_and_its_credential_stops_working(
    developer, sandbox_app, post_form, read_page, request_token, access_token, call_api, count_rows
):
    token = access_token(sandbox_app)
    call_api("POST", "/api/v1/payments", token, json={"amount": 100, "currency": "GBP"})
    delete_page = f"/app/apps/{sandbox_app.application_id}/delete"

    answer = post_form(developer, delete_page, delete_page)

    assert answer.status_code == 303
    assert answer.headers["Location"] == "/app/apps?deleted=1"
    assert not read_page(developer.get("/app/apps").text).all("application-row")
    assert sandbox_app.client_id not in developer.get("/app/keys").text
    assert developer.get(f"/app/apps/{sandbox_app.application_id}").status_code == 404
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 401
    assert call_api("GET", "/api/v1/payments", token).status_code == 401
    for table in ("applications", "credentials", "access_tokens", "subscriptions", "payments"):
        assert count_rows(table) == 0, table
    # The usage log outlives the application, no longer attributed to it.
    assert count_rows("api_calls") > 0
    assert count_rows("api_calls", "application_id IS NOT NULL") == 0


def test_delete_confirmation_page_does_not_delete(developer, sandbox_app, count_rows):
    assert developer.get(f"/app/apps/{sandbox_app.application_id}/delete").status_code == 200
    assert count_rows("applications") == 1


def test_delete_needs_the_csrf_token(developer, sandbox_app, count_rows, request_token):
    answer = developer.post(f"/app/apps/{sandbox_app.application_id}/delete", data={"csrf_token": "forged"})
    assert answer.status_code == 403
    assert count_rows("applications") == 1
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 200


def test_deleting_one_app_leaves_the_others(developer, sandbox_app, create_app_via_form, post_form, request_token):
    other = create_app_via_form(developer, "Other App")
    delete_page = f"/app/apps/{sandbox_app.application_id}/delete"
    post_form(developer, delete_page, delete_page)
    assert request_token(other.client_id, other.secret).status_code == 200


def test_name_of_a_deleted_app_can_be_used_again(developer, sandbox_app, post_form, create_app_via_form):
    delete_page = f"/app/apps/{sandbox_app.application_id}/delete"
    post_form(developer, delete_page, delete_page)
    again = create_app_via_form(developer, sandbox_app.name)
    assert again.client_id != sandbox_app.client_id
