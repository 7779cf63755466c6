"""`dpf`: its listing, its selection errors, its exit codes and what a run leaves in reports/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader

from playbooks.harness import catalog
from playbooks.harness.cli import EXIT_USAGE, PROJECT_ROOT, main
from playbooks.harness.modules import playbook_modules
from reference_portal import Config, Portal
from reference_portal.serve import serve_in_background


def dpf(*args: str, reports: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DPF_REPORTS_DIR": str(reports)}
    env.pop("DPF_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "playbooks.harness.cli", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )


def test_list_prints_all_34_flows(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for flow in catalog.flows():
        assert f"{flow.id}  {flow.group.letter}" in out
    pending = next(m for m in playbook_modules() if not m.executable)
    assert "executable" in out and f"pending ({pending.pending})" in out


def test_list_by_group(capsys):
    assert main(["list", "--group", "c"]) == 0
    out = capsys.readouterr().out
    assert "DPF-09" in out and "DPF-12" in out and "DPF-08" not in out and "DPF-13" not in out


@pytest.mark.parametrize(
    "argv",
    [["run", "DPF-99"], ["run", "login"], ["run", "--group", "Z"], ["run", "--workers", "0"], ["nonsense"]],
)
def test_usage_errors_exit_4(argv, capsys):
    assert main(argv) == EXIT_USAGE
    assert "dpf" in capsys.readouterr().err


def test_an_unknown_id_lists_the_valid_ones(capsys):
    main(["run", "DPF-99"])
    err = capsys.readouterr().err
    assert "unknown flow ID 'DPF-99'" in err and "DPF-01" in err and "DPF-34" in err


def test_a_pending_flow_is_reported_as_not_run_and_fails_the_run(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    pending = next(m for m in playbook_modules() if not m.executable)
    assert main(["run", pending.flow_id, "--no-report"]) == 1
    out = capsys.readouterr().out
    assert f"{pending.flow_id}  not run" in out and pending.pending in out


def test_pytest_refuses_an_unknown_flow_id():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "playbooks", "--dpf", "DPF-77", "-q"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 4
    assert "unknown flow ID 'DPF-77'" in done.stdout + done.stderr


@pytest.mark.browser
def test_a_run_writes_junit_and_allure_results_with_labels_steps_and_screenshots(tmp_path):
    done = dpf("run", "DPF-03", reports=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DPF-03  passed" in done.stdout
    assert (tmp_path / "junit.xml").exists()
    results = [json.loads(p.read_text()) for p in (tmp_path / "allure-results").glob("*-result.json")]
    assert len(results) == 1
    result = results[0]
    labels = {label["name"]: label["value"] for label in result["labels"]}
    flow = catalog.get("DPF-03")
    assert result["name"] == "DPF-03 Landing route behavior" and result["status"] == "passed"
    assert labels["epic"] == "A. Access and Authentication"
    assert labels["feature"] == flow.title and labels["as_id"] == "DPF-03"
    assert [step["name"] for step in result["steps"]] == [
        flow.step_title(0), flow.step_title(1), flow.expected_title
    ]
    for step in result["steps"]:
        assert any(a["type"] == "image/png" for a in step["attachments"]), step["name"]
    if (PROJECT_ROOT / "node_modules" / ".bin" / "allure").exists():
        assert (tmp_path / "allure-report" / "index.html").exists(), done.stdout + done.stderr
    else:
        assert "no HTML report was made" in done.stdout or "not installed" in done.stdout


@pytest.mark.browser
def test_a_failing_flow_exits_1_with_its_failure_in_the_table_trace_and_screenshot(tmp_path):
    app = Portal(Config(database=str(tmp_path / "broken.sqlite3")))
    app.templates.loader = ChoiceLoader([DictLoader({"pages/landing.html": "<h1>Nothing here</h1>"}), app.templates.loader])
    portal = serve_in_background(app)
    try:
        done = dpf("run", "DPF-03", "--base-url", portal.url, "--no-report", reports=tmp_path / "reports")
    finally:
        portal.stop()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DPF-03  failed" in done.stdout
    result = json.loads(next((tmp_path / "reports" / "allure-results").glob("*-result.json")).read_text())
    assert result["status"] == "failed"
    attachments = [a for container in (tmp_path / "reports" / "allure-results").glob("*-container.json")
                   for fixture in json.loads(container.read_text()).get("afters", [])
                   for a in fixture.get("attachments", [])]
    names = {a["name"] for a in attachments}
    assert {"Screenshot at failure", "Playwright trace"} <= names, names


@pytest.mark.browser
def test_webhook_flows_are_skipped_not_passed_when_the_receiver_is_unreachable(tmp_path):
    env_free = {k: v for k, v in os.environ.items() if k != "DPF_WEBHOOK_PUBLIC_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "playbooks.harness.cli", "run", "DPF-19", "--base-url", "http://portal.example.test",
         "--no-report"],
        cwd=PROJECT_ROOT, env={**env_free, "DPF_REPORTS_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DPF-19  skipped" in done.stdout and "DPF_WEBHOOK_PUBLIC_URL" in done.stdout
