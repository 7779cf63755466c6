"""The HTML report of a run that did not all pass: it exists, and a person opening it in a browser sees each flow
with its result and the failure's message."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from playbooks.harness import catalog, cli, run_report

FAILURE_MESSAGE = "AssertionError: the applications list shows no row for dpf-dpf05-table-3f2a1c"


def failed_result(flow_id: str) -> dict[str, object]:
    entry = catalog.get(flow_id)
    return {
        "uuid": str(uuid.uuid4()), "historyId": flow_id, "testCaseId": flow_id, "fullName": f"playbooks.{flow_id}",
        "name": f"{entry.id} {entry.title}", "status": "failed", "stage": "finished", "start": 1_000, "stop": 2_000,
        "statusDetails": {"message": FAILURE_MESSAGE, "trace": "Traceback (most recent call last):\n  ..."},
        "labels": [{"name": "epic", "value": entry.group.label}, {"name": "feature", "value": entry.title}],
        "steps": [{"name": entry.step_title(0), "status": "failed", "start": 1_000, "stop": 2_000,
                   "statusDetails": {"message": FAILURE_MESSAGE}}],
    }


@pytest.fixture
def failing_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run folder as `dpf run` leaves it: one failed flow, one not run."""
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "failed-result.json").write_text(json.dumps(failed_result("DPF-05")), encoding="utf-8")
    run_report.add_not_run(results, tmp_path / "junit.xml",
                           [run_report.NotRun("DPF-27", "not run", "target unreachable since DPF-05")])
    return tmp_path


@pytest.mark.skipif(cli.allure_command() is None, reason="the Allure command line is not installed")
def test_a_failing_run_has_an_html_report_that_shows_the_failure(failing_run: Path, browser) -> None:
    assert cli.make_html_report(failing_run), "dpf said it could not make the report"
    index = failing_run / "allure-report" / "index.html"
    assert index.is_file()

    page = browser.new_page()
    try:
        page.goto(index.as_uri())
        page.get_by_text("DPF-05 Applications list").first.click()
        page.get_by_text(FAILURE_MESSAGE).first.wait_for()
        page.goto(index.as_uri())
        not_run = catalog.get("DPF-27")
        page.get_by_text(not_run.group.label).first.click()  # the tree opens a group, then a feature, on a click
        page.get_by_text(not_run.title, exact=True).first.click()
        page.get_by_text("DPF-27 FAQ knowledge base").first.wait_for()
        summary = page.locator("body").inner_text()
        assert "1 failed" in summary and "1 skipped" in summary
    finally:
        page.close()


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
