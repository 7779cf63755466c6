"""One organisation can neither see nor change another's applications and keys; non-developers cannot create any."""

from __future__ import annotations

import pytest

from reference_portal import Portal


@pytest.fixture
def acme_app(sandbox_app):
    """The Acme Payments application that the Globex developer goes after."""
    return sandbox_app


@pytest.fixture
def snapshot(portal: Portal):
    """snapshot(created_app): everything stored about the application and its credential."""

    def take(created):
        tables = {
            "application": "SELECT * FROM applications WHERE id = ?",
            "credential": "SELECT * FROM credentials WHERE application_id = ?",
            "subscriptions": "SELECT * FROM subscriptions WHERE application_id = ? ORDER BY id",
        }
        return {
            name: [dict(r) for r in portal.db.query(sql, (created.application_id,))]
            for name, sql in tables.items()
        }

    return take


def other_organisations_requests(acme_app):
    """(method, path, extra form fields) for every page and action on one application or credential."""
    app_id, credential_id = acme_app.application_id, acme_app.credential_id
    return [
        ("GET", f"/app/apps/{app_id}", {}),
        ("POST", f"/app/apps/{app_id}", {"name": "Hijacked", "callback_url": "https://evil.example/cb"}),
        ("GET", f"/app/apps/{app_id}/delete", {}),
        ("POST", f"/app/apps/{app_id}/delete", {}),
        ("POST", f"/app/keys/{credential_id}/rotate", {}),
        ("POST", f"/app/keys/{credential_id}/deactivate", {}),
        ("POST", f"/app/keys/{credential_id}/reactivate", {}),
        ("GET", f"/app/keys/{credential_id}/revoke", {}),
        ("POST", f"/app/keys/{credential_id}/revoke", {"confirm": "revoke"}),
    ]


def test_other_organisation_gets_404_for_every_page_and_action(
    acme_app, globex_developer, auth, snapshot, request_token
):
    before = snapshot(acme_app)
    csrf = auth.csrf_token(globex_developer)

    for method, path, fields in other_organisations_requests(acme_app):
        data = {"csrf_token": csrf, **fields} if method == "POST" else None
        answer = globex_developer.request(method, path, data=data)
        assert answer.status_code == 404, f"{method} {path}: HTTP {answer.status_code}"
        assert acme_app.client_id not in answer.text
        assert acme_app.name not in answer.text

    assert snapshot(acme_app) == before
    assert request_token(acme_app.client_id, acme_app.secret).status_code == 200


def test_not_found_looks_the_same_as_for_a_missing_id(acme_app, globex_developer):
    theirs = globex_developer.get(f"/app/apps/{acme_app.application_id}")
    missing = globex_developer.get("/app/apps/999999")
    assert (theirs.status_code, missing.status_code) == (404, 404)
    their_page = theirs.text.replace(f"/app/apps/{acme_app.application_id}", "")
    assert their_page == missing.text.replace("/app/apps/999999", "")


def test_other_organisations_apps_are_not_listed(acme_app, globex_developer, create_app_via_form, read_page):
    globex_app = create_app_via_form(globex_developer, "Globex Billing")

    for path in ("/app/apps", "/app/keys", "/app"):
        page = globex_developer.get(path).text
        assert acme_app.client_id not in page, path
        assert acme_app.name not in page, path
    rows = read_page(globex_developer.get("/app/apps").text).all("application-row")
    assert [r["data-application-name"] for r in rows] == ["Globex Billing"]
    keys = read_page(globex_developer.get("/app/keys").text).all("key-row")
    assert [k["data-client-id"] for k in keys] == [globex_app.client_id]


def test_acme_does_not_see_globex_either(developer, acme_app, globex_developer, create_app_via_form):
    globex_app = create_app_via_form(globex_developer, "Globex Billing")
    assert globex_app.client_id not in developer.get("/app/apps").text
    assert globex_app.client_id not in developer.get("/app/keys").text
    assert developer.get(f"/app/apps/{globex_app.application_id}").status_code == 404


def test_rotation_policy_is_per_organisation(developer, globex_developer, post_form, portal: Portal):
    answer = post_form(globex_developer, "/app/keys", "/app/keys/policy", {"rotation_grace_seconds": "86400"})
    assert answer.status_code == 303
    policies = dict(tuple(r) for r in portal.db.query("SELECT name, rotation_grace_seconds FROM organisations"))
    assert policies["Acme Payments"] == 0 and policies["Globex"] == 86400
    assert set(policies.values()) == {0, 86400} and list(policies.values()).count(86400) == 1


def test_member_of_the_same_organisation_sees_its_apps(acme_app, auth):
    member = auth.signed_in("dev-setup@example.com", "developer-demo-pass")
    assert member.get(f"/app/apps/{acme_app.application_id}").status_code == 200
    assert acme_app.client_id in member.get("/app/keys").text


def test_viewer_cannot_create_an_application(auth, count_rows, read_page):
    viewer = auth.signed_in("viewer@example.com", "viewer-demo-pass")
    forbidden_page = viewer.get("/forbidden")
    assert forbidden_page.status_code == 403
    csrf = read_page(forbidden_page.text).form("/logout")["csrf_token"]  # a valid token of the session

    answer = viewer.post(
        "/app/apps",
        data={
            "csrf_token": csrf,
            "name": "Viewer App",
            "callback_url": "https://partner.example/cb",
            "environment": "sandbox",
        },
    )

    assert answer.status_code == 303
    assert answer.headers["Location"] == "/forbidden"
    assert count_rows("applications") == 0
    assert count_rows("credentials") == 0


@pytest.mark.parametrize("path", ["/app/apps", "/app/apps/new", "/app/keys"])
def test_viewer_is_sent_to_forbidden_for_the_pages(auth, path):
    viewer = auth.signed_in("viewer@example.com", "viewer-demo-pass")
    answer = viewer.get(path)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/forbidden"


def test_signed_out_visitor_cannot_create_an_application(api, count_rows):
    answer = api.post("/app/apps", data={"name": "Anonymous App", "callback_url": "https://partner.example/cb"})
    assert answer.status_code == 403
    assert count_rows("applications") == 0
