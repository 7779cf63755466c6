"""A URL with whitespace or control characters is refused when saved; any delivery the worker cannot even send
gets failed attempts recorded, so nothing stays pending for ever and no traceback is logged per attempt."""

from __future__ import annotations

import logging

from reference_portal.areas import webhook_urls, webhooks

REFUSAL = "A webhook URL may not contain spaces, tabs, line breaks or other control characters."
SPACES_AND_CONTROLS = ["\t", "\r\n", "\n", "\r", " ", "\x00", "\x0b", "\x7f", "\u00a0", "\u2028"]


def _tracebacks(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info]


def test_a_url_with_whitespace_or_a_control_character_is_refused_and_not_stored(portal, ui, receiver, wh):
    port = receiver.server.server_address[1]
    for character in SPACES_AND_CONTROLS:
        for url in (receiver.url(f"/ho{character}ok"), f"http://127.0.0.1{character}:{port}/hook"):
            answer = ui.create_endpoint(url)

            assert answer.status_code == 422, repr(url)
            error = answer.text.split('data-testid="field-error-url">', 1)[1].split("</p>", 1)[0]
            assert REFUSAL in error, repr(url)
            assert 'data-testid="one-time-secret"' not in answer.text
            assert "Traceback" not in answer.text
    assert portal.db.scalar("SELECT COUNT(*) FROM webhook_endpoints") == 0
    assert wh.webhook_rows(ui.get("/app/webhooks").text) == []


def _store_raw_url(portal, endpoint_id: int, url: str) -> None:
    """As an earlier version, which let such URLs through, saved them."""
    with portal.db.transaction() as conn:
        conn.execute("UPDATE webhook_endpoints SET url = ? WHERE id = ?", (url, endpoint_id))


def test_a_stored_url_with_a_tab_fails_each_attempt_and_stops_being_pending(portal, ui, receiver, wh,
                                                                            run_until_idle, caplog):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    _store_raw_url(portal, endpoint_id, receiver.url("/ho\tok"))
    wh.publish(portal)
    caplog.set_level(logging.DEBUG, logger="reference_portal")

    run_until_idle()

    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "failed"
    assert delivery["attempts"] == len(webhooks.RETRY_SCHEDULE)
    assert {a["error"] for a in wh.attempts(portal, delivery["id"])} == {f"not sent: {REFUSAL}"}
    assert receiver.requests == []
    assert _tracebacks(caplog) == []
    ui.sign_in()  # a day went by
    page = ui.get(f"/app/webhooks/{endpoint_id}/deliveries").text
    assert page.count(f"not sent: {REFUSAL}") == len(webhooks.RETRY_SCHEDULE)


def test_a_url_the_http_client_rejects_is_a_failed_attempt_not_a_stuck_delivery(portal, ui, receiver, clock, wh,
                                                                                 monkeypatch, caplog):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    _store_raw_url(portal, endpoint_id, receiver.url("/ho\r\nok"))
    monkeypatch.setattr(webhook_urls, "check", lambda url, **kwargs: ["127.0.0.1"])  # as lenient as the old check
    wh.publish(portal)
    caplog.set_level(logging.DEBUG, logger="reference_portal")

    assert portal.deliveries.deliver_due() == 1

    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    assert delivery["next_attempt_at"] - clock.now >= webhooks.RETRY_SCHEDULE[1] * 0.9, "retried as scheduled"
    [attempt] = wh.attempts(portal, delivery["id"])
    assert attempt["error"] == "not sent: invalid URL" and attempt["status_code"] is None
    assert receiver.requests == []
    assert _tracebacks(caplog) == []


def test_an_unexpected_error_while_sending_is_a_failed_attempt_too(portal, ui, receiver, wh, monkeypatch, caplog):
    endpoint_id, _ = ui.add_endpoint(receiver.url())

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the portal")

    monkeypatch.setattr(webhooks, "post", broken)
    wh.publish(portal)
    caplog.set_level(logging.DEBUG, logger="reference_portal")

    assert portal.deliveries.deliver_due() == 1

    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    assert [a["error"] for a in wh.attempts(portal, delivery["id"])] == ["not sent: internal error"]
    assert any("a bug in the portal" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert _tracebacks(caplog) == []
