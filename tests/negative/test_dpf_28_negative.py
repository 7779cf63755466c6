"""DPF-28 must fail when the 2FA page shows a state the sign-in does not have, hides when it was turned on or the
recovery codes left, leaves out the guidance, does not lead to account settings, or its sign-in's second step takes any
six digits or a code taken before."""

import dataclasses

from reference_portal.areas import auth
from reference_portal.core.accounts import get_user

from .second_factor_faults import accept_any_six_digits, accept_replayed_codes

STATE = """data-state="{{ 'on' if enabled else 'off' }}">{{ "On" if enabled else "Off" }}"""


def test_fails_when_the_page_says_on_for_everyone(start_portal, run_playbook, patched_template):
    templates = patched_template("security/two_factor.html", STATE, 'data-state="on">On')
    outcome = run_playbook("DPF-28", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_page_says_off_for_everyone(start_portal, run_playbook, patched_template):
    templates = patched_template("security/two_factor.html", STATE, 'data-state="off">Off')
    outcome = run_playbook("DPF-28", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def _without_2fa(db, user_id):
    user = get_user(db, user_id)
    return None if user is None else dataclasses.replace(user, totp_enabled=False)


def test_fails_when_the_sign_in_never_asks_for_the_code(monkeypatch, start_portal, run_playbook):
    # the page still says "on", but the password alone signs the 2FA persona in
    monkeypatch.setattr(auth, "get_user", _without_2fa)
    outcome = run_playbook("DPF-28", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_lost_phone_guidance_is_missing(start_portal, run_playbook, patched_template):
    templates = patched_template("security/two_factor.html", 'data-testid="lost-phone"', 'data-testid="phone-help"')
    outcome = run_playbook("DPF-28", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_recovery_codes_left_are_hidden(start_portal, run_playbook, patched_template):
    templates = patched_template("security/two_factor.html", 'data-testid="recovery-codes-left"', 'data-testid="codes"')
    outcome = run_playbook("DPF-28", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_account_settings_leads_elsewhere(start_portal, run_playbook, patched_template):
    templates = patched_template("security/two_factor.html", 'href="/account/security"', 'href="/app"')
    outcome = run_playbook("DPF-28", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_second_step_takes_any_six_digits(monkeypatch, start_portal, run_playbook):
    accept_any_six_digits(monkeypatch)
    outcome = run_playbook("DPF-28", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_second_step_takes_a_replayed_code(monkeypatch, start_portal, run_playbook):
    accept_replayed_codes(monkeypatch)
    outcome = run_playbook("DPF-28", start_portal())
    assert outcome.outcome == "failed", str(outcome)
