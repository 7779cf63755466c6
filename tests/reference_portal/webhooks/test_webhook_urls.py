"""Hostile webhook URLs are refused when saved and again before every send; redirects are never followed."""

from __future__ import annotations

import pytest

from reference_portal.areas import webhook_urls

PRIVATE_NAME = "hooks.attacker.example"


def _resolver(mapping):
    def resolve(host, port):
        if host in mapping:
            return mapping[host]
        return webhook_urls.resolve(host, port)

    return resolve


HOSTILE = [
    pytest.param("http://169.254.169.254/latest/meta-data", True, "link-local", id="metadata"),
    pytest.param("http://2852039166/", True, "link-local", id="decimal-metadata"),
    pytest.param("http://[::ffff:169.254.169.254]/", True, "link-local", id="ipv4-mapped-metadata"),
    pytest.param("https://10.0.0.5/", True, "private", id="10/8"),
    pytest.param("https://192.168.1.1/", True, "private", id="192.168/16"),
    pytest.param("https://172.16.0.1/", True, "private", id="172.16/12"),
    pytest.param("http://user:pw@127.0.0.1/", True, "user name or password", id="userinfo"),
    pytest.param("https://[fe80::1]/", True, "link-local", id="ipv6-link-local"),
    pytest.param("http://0.0.0.0/", True, "private", id="unspecified"),
    pytest.param("ftp://example.com/", True, "https URL", id="ftp"),
    pytest.param("http://127.0.0.1/", False, "loopback", id="loopback-in-production"),
    pytest.param(f"https://{PRIVATE_NAME}/hook", True, "private", id="name-resolving-private"),
    pytest.param("https://[::ffff:10.0.0.5]/", True, "private", id="ipv4-mapped-private"),
    pytest.param("http://0251.0376.0251.0376/", True, "link-local", id="octal-metadata"),
    pytest.param("https://[::1]/", False, "loopback", id="ipv6-loopback-in-production"),
]


@pytest.mark.parametrize(("url", "development", "reason"), HOSTILE)
def test_a_hostile_url_is_refused_and_not_stored(make_portal, make_ui, wh, url, development, reason):
    portal = make_portal(development=development)
    portal.deliveries.resolver = _resolver({PRIVATE_NAME: ["10.20.30.40"], "example.com": ["93.184.216.34"]})
    ui = make_ui(portal)

    answer = ui.create_endpoint(url, ["payment.succeeded"])

    assert answer.status_code == 422
    assert 'data-testid="field-error-url"' in answer.text
    error = answer.text.split('data-testid="field-error-url">', 1)[1].split("</p>", 1)[0]
    assert reason in error
    assert 'data-testid="one-time-secret"' not in answer.text
    assert portal.db.scalar("SELECT COUNT(*) FROM webhook_endpoints") == 0
    assert wh.webhook_rows(ui.get("/app/webhooks").text) == []


@pytest.mark.parametrize(("url", "development", "addresses"), [
    ("https://hooks.example.net/in", False, ["93.184.216.34"]),
    ("http://127.0.0.1:9/in", True, None),
])
def test_a_public_or_development_loopback_url_is_accepted(make_portal, make_ui, wh, url, development, addresses):
    """The control for the refusals above: the same form stores a safe URL."""
    portal = make_portal(development=development)
    if addresses:
        portal.deliveries.resolver = _resolver({"hooks.example.net": addresses})
    ui = make_ui(portal)
    answer = ui.create_endpoint(url, ["payment.succeeded"])
    assert answer.status_code == 200
    assert [u for _, u in wh.webhook_rows(ui.get("/app/webhooks").text)] == [url]


def test_an_endpoint_mixing_public_and_private_addresses_is_refused(make_portal, make_ui):
    portal = make_portal()
    portal.deliveries.resolver = _resolver({"mixed.example": ["93.184.216.34", "192.168.0.10"]})
    answer = make_ui(portal).create_endpoint("https://mixed.example/", ["payment.succeeded"])
    assert answer.status_code == 422 and 'data-testid="field-error-url"' in answer.text


def test_unknown_event_type_is_refused(portal, ui, receiver):
    answer = ui.create_endpoint(receiver.url(), ["payment.succeeded", "payment.exploded"])
    assert answer.status_code == 422
    assert 'data-testid="field-error-event_types"' in answer.text
    assert "payment.exploded" in answer.text
    none = ui.create_endpoint(receiver.url(), [])
    assert none.status_code == 422 and 'data-testid="field-error-event_types"' in none.text
    assert portal.db.scalar("SELECT COUNT(*) FROM webhook_endpoints") == 0


def test_a_host_that_later_resolves_privately_is_not_sent_to(portal, ui, receiver, clock, wh):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    portal.deliveries.resolver = lambda host, port: ["10.0.0.7"]  # DNS now points inside the network
    wh.publish(portal)

    assert portal.deliveries.deliver_due() == 1
    assert receiver.requests == []
    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    [attempt] = wh.attempts(portal, delivery["id"])
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("not sent: ")
    assert "private" in attempt["error"]

    portal.deliveries.resolver = webhook_urls.resolve  # DNS is back to normal: the retry goes out
    clock.now = delivery["next_attempt_at"]
    portal.deliveries.deliver_due()
    assert len(receiver.requests) == 1
    assert wh.deliveries(portal, endpoint_id)[0]["state"] == "delivered"


def test_redirects_are_not_followed(portal, ui, receiver, clock, wh):
    endpoint_id, _ = ui.add_endpoint(receiver.url("/hook"))
    receiver.script = lambda got: (302, {"Location": receiver.url("/elsewhere")}) if got.path == "/hook" else 200
    wh.publish(portal)

    portal.deliveries.deliver_due()

    assert [r.path for r in receiver.requests] == ["/hook"]
    assert receiver.at("/elsewhere") == []
    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "pending" and delivery["last_status"] == 302
    [attempt] = wh.attempts(portal, delivery["id"])
    assert attempt["status_code"] == 302
