"""DPF-33 must fail when the old API secret keeps working after its rotation, deliveries are not signed with the
rotated webhook secret, or 2FA is not on for the persona (the page says off, or the sign-in asks for no code, or takes
any six digits or a code taken before)."""

import dataclasses

from reference_portal.areas import auth, credentials
from reference_portal.core.accounts import get_user

from .second_factor_faults import accept_any_six_digits, accept_replayed_codes


def test_fails_when_the_old_api_secret_still_works(monkeypatch, start_portal, run_playbook):
    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: rotate(conn, cid, environment, 86400, now)
    )
    outcome = run_playbook("DPF-33", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_new_signing_secret_is_never_used(signing_secret_never_changes, start_portal, run_playbook):
    outcome = run_playbook("DPF-33", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_page_says_2fa_is_off(start_portal, run_playbook, patched_template):
    templates = patched_template(
        "security/two_factor.html",
        """data-state="{{ 'on' if enabled else 'off' }}">{{ "On" if enabled else "Off" }}""",
        'data-state="off">Off',
    )
    outcome = run_playbook("DPF-33", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def _without_2fa(db, user_id):
    user = get_user(db, user_id)
    return None if user is None else dataclasses.replace(user, totp_enabled=False)


def test_fails_when_the_sign_in_asks_for_no_code(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(auth, "get_user", _without_2fa)
    outcome = run_playbook("DPF-33", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_second_step_takes_any_six_digits(monkeypatch, start_portal, run_playbook):
    accept_any_six_digits(monkeypatch)
    outcome = run_playbook("DPF-33", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_second_step_takes_a_replayed_code(monkeypatch, start_portal, run_playbook):
    accept_replayed_codes(monkeypatch)
    outcome = run_playbook("DPF-33", start_portal())
    assert outcome.outcome == "failed", str(outcome)
