"""What the usage and FAQ flows share: API calls whose outcome the flow knows, and the usage page read by test ID."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from playwright.sync_api import Locator, Page

from playbooks.harness.api_calls import bearer, list_payments, request_token
from playbooks.harness.contract import contract

REQUEST_ID = contract().api["request_id_header"]
UNKNOWN_TOKEN = "at_" + "0" * 43  # well formed, never issued: a call with it belongs to no application


@dataclass
class MadeCalls:
    """The calls one flow made with one application (token requests included) and without any."""

    good: list[str] = field(default_factory=list)  # request IDs answered 2xx
    failed: dict[str, tuple[int, str]] = field(default_factory=dict)  # request ID -> (status, error code)
    unattributed: list[str] = field(default_factory=list)  # unknown-token calls: no application's

    @property
    def total(self) -> int:
        return len(self.good) + len(self.failed)


def make_calls(api: httpx.Client, client_id: str, secret: str, *, good: int, bad: int, unknown: int = 0) -> MadeCalls:
    """A token request, `good` payment listings, `bad` payments with a body the schema refuses (400, with a valid
    token) and `unknown` listings with a token never issued (401)."""
    made = MadeCalls()
    answer = request_token(api, client_id, secret)
    assert answer.status_code == 200, f"POST /oauth/token answered HTTP {answer.status_code}"
    made.good.append(answer.headers[REQUEST_ID])
    token = answer.json()["access_token"]
    for _ in range(good):
        answer = list_payments(api, token)
        assert answer.status_code == 200, f"GET /api/v1/payments answered HTTP {answer.status_code}"
        made.good.append(answer.headers[REQUEST_ID])
    for _ in range(bad):
        answer = api.post("/api/v1/payments", json={"amount": 100, "currency": "GBP", "colour": "red"},
                          headers=bearer(token))
        assert answer.status_code == 400, f"a payment with an unknown field answered HTTP {answer.status_code}, not 400"
        made.failed[answer.headers[REQUEST_ID]] = (400, answer.json()["error"])
    for _ in range(unknown):
        answer = list_payments(api, UNKNOWN_TOKEN)
        assert answer.status_code == 401, f"an unknown token answered HTTP {answer.status_code}, not 401"
        made.unattributed.append(answer.headers[REQUEST_ID])
    return made


class UsagePage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = page.get_by_role("heading", level=1, name="API usage", exact=True)
        self.chart = page.get_by_test_id("usage-chart")
        self.series = page.get_by_test_id("series-row")
        self.error_buckets = page.get_by_test_id("error-bucket")
        self.log = page.get_by_test_id("request-log")
        self.filters = page.get_by_test_id("usage-filters")

    def card(self, metric: str) -> Locator:
        return self.page.locator(f'[data-testid="usage-card"][data-metric="{metric}"]')

    def value(self, metric: str) -> float:
        raw = self.card(metric).get_attribute("data-value")
        assert raw not in (None, ""), f"the {metric} card has no value"
        return float(raw)

    def series_sum(self, attribute: str) -> int:
        return sum(int(row.get_attribute(attribute) or "0") for row in self.series.all())

    def call(self, request_id: str) -> Locator:
        return self.log.locator(f'[data-testid="usage-row"][data-request-id="{request_id}"]')

    def failing_route(self, route: str, status: int) -> Locator:
        return self.page.locator(f'[data-testid="failing-route"][data-route="{route}"][data-status="{status}"]')
