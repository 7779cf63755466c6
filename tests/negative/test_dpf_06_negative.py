"""DPF-06 must fail when the secret shown is not the one that works or has the wrong format, the page showing it
may be cached, or the new application is not listed."""

import re

from reference_portal.areas import applications, credentials

new_client_secret = credentials.new_client_secret


def test_fails_when_the_secret_shown_does_not_work(monkeypatch, start_portal, run_playbook):
    issue = credentials.issue

    def issue_and_show_another(conn, application_id, environment, now):
        client_id, _ = issue(conn, application_id, environment, now)
        return client_id, credentials.new_client_secret(environment)

    monkeypatch.setattr(credentials, "issue", issue_and_show_another)
    outcome = run_playbook("DPF-06", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_page_may_be_cached(start_portal, run_playbook, make_cacheable, replace_route_endpoint):
    routes = replace_route_endpoint("/app/apps", make_cacheable(applications.create), method="POST")
    outcome = run_playbook("DPF-06", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_has_the_wrong_format(monkeypatch, start_portal, run_playbook):
    # a working secret, but with the production prefix on a sandbox application
    monkeypatch.setattr(credentials, "new_client_secret", lambda environment: new_client_secret("production"))
    outcome = run_playbook("DPF-06", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_new_app_is_not_listed(start_portal, run_playbook, patched_template):
    templates = patched_template("apps/list.html", "{% for app in applications %}", "{% for app in applications[:-1] %}")
    outcome = run_playbook("DPF-06", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


CLIENT_SECRET = re.compile(r"cs_test_[A-Za-z0-9_-]{43}")


def showing_the_last_secret_on_application_pages(app):
    """The portal as middleware sees it: every client secret it ever answered with is shown again on the application's
    page, as a portal that kept it in a flash message or on the record would."""
    seen: list[str] = []

    def wrapped(environ, start_response):
        answered = {}
        body = b"".join(app(environ, lambda status, headers, *_: answered.update(status=status, headers=headers)))
        text = body.decode("utf-8", "replace")
        seen.extend(CLIENT_SECRET.findall(text))
        if environ["REQUEST_METHOD"] == "GET" and re.fullmatch(r"/app/apps/[^/]+", environ["PATH_INFO"]) and seen:
            body = text.replace("</main>", f"<p>Your client secret: <code>{seen[-1]}</code></p></main>").encode()
        headers = [(k, v) for k, v in answered["headers"] if k.lower() != "content-length"]
        start_response(answered["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


def test_fails_when_the_details_page_shows_the_secret_again(start_portal, run_playbook):
    outcome = run_playbook("DPF-06", start_portal(middleware=showing_the_last_secret_on_application_pages))
    assert outcome.outcome == "failed", str(outcome)
