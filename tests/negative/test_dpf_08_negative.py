"""DPF-08 must fail when edits are not kept, or when invalid callback URLs are accepted."""

from reference_portal.areas import applications
from reference_portal.core.http import redirect


def test_fails_when_edits_are_not_saved(start_portal, run_playbook, replace_route_endpoint):
    def pretend_to_save(request, application_id):
        return redirect(f"/app/apps/{application_id}?saved=1")

    routes = replace_route_endpoint("/app/apps/<app:application_id>", pretend_to_save, method="POST")
    outcome = run_playbook("DPF-08", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_any_callback_url_is_accepted(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(applications, "callback_url_error", lambda url, environment: None)
    outcome = run_playbook("DPF-08", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_description_is_not_shown_again(start_portal, run_playbook, patched_template):
    templates = patched_template("apps/_fields.html", ">{{ form.description }}</textarea>", "></textarea>")
    outcome = run_playbook("DPF-08", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
