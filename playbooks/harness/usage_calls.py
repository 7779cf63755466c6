"""What the usage and FAQ flows share: API calls whose outcome the flow knows, and the usage page read by test ID."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx
from playwright.sync_api import Locator, Page

from playbooks.harness.api_calls import bearer, list_payments, request_token
from playbooks.harness.contract import contract
from playbooks.harness.controls import heading

REQUEST_ID = contract().api["request_id_header"]
FAQ = contract().route("faq").path
ALERTS = contract().route("usage_alert_create").path
UNKNOWN_TOKEN = "at_" + "0" * 43  # well formed, never issued: a call with it belongs to no application


@dataclass
class MadeCalls:
    """The calls one flow made with one application and without any. The contract gives every /api/v1/… answer an
    X-Request-Id and puts each of those calls in usage; a token request may carry one and may count as usage or not
    (a portal's authorisation server may be a separate service), so it is counted apart, without its ID."""

    good: list[str] = field(default_factory=list)  # request IDs of /api/v1/… calls answered 2xx
    failed: dict[str, tuple[int, str]] = field(default_factory=dict)  # request ID -> (status, error code)
    unattributed: list[str] = field(default_factory=list)  # unknown-token calls: no application's
    token_requests: int = 0  # successful POST /oauth/token of the application
    # the round trips the harness measured: the latency a portal logs for a call is never more than its round trip
    round_trips_ms: list[float] = field(default_factory=list)  # of the /api/v1/… calls with the application
    token_round_trips_ms: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The /api/v1/… calls made with the application (token requests apart)."""
        return len(self.good) + len(self.failed)

    @property
    def possible_totals(self) -> tuple[int, int]:
        """What a usage count of the application's calls may be: the API calls, with none or all of its token
        requests (the portal's choice). Anything else is a count that is not the calls made."""
        return self.total, self.total + self.token_requests

    @property
    def ids(self) -> set[str]:
        """The request IDs of the /api/v1/… calls made with the application."""
        return {*self.good, *self.failed}

    def slowest_ms(self, counted: int) -> float:
        """The longest round trip of the calls a usage count of `counted` holds (token requests in it or not)."""
        with_tokens = counted == self.total + self.token_requests and self.token_requests > 0
        return max(self.round_trips_ms + (self.token_round_trips_ms if with_tokens else []))


def make_calls(api: httpx.Client, client_id: str, secret: str, *, good: int, bad: int, unknown: int = 0) -> MadeCalls:
    """A token request, `good` payment listings, `bad` payments with a body the schema refuses (400, with a valid
    token) and `unknown` listings with a token never issued (401)."""
    made = MadeCalls()
    answer = request_token(api, client_id, secret)
    assert answer.status_code == 200, f"POST /oauth/token answered HTTP {answer.status_code}"
    made.token_requests += 1
    made.token_round_trips_ms.append(answer.elapsed.total_seconds() * 1000)
    token = answer.json()["access_token"]
    for _ in range(good):
        answer = list_payments(api, token)
        assert answer.status_code == 200, f"GET /api/v1/payments answered HTTP {answer.status_code}"
        made.good.append(answer.headers[REQUEST_ID])
        made.round_trips_ms.append(answer.elapsed.total_seconds() * 1000)
    for _ in range(bad):
        answer = api.post("/api/v1/payments", json={"amount": 100, "currency": "GBP", "colour": "red"},
                          headers=bearer(token))
        assert answer.status_code == 400, f"a payment with an unknown field answered HTTP {answer.status_code}, not 400"
        made.failed[answer.headers[REQUEST_ID]] = (400, answer.json()["error"])
        made.round_trips_ms.append(answer.elapsed.total_seconds() * 1000)
    for _ in range(unknown):
        answer = list_payments(api, UNKNOWN_TOKEN)
        assert answer.status_code == 401, f"an unknown token answered HTTP {answer.status_code}, not 401"
        made.unattributed.append(answer.headers[REQUEST_ID])
    return made


def faq_anchor(page: Page, code: str) -> Locator:
    """The anchor of an error code in the FAQ: an element with the code as its id, inside an article or the article
    itself."""
    return page.locator(f'[data-testid="faq-article"][id="{code}"], [data-testid="faq-article"] [id="{code}"]')


def error_codes(data_codes: str | None) -> list[str]:
    """The error codes of a faq-article's data-codes, whatever separates them (spaces, commas)."""
    return re.findall(r"[A-Za-z0-9_.]+", data_codes or "")


class UsagePage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "API usage")
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

    def shown(self, metric: str) -> float:
        """The value a person reads on a card: the first number of its text (thousands separators aside)."""
        text = self.card(metric).inner_text()
        number = re.search(r"-?\d[\d,]*(\.\d+)?", text)
        assert number, f"the {metric} card shows no number: {text!r}"
        return float(number.group().replace(",", ""))

    def series_sum(self, attribute: str) -> int:
        return sum(int(row.get_attribute(attribute) or "0") for row in self.series.all())

    def call(self, request_id: str) -> Locator:
        return self.log.locator(f'[data-testid="usage-row"][data-request-id="{request_id}"]')

    def filter_by(self, application_id: str, window: str) -> None:
        """Choose the application and the time window by their values in the fields the URL's parameters name, and
        submit the filter form as pressing Enter or its submit button would, whatever their labels or the button say."""
        self.filters.locator('[name="application"]').select_option(value=str(application_id))
        self.filters.locator('[name="window"]').select_option(value=window)
        self.filters.evaluate("el => (el.tagName === 'FORM' ? el : el.querySelector('form')).requestSubmit()")

    def calls_of(self, bucket: Locator) -> Locator:
        """An error-heavy period's link to its calls: the one drilling down with the contract's `bucket` value."""
        return bucket.locator('a[href*="bucket="]')

    def failing_route(self, path: str, status: int) -> Locator:
        """The top-failing-route row of an operation (its path, the method and a space before it or not) and status."""
        rows = self.page.locator(f'[data-testid="failing-route"][data-status="{status}"]')
        return rows.and_(self.page.locator(f'[data-route="{path}"], [data-route$=" {path}"]'))

    def faq_link(self, row: Locator, code: str) -> Locator:
        """A row's link to the FAQ's anchor of an error code, however it is worded."""
        return row.locator(f'a[href*="{FAQ}"][href$="#{code}"]').first


class AlertRulesPage:
    """GET /app/usage/alerts: the organisation's alert rules and the form that adds one."""

    def __init__(self, page: Page):
        self.page = page
        self.rules = page.get_by_test_id("alert-rule")
        self.form = page.locator(f'form[action$="{ALERTS}"]')

    def rule_ids(self) -> set[str]:
        return {rule.get_attribute("data-rule-id") or "" for rule in self.rules.all()}

    def rule(self, rule_id: str) -> Locator:
        return self.page.locator(f'[data-testid="alert-rule"][data-rule-id="{rule_id}"]')

    def add(self, values: dict[str, str]) -> None:
        """Fill the contract's fields by name, each as its control takes a value (typed, a select's option or a
        radio button of that value), and submit the form as its submit button would, whatever it says."""
        for name, value in values.items():
            control = self.form.locator(f'[name="{name}"]')
            kind = control.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
            if kind.startswith("select:"):
                control.select_option(value=value)
            elif kind in ("input:radio", "input:checkbox"):
                self.form.locator(f'[name="{name}"][value="{value}"]').check()
            else:
                control.fill(value)
        with self.page.expect_navigation():  # the POST and wherever the portal then leads
            self.form.evaluate("form => form.requestSubmit()")
