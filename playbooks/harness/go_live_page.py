"""The go-live checklist as DPF-34 reads it: `/app/go-live` and its JSON twin, `/app/go-live.json`, together."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Page, expect


def words(text: str) -> str:
    """A check's detail as the contract compares page and twin: the same words, however the page breaks its lines."""
    return " ".join(text.split())


class GoLive:
    """The go-live checklist page and its JSON twin, read together (for one production application, if given)."""

    def __init__(self, page: Page, application_id: str | None = None):
        self.page = page
        self.query = "?" + urlencode({"application": application_id}) if application_id is not None else ""

    def open(self) -> None:
        response = self.page.goto("/app/go-live" + self.query)
        assert response is not None and response.status == 200, (
            f"no /app/go-live: the portal answered HTTP {response and response.status}"
        )

    def check(self, check_id: str) -> Any:
        return self.page.locator(f'[data-testid="go-live-check"][data-check="{check_id}"]')

    def twin(self) -> dict[str, Any]:
        answer = self.page.request.get("/app/go-live.json" + self.query)
        assert answer.status == 200, f"/app/go-live.json answered HTTP {answer.status}"
        return answer.json()

    def state_of(self, check_id: str, *, passed: bool) -> None:
        """The check is in that state on the page, and the JSON twin says the same, with the same words."""
        self.open()
        row = self.check(check_id)
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-state", "pass" if passed else "fail")
        detail = words(row.get_by_test_id("go-live-check-detail").inner_text())
        twin = {c["id"]: c for c in self.twin()["checks"]}[check_id]
        assert twin["passed"] is passed, f"/app/go-live.json says {check_id} passed={twin['passed']}, the page not"
        assert words(twin["detail"]) == detail, f"the page and /app/go-live.json explain {check_id} differently"
        if not passed:
            assert row.get_by_test_id("go-live-check-link").get_attribute("href"), f"{check_id} links to no fix"

    def passes(self, check_id: str) -> str:
        """Partner mode, where nothing is prepared: the check must pass on the page and in the JSON twin alike; when
        it does not, the flow fails with the page's own words for what to do next. The page's explanation."""
        self.open()
        row = self.check(check_id)
        expect(row).to_have_count(1)
        state = row.get_attribute("data-state")
        detail = words(row.get_by_test_id("go-live-check-detail").inner_text())
        twin = {c["id"]: c for c in self.twin()["checks"]}[check_id]
        assert words(twin["detail"]) == detail, f"the page and /app/go-live.json explain {check_id} differently"
        assert twin["passed"] is (state == "pass"), (
            f"/app/go-live.json says {check_id} passed={twin['passed']}, the page says {state}"
        )
        assert state == "pass", f"go-live check {check_id} does not pass: {detail}"
        return detail
