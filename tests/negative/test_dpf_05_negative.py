"""DPF-05 must fail when the applications list loses an entry or misstates its metadata."""

import pytest

from reference_portal.areas import credentials

FAULTS = {
    "client-id-missing": ('<code data-testid="client-id">{{ app.client_id }}</code>', '<code data-testid="client-id"></code>'),
    "newest-app-missing": ("{% for app in applications %}", "{% for app in applications[:-1] %}"),
    "status-wrong": ('<td data-testid="status">{{ app.status }}</td>', '<td data-testid="status">pending</td>'),
    "environment-always-sandbox": ('<td data-testid="environment">{{ app.environment }}</td>',
                                   '<td data-testid="environment">sandbox</td>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_list_is_wrong(old, new, start_portal, run_playbook, patched_template):
    portal = start_portal(templates=patched_template("apps/list.html", old, new))
    outcome = run_playbook("DPF-05", portal)
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_an_existing_app_shows_a_client_id_no_credential_has(start_portal, run_playbook, patched_template):
    # the flow's own rows stay right; an application that was there before shows a well-formed foreign client ID
    templates = patched_template(
        "apps/list.html",
        '<code data-testid="client-id">{{ app.client_id }}</code>',
        '<code data-testid="client-id">{{ app.client_id if app.name.startswith("dpf-") else "ci_AAAAAAAAAAAAAAAAAAAAAA" }}</code>',
    )
    portal = start_portal(templates=templates)
    with portal.app.db.transaction() as conn:
        org = conn.execute("SELECT organisation_id FROM users WHERE email = 'dev@example.com'").fetchone()[0]
        app_id = conn.execute(
            "INSERT INTO applications (organisation_id, name, description, environment, callback_urls, created_at,"
            " updated_at) VALUES (?, 'Existing integration', '', 'sandbox', 'https://partner.example/cb', 0, 0)",
            (org,),
        ).lastrowid
        credentials.issue(conn, app_id, "sandbox", 0)
    outcome = run_playbook("DPF-05", portal)
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_last_used_does_not_follow_use(start_portal, run_playbook, patched_template):
    templates = patched_template("apps/list.html", '<td data-testid="last-used">{{ app.last_used_at | when }}</td>',
                                 '<td data-testid="last-used">never</td>')
    outcome = run_playbook("DPF-05", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_list_shows_another_organisations_application(start_portal, run_playbook,
                                                                    replace_route_endpoint):
    def every_organisations_applications(request):
        rows = request.app.db.query(
            "SELECT a.*, c.client_id, c.state AS credential_state FROM applications a"
            " LEFT JOIN credentials c ON c.application_id = a.id ORDER BY a.created_at, a.id")
        return request.app.render(request, "apps/list.html", applications=rows, deleted=False)

    routes = replace_route_endpoint("/app/apps", every_organisations_applications)
    outcome = run_playbook("DPF-05", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
