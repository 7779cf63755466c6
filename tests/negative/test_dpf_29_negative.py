"""DPF-29 must fail when the set-up accepts any code, shows a secret the portal does not check codes against, a QR
code of another secret, leaves the 2FA page saying "off", lets the second step take any six digits, lets a recovery
code sign in twice or the count of codes left stay, or offers a download that is not the codes shown."""

import pyotp

from reference_portal.areas import two_factor
from reference_portal.core import code_guard, second_factor

from .second_factor_faults import accept_any_six_digits


def test_fails_when_the_set_up_accepts_any_code(monkeypatch, start_portal, run_playbook):
    confirm = second_factor.confirm_pending_secret

    def any_code(conn, key, user_id, code, *, now):
        blob = conn.execute("SELECT totp_pending_secret_encrypted FROM users WHERE id = ?", (user_id,)).fetchone()[0]
        right = pyotp.TOTP(second_factor.decrypt_secret(key, blob, pending=True)).at(now)
        return confirm(conn, key, user_id, right, now=now)

    monkeypatch.setattr(two_factor, "confirm_pending_secret", any_code)
    outcome = run_playbook("DPF-29", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_shown_is_not_the_one_checked(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(two_factor, "pending_secret", lambda db, key, user_id: (
        second_factor.pending_secret(db, key, user_id), second_factor.new_totp_secret())[1])
    outcome = run_playbook("DPF-29", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_page_stays_off(start_portal, run_playbook, patched_template):
    templates = patched_template(
        "security/two_factor.html",
        """data-state="{{ 'on' if enabled else 'off' }}">{{ "On" if enabled else "Off" }}""",
        'data-state="off">Off',
    )
    outcome = run_playbook("DPF-29", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_recovery_code_signs_in_twice(monkeypatch, start_portal, run_playbook):
    consume = second_factor.consume_code

    def reusable(conn, key, user_id, code, **options):
        check = consume(conn, key, user_id, code, **options)
        if check.accepted == "recovery":
            conn.execute("UPDATE recovery_codes SET used_at = NULL WHERE user_id = ?", (user_id,))
        return check

    monkeypatch.setattr(code_guard, "consume_code", reusable)
    outcome = run_playbook("DPF-29", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_download_is_not_the_codes_shown(start_portal, run_playbook, patched_template):
    templates = patched_template("account/recovery_codes.html", 'href="{{ download_href }}"',
                                 'href="data:text/plain;charset=utf-8,{{ codes[1:] | join(\'%0A\') }}"')
    outcome = run_playbook("DPF-29", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_qr_code_is_of_another_secret(monkeypatch, start_portal, run_playbook):
    draw = two_factor._qr_svg
    monkeypatch.setattr(two_factor, "_qr_svg", lambda secret, email: draw(second_factor.new_totp_secret(), email))
    outcome = run_playbook("DPF-29", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_second_step_takes_any_six_digits(monkeypatch, start_portal, run_playbook):
    accept_any_six_digits(monkeypatch)
    outcome = run_playbook("DPF-29", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_codes_left_never_count_down(start_portal, run_playbook, patched_template):
    templates = patched_template("security/two_factor.html", 'data-count="{{ codes_left }}">{{ codes_left }} of 10',
                                 'data-count="10">10 of 10')
    outcome = run_playbook("DPF-29", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
