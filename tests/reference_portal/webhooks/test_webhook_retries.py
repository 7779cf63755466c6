"""The retry schedule, Retry-After, 410 Gone and the five-day disable rule, on an injected clock (no sleeping)."""

from __future__ import annotations

import re

import pytest

from reference_portal.areas import webhooks


def test_retries_follow_the_schedule_then_fail_after_eight_attempts(portal, ui, receiver, clock, wh):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = 500
    wh.publish(portal)
    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["next_attempt_at"] == clock.now, "the first attempt is due at once"

    for attempt in range(1, len(webhooks.RETRY_SCHEDULE)):
        assert portal.deliveries.deliver_due() == 1
        [delivery] = wh.deliveries(portal, endpoint_id)
        assert delivery["state"] == "pending"
        assert delivery["attempts"] == attempt
        assert delivery["last_status"] == 500
        wait = delivery["next_attempt_at"] - clock.now
        expected = webhooks.RETRY_SCHEDULE[attempt]
        assert expected * 0.9 - 1e-6 <= wait <= expected * 1.1 + 1e-6, (attempt, wait, expected)
        # Nothing goes out before the retry is due.
        clock.advance(wait * 0.5)
        assert portal.deliveries.deliver_due() == 0
        clock.now = delivery["next_attempt_at"]

    assert portal.deliveries.deliver_due() == 1
    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "failed"
    assert delivery["attempts"] == 8
    assert delivery["next_attempt_at"] is None
    rows = wh.attempts(portal, delivery["id"])
    assert len(rows) == 8 and {r["status_code"] for r in rows} == {500}
    assert len(receiver.requests) == 8
    clock.advance(86400)
    assert portal.deliveries.deliver_due() == 0
    assert len(receiver.requests) == 8
    ui.sign_in()  # a day and a half went by
    page = ui.get(f"/app/webhooks/{endpoint_id}/deliveries").text
    assert page.count('data-testid="attempt-row"') == 8
    assert 'data-state="failed"' in page


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_on_429_and_503(portal, ui, receiver, clock, wh, status):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = [(status, {"Retry-After": "120"}), 200]
    wh.publish(portal)

    portal.deliveries.deliver_due()
    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "pending" and delivery["last_status"] == status
    assert delivery["next_attempt_at"] - clock.now >= 120, "the schedule alone would retry after ~5 s"
    clock.advance(119)
    assert portal.deliveries.deliver_due() == 0
    clock.advance(1)
    assert portal.deliveries.deliver_due() == 1
    assert wh.deliveries(portal, endpoint_id)[0]["state"] == "delivered"


def test_retry_after_on_a_plain_500_does_not_stretch_the_schedule(portal, ui, receiver, clock, wh):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = (500, {"Retry-After": "120"})
    wh.publish(portal)
    portal.deliveries.deliver_due()
    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["next_attempt_at"] - clock.now <= webhooks.RETRY_SCHEDULE[1] * 1.1 + 1e-6


def test_410_gone_disables_the_endpoint_and_cancels_its_other_deliveries(portal, ui, receiver, clock, wh):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = 410
    for n in range(3):
        wh.publish(portal, data={"n": n})

    assert portal.deliveries.deliver_due() == 1, "the two others are cancelled, not sent"
    assert len(receiver.requests) == 1
    states = [d["state"] for d in wh.deliveries(portal, endpoint_id)]
    assert states == ["failed", "cancelled", "cancelled"]
    row = wh.endpoint(portal, endpoint_id)
    assert row["state"] == "disabled" and "410" in row["disabled_reason"]
    clock.advance(86400)
    assert portal.deliveries.deliver_due() == 0
    assert wh.publish(portal) is None, "a disabled endpoint is not queued for"
    assert len(receiver.requests) == 1


def _state_and_reason(html: str, endpoint_id: int) -> tuple[str, str | None]:
    row = html.split(f'data-webhook-id="{endpoint_id}"', 1)[1].split("</tr>", 1)[0]
    state = re.search(r'data-testid="webhook-state" data-state="([^"]+)"', row).group(1)
    reason = re.search(r'data-testid="disabled-reason">([^<]*)<', row)
    return state, reason.group(1) if reason else None


def test_failing_for_five_days_disables_the_endpoint_with_a_reason(
    portal, ui, receiver, clock, wh, run_until_idle
):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = 500
    started = clock.now
    wh.publish(portal, data={"n": 1})
    run_until_idle()  # eight attempts over about 27.6 hours, all failing
    assert wh.endpoint(portal, endpoint_id)["state"] == "active"
    assert wh.endpoint(portal, endpoint_id)["failing_since"] == started

    clock.now = started + webhooks.DISABLE_AFTER_SECONDS - 60
    wh.publish(portal, data={"n": 2})
    portal.deliveries.deliver_due()
    assert wh.endpoint(portal, endpoint_id)["state"] == "active", "not yet five days"

    clock.now = started + webhooks.DISABLE_AFTER_SECONDS
    portal.deliveries.deliver_due()
    row = wh.endpoint(portal, endpoint_id)
    assert row["state"] == "disabled"
    assert wh.deliveries(portal, endpoint_id)[-1]["state"] == "cancelled"
    ui.sign_in()  # five days went by
    state, reason = _state_and_reason(ui.get("/app/webhooks").text, endpoint_id)
    assert state == "disabled"
    assert reason == "Every delivery failed for 5 days."
    sent = len(receiver.requests)
    assert wh.publish(portal) is None
    clock.advance(86400)
    portal.deliveries.deliver_due()
    assert len(receiver.requests) == sent


def test_a_success_resets_the_five_day_clock(portal, ui, receiver, clock, wh, run_until_idle):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = 500
    started = clock.now
    wh.publish(portal)
    run_until_idle()
    clock.now = started + 3 * 86400
    receiver.script = 200
    wh.publish(portal)
    run_until_idle()
    assert wh.endpoint(portal, endpoint_id)["failing_since"] is None
    receiver.script = 500
    clock.now = started + webhooks.DISABLE_AFTER_SECONDS + 60
    wh.publish(portal)
    portal.deliveries.deliver_due()
    assert wh.endpoint(portal, endpoint_id)["state"] == "active", "failing for minutes, not five days"


def test_a_small_retry_scale_shrinks_the_disable_rule_too(make_portal, make_ui, receiver, clock, wh):
    portal = make_portal(webhook_retry_scale=0.001)  # five days become 432 s
    ui = make_ui(portal)
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = 500
    for _ in range(10):
        wh.publish(portal)
        portal.deliveries.deliver_due()
        clock.advance(60)
    row = wh.endpoint(portal, endpoint_id)
    assert row["state"] == "disabled" and row["disabled_reason"] == "Every delivery failed for 5 days."
