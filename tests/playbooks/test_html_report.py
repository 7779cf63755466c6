"""The HTML report of a run that did not all pass: it exists, and a person opening it in a browser sees each flow
with its result and the failure's message."""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path

import pytest

from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from playbooks.harness import catalog, cli, run_report, verdicts

# The single-file report unpacks its data and draws itself after the page loads: on a busy machine, many seconds.
REPORT_DRAWN_MS = 90_000
DRAW_MS, RELOADS = 30_000, 2
FAILURE_MESSAGE = "AssertionError: the applications list shows no row for dpf-dpf05-table-3f2a1c"


def failed_result(flow_id: str) -> dict[str, object]:
    entry = catalog.get(flow_id)
    return {
        "uuid": str(uuid.uuid4()), "historyId": flow_id, "testCaseId": flow_id, "fullName": f"playbooks.{flow_id}",
        "name": f"{entry.id} {entry.title}", "status": "failed", "stage": "finished", "start": 1_000, "stop": 2_000,
        "statusDetails": {"message": FAILURE_MESSAGE, "trace": "Traceback (most recent call last):\n  ..."},
        "labels": [{"name": "epic", "value": entry.group.label}, {"name": "feature", "value": entry.title},
                   {"name": "as_id", "value": entry.id}],
        "steps": [{"name": entry.step_title(0), "status": "failed", "start": 1_000, "stop": 2_000,
                   "statusDetails": {"message": FAILURE_MESSAGE}}],
    }


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def failing_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run folder as `dpf run` leaves it: a failed flow with its screenshot and trace, an expected deviation, a
    flow that does not apply and one not run, each judged as dpf judges them."""
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    results = tmp_path / "allure-results"
    results.mkdir()
    failed = failed_result("DPF-05")
    (results / "shot-attachment.png").write_bytes(PNG)
    with zipfile.ZipFile(results / "trace-attachment.zip", "w") as trace:
        trace.writestr("trace.trace", "{}")
    failed["attachments"] = [
        {"name": "Screenshot at failure: page 1", "source": "shot-attachment.png", "type": "image/png"},
        {"name": "Playwright trace", "source": "trace-attachment.zip", "type": run_report.TRACE_TYPE}]
    (results / "failed-result.json").write_text(json.dumps(failed), encoding="utf-8")
    (results / "deviation-result.json").write_text(json.dumps(failed_result("DPF-22")), encoding="utf-8")
    run_report.add_not_run(results, tmp_path / "junit.xml",
                           [run_report.NotRun("DPF-27", "not run", "target unreachable since DPF-05"),
                            run_report.NotRun("DPF-28", "not applicable", "sign-in is SSO only")])
    judged = [verdicts.FlowVerdict("DPF-05", "failed", FAILURE_MESSAGE, replay="dpf run DPF-05 --tracing on"),
              verdicts.FlowVerdict("DPF-22", "deviation (expected)", "PORT-1234: old signature dropped at once"),
              verdicts.FlowVerdict("DPF-27", "not run", "target unreachable since DPF-05"),
              verdicts.FlowVerdict("DPF-28", "not applicable", "sign-in is SSO only")]
    verdicts.add_evidence(judged, tmp_path)
    verdicts.align(tmp_path, judged)
    return tmp_path


def _report_page(browser: Browser, index: Path) -> Page:
    """The report in a browser context of its own, drawn. Allure 3's single-file report now and then stays blank when
    its page loads on a starved machine (seen with several reports opening at once on two cores; the same file opened
    afterwards draws at once): then it is reloaded, as a person would."""
    # tall enough for every group of the tree at once: the report draws only the rows that are in view
    page = browser.new_context(viewport={"width": 1400, "height": 3000}).new_page()
    page.set_default_timeout(REPORT_DRAWN_MS)
    page.goto(index.as_uri())
    for _ in range(RELOADS):
        try:
            page.get_by_text("Sort by").first.wait_for(timeout=DRAW_MS)
            return page
        except PlaywrightTimeoutError:
            page.reload()
    page.get_by_text("Sort by").first.wait_for(timeout=DRAW_MS)
    return page


def _open_flow(browser: Browser, index: Path, flow_id: str) -> Page:
    """The flow's page of the report, reached from the overview as a person does (its group, its feature, the flow), in
    a browser context of its own: the report keeps what was opened last, and would open the next visit there."""
    flow = catalog.get(flow_id)
    page = _report_page(browser, index)
    group = page.get_by_text(flow.group.label, exact=True).first
    group.wait_for()
    name = page.get_by_text(f"{flow.id} {flow.title}").first
    if not name.is_visible():
        group.click()
        page.get_by_text(flow.title, exact=True).first.click()
    name.click()
    return page


@pytest.mark.skipif(cli.allure_command() is None, reason="the Allure command line is not installed")
def test_a_failing_run_has_an_html_report_that_shows_each_flow_as_dpf_judged_it(failing_run: Path, browser) -> None:
    assert cli.make_html_report(failing_run), "dpf said it could not make the report"
    index = failing_run / "allure-report" / "index.html"
    assert index.is_file()

    overview = _report_page(browser, index)
    expect(overview.locator("body")).to_contain_text("1 failed", timeout=REPORT_DRAWN_MS)
    expect(overview.locator("body")).to_contain_text("3 skipped", timeout=REPORT_DRAWN_MS)

    page = _open_flow(browser, index, "DPF-05")
    page.get_by_text(FAILURE_MESSAGE).first.wait_for()
    description = page.frame_locator("iframe").first  # the report shows the description in a frame of its own
    description.get_by_text("dpf run DPF-05 --tracing on").first.wait_for()  # the replay command
    description.get_by_text("dpf trace DPF-05").first.wait_for()
    page.get_by_text("Screenshot at failure").first.wait_for()
    page.get_by_text("Playwright trace").first.wait_for()

    for flow_id, says in (("DPF-22", "deviation (expected): PORT-1234"),
                          ("DPF-28", "not applicable: sign-in is SSO only"),
                          ("DPF-27", "not run: target unreachable since DPF-05")):
        _open_flow(browser, index, flow_id).get_by_text(says).first.wait_for()


def test_no_report_is_named_when_allure_makes_no_page(failing_run: Path, monkeypatch, capsys) -> None:
    """Allure exits 0 when a plugin fails: dpf must not then print a path to a page that is not there."""
    monkeypatch.setattr(cli, "allure_command", lambda: ["true"])
    monkeypatch.setattr(cli.shutil, "which", lambda name: "/usr/bin/" + name)
    assert not cli.make_html_report(failing_run)
    out, err = capsys.readouterr()
    assert "index.html" not in out
    assert "no HTML report was made" in err


def test_category_rules_use_no_inline_flags_javascript_refuses() -> None:
    for rule in run_report.CATEGORIES:
        assert "(?" not in str(rule.get("messageRegex", "")), rule["name"]
