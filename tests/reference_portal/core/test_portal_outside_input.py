"""Numbers and text from outside read one way: an alert threshold or window of other scripts' digits or with
underscores is refused as the window always was, a name with a control character is refused, the notice after
signing out other sessions comes from what the portal did and not from the address, and a Referer urllib cannot
take apart is no error."""

from __future__ import annotations

import pytest

from reference_portal.core.numbers import decimal_number, whole_number

RULES_PAGE = "/app/usage/alerts"


def rule_count(portal) -> int:
    return portal.db.scalar("SELECT COUNT(*) FROM usage_alert_rules")


@pytest.mark.parametrize("threshold", ["٥", "５", "1_0", "5e1", "nan", "-1", "9" * 5000])
def test_an_alert_threshold_is_ascii_digits_or_refused(developer, post_form, portal, read_page, threshold):
    before = rule_count(portal)
    answer = post_form(developer, RULES_PAGE, RULES_PAGE,
                       {"name": "Errors", "kind": "server_errors", "threshold": threshold, "window_minutes": "5"})
    assert answer.status_code == 422, threshold
    assert read_page(answer.text).text_of("field-error-threshold")
    assert rule_count(portal) == before


@pytest.mark.parametrize("name", ["bad\x00name", "bell\x07", "escape\x1b[31m", "c1\x85c1"])
def test_a_rule_name_with_a_control_character_is_refused(developer, post_form, portal, read_page, name):
    before = rule_count(portal)
    answer = post_form(developer, RULES_PAGE, RULES_PAGE,
                       {"name": name, "kind": "error_rate", "threshold": "5", "window_minutes": "5"})
    assert answer.status_code == 422 and read_page(answer.text).text_of("field-error-name")
    control = next(char for char in name if ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0)
    assert control not in answer.text and rule_count(portal) == before  # not shown back raw either


def test_a_crafted_link_cannot_claim_sessions_were_signed_out(developer, read_page):
    page = read_page(developer.get("/app/security/2fa", params={"others_removed": "12"}).text)
    assert page.all("sessions-notice") == []


def test_a_stale_post_with_an_unreadable_referer_goes_to_reauth(make_portal, auth, clock, read_page):
    portal = make_portal(recent_sign_in_seconds=60)
    client = auth.signed_in(portal=portal)
    for _ in range(3):
        clock.advance(25)
        assert client.get("/app").status_code == 200
    token = auth.csrf_token(client)
    answer = client.post("/app/keys/1/deactivate", data={"csrf_token": token},
                         headers={"Referer": "http://[::1:18790/app/keys"})
    assert answer.status_code == 303 and answer.headers["location"] == "/reauth?next=/app"


@pytest.mark.parametrize("text", ["²", "５", "٥", "1_0", "-1", " 1", "1 ", "+1", "9" * 20, "9" * 5000, "", "\x00"])
def test_the_one_number_reader_takes_ascii_digits_only(text):
    assert whole_number(text) is None and decimal_number(text) is None


def test_the_one_number_reader_keeps_to_what_sqlite_holds():
    assert whole_number(str(2**63 - 1)) == 2**63 - 1 and whole_number(str(2**63)) is None
    assert whole_number("0") == 0 and decimal_number("12.5") == 12.5 and whole_number("5", low=1, high=4) is None
