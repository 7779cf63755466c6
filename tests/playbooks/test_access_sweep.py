"""The access sweep DPF-02 makes: which routes it asks for, how it fills them, and what counts as refused."""

from __future__ import annotations

import httpx

from playbooks.harness.access_sweep import Targets, concrete_path, developer_routes, form_of, refused
from playbooks.harness.contract import contract

TARGETS = Targets(application_id="app_1", credential_id="cred_1", sandbox_id="sbx_1", product_slug="payments",
                  name="sweep", url="https://sweep.example/hook", other_grace_seconds=3600, password="pw")


def test_every_developer_area_route_is_swept_and_nothing_else():
    swept = {route.name for route in developer_routes()}
    assert {"applications", "application_create", "webhook_create", "usage", "faq", "go_live", "two_factor",
            "sessions_revoke_others", "account_security", "how_to_test"} <= swept
    assert not swept & {"login", "logout", "forbidden", "landing", "token", "reauth"}


def test_paths_aim_at_the_developers_objects():
    assert concrete_path(contract().route("application_update"), TARGETS) == "/app/apps/app_1"
    assert concrete_path(contract().route("key_rotate"), TARGETS) == "/app/keys/cred_1/rotate"
    assert concrete_path(contract().route("sandbox_delete"), TARGETS) == "/app/sandbox/sbx_1/delete"
    assert concrete_path(contract().route("product_subscribe"), TARGETS) == "/app/products/payments/subscribe"
    assert concrete_path(contract().route("webhook_toggle"), TARGETS) == "/app/webhooks/0/toggle"


def test_a_form_carries_the_token_and_every_contract_field():
    form = form_of(contract().route("rotation_policy"), TARGETS, "tok")
    assert form == {"rotation_grace_seconds": "3600", "csrf_token": "tok"}


def test_what_counts_as_refused():
    def answer(status, location=""):
        return httpx.Response(status, headers={"location": location} if location else {})

    assert refused(answer(403), of_no_object=False)
    assert refused(answer(303, "/forbidden"), of_no_object=False)
    assert refused(answer(303, "http://portal/login?next=/app"), of_no_object=False)
    assert not refused(answer(200), of_no_object=False)
    assert not refused(answer(303, "/app/apps"), of_no_object=False)
    assert not refused(answer(404), of_no_object=False)
    assert refused(answer(404), of_no_object=True)
