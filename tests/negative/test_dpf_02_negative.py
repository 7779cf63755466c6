"""DPF-02 must fail when a non-developer gets in or may post a developer form, or when access denied is not an HTTP
403."""

from reference_portal.areas import public
from reference_portal.core.accounts import User
from reference_portal.core.routing import Access, Rule
from reference_portal.routes import ROUTES


def test_fails_when_viewers_are_treated_as_developers(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(User, "is_developer", property(lambda user: user.role in ("developer", "viewer")))
    outcome = run_playbook("DPF-02", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_access_denied_answers_200(start_portal, run_playbook, replace_route_endpoint):
    def forbidden_with_200(request):
        response = public.forbidden(request)
        response.status = 200
        return response

    outcome = run_playbook("DPF-02", start_portal(routes=replace_route_endpoint("/forbidden", forbidden_with_200)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_access_denied_does_not_say_so(start_portal, run_playbook, patched_template):
    templates = patched_template("pages/forbidden.html", "<h1>Access denied</h1>", "<h1>Oops</h1>")
    outcome = run_playbook("DPF-02", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_non_developer_may_post_a_new_application(start_portal, run_playbook):
    # the access check forgotten on one form: any visitor with a session's CSRF token gets to the handler
    routes = [Rule(r.method, r.pattern, r.endpoint, Access.PUBLIC, r.csrf)
              if (r.method, r.pattern) == ("POST", "/app/apps") else r for r in ROUTES]
    outcome = run_playbook("DPF-02", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
