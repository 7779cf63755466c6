"""DPF-01 must fail when signing in does not open the developer workspace, or a wrong password signs in."""

from reference_portal.areas import auth
from reference_portal.core.security import Passwords
from reference_portal.core.sessions import SessionStore


def test_fails_when_any_password_signs_in_to_a_known_email(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(Passwords, "verify", lambda self, stored_hash, password: stored_hash is not None)
    outcome = run_playbook("DPF-01", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_sign_in_lands_somewhere_else(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(auth, "landing_path", lambda user: "/")
    outcome = run_playbook("DPF-01", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_session_cookie_is_never_sent(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(SessionStore, "write_cookie", lambda self, request, response: None)
    outcome = run_playbook("DPF-01", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_workspace_shows_another_account(start_portal, run_playbook, patched_template):
    templates = patched_template(
        "base.html",
        '<span data-testid="account-email">{{ user.email }}</span>',
        '<span data-testid="account-email">admin@example.com</span>',
    )
    outcome = run_playbook("DPF-01", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
