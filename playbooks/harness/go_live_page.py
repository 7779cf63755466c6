"""The go-live checklist as DPF-34 reads it: `/app/go-live` and its JSON twin, `/app/go-live.json`, together."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from fixtures.html_forms import elements_by_testid


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
        """The check is in that state on the page, and the JSON twin says the same, with the same words; every other
        check is in the same state on the page as in the twin."""
        self.open()
        row = self.check(check_id)
        expect(row).to_have_count(1)
        expect(row, f"go-live check {check_id}").to_have_attribute("data-state", "pass" if passed else "fail")
        detail = words(row.get_by_test_id("go-live-check-detail").inner_text())
        checks = self.twin()["checks"]
        twin = {c["id"]: c for c in checks}[check_id]
        assert twin["passed"] is passed, f"/app/go-live.json says {check_id} passed={twin['passed']}, the page not"
        assert words(twin["detail"]) == detail, f"the page and /app/go-live.json explain {check_id} differently"
        if not passed:
            assert row.get_by_test_id("go-live-check-link").get_attribute("href"), f"{check_id} links to no fix"
        on_page = {e["data-check"]: e["data-state"] for e in elements_by_testid(self.page.content(), "go-live-check")}
        assert on_page == {c["id"]: "pass" if c["passed"] else "fail" for c in checks}, (
            f"the page's checks {on_page} are not /app/go-live.json's"
        )

    def states(self, **passed: bool) -> None:
        """In one look: each named check in its state (check_id=True for passing), on the page and in the twin, and
        every check in the same state on both."""
        self.open()
        checks = self.twin()["checks"]
        in_twin = {c["id"]: "pass" if c["passed"] else "fail" for c in checks}
        on_page = {e["data-check"]: e["data-state"] for e in elements_by_testid(self.page.content(), "go-live-check")}
        assert on_page == in_twin, f"the page's checks {on_page} are not /app/go-live.json's {in_twin}"
        wrong = {check: on_page.get(check) for check, state in passed.items()
                 if on_page.get(check) != ("pass" if state else "fail")}
        assert not wrong, f"these go-live checks are not as they should be now: {wrong}"

    def all_fail(self) -> None:
        """Before the flow prepares anything: every check fails, on the page and in the twin."""
        self.open()
        checks = self.twin()["checks"]
        on_page = {e["data-check"]: e["data-state"] for e in elements_by_testid(self.page.content(), "go-live-check")}
        passing = sorted({c["id"] for c in checks if c["passed"]} | {c for c, s in on_page.items() if s != "fail"})
        assert not passing, f"before anything is prepared, these go-live checks pass: {passing}"
        assert len(on_page) == len(checks) == 7, f"the page shows {len(on_page)} checks, the twin {len(checks)}"

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
