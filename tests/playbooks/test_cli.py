"""`dpf`: its listing, its selection errors, its exit codes and what a run leaves in reports/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader

from playbooks.harness import catalog, cli, history, run_report
from playbooks.harness.cli import EXIT_USAGE, PROJECT_ROOT, build_parser, main, pytest_arguments, replay_command
from playbooks.harness.modules import PlaybookModule
from reference_portal import Config, Portal
from reference_portal.serve import serve_in_background


def dpf(*args: str, reports: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DPF_REPORTS_DIR": str(reports)}
    env.pop("DPF_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "playbooks.harness.cli", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )


@pytest.fixture
def pending(monkeypatch) -> list[PlaybookModule]:
    """DPF-28 and DPF-29 as if they were still pending, whatever their state today."""
    made_pending = {flow_id: PlaybookModule(f"dpf_{flow_id[-2:]}_x", flow_id, Path("x.py"), "issue 99 (a test)")
                    for flow_id in ("DPF-28", "DPF-29")}
    real = cli.module_for
    monkeypatch.setattr(cli, "module_for", lambda flow_id: made_pending.get(flow_id) or real(flow_id))
    return list(made_pending.values())


def test_list_prints_all_34_flows(capsys, pending):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for flow in catalog.flows():
        assert f"{flow.id}  {flow.group.letter}" in out
    assert "executable" in out and f"pending ({pending[0].pending})" in out


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


def test_a_pending_flow_is_reported_as_not_run_and_fails_the_run(capsys, tmp_path, monkeypatch, pending):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    assert main(["run", pending[0].flow_id, "--no-report"]) == 1
    out = capsys.readouterr().out
    assert f"{pending[0].flow_id}  not run" in out and pending[0].pending in out


def test_the_nightly_selection_is_all_34_flows_pending_ones_included(pending):
    flows = cli.select_flows([], [])
    assert len(flows) == len(catalog.flows()) == 34
    assert {"DPF-28", "DPF-29"} <= {f.id for f in flows}


def test_a_run_of_pending_flows_only_writes_an_honest_report_never_an_old_one(capsys, tmp_path, monkeypatch, pending):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    (tmp_path / "allure-results").mkdir()
    (tmp_path / "allure-results" / "old-result.json").write_text('{"status": "passed"}')
    (tmp_path / "junit.xml").write_text('<testsuite tests="25" failures="0"/>')
    assert main(["run", *(m.flow_id for m in pending), "--no-report"]) == 1
    out = capsys.readouterr().out
    assert f"0 of {len(pending)} flow(s) run" in out
    results = [json.loads(p.read_text()) for p in (tmp_path / "allure-results").glob("*-result.json")]
    assert sorted(r["name"].split()[0] for r in results) == [m.flow_id for m in pending]
    for result in results:
        assert result["status"] == "skipped" and result["statusDetails"]["message"].startswith("not run: ")
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert suite.get("tests") == str(len(pending)) and len(cases) == len(pending)
    assert all(case.find("skipped").get("message").startswith("not run: not executable yet") for case in cases)
    environment = (tmp_path / "allure-results" / "environment.properties").read_text()
    assert "target=embedded reference portal" in environment and "harness.version=" in environment
    assert "spec.sha256=" in environment


def test_history_is_kept_per_target_and_kind_of_run(tmp_path):
    nightly = history.history_path(tmp_path, history.target_key(None), history.run_kind([], []))
    single = history.history_path(tmp_path, history.target_key(None), history.run_kind(["DPF-07"], []))
    partner = history.history_path(tmp_path, history.target_key("https://developers.partner.example"),
                                   history.run_kind([], []))
    assert len({nightly, single, partner}) == 3
    assert history.run_kind(["7", "dpf-12"], []) == history.run_kind(["DPF-12,DPF-07"], []) == "flows-07-12"
    assert partner.parent.name == "developers.partner.example" and nightly.name == "all.jsonl"
    nightly.parent.mkdir(parents=True)
    nightly.write_text(json.dumps({"uuid": "1", "testResults": {}}) + "\n")
    history.tag_last_entry(nightly, "embedded", "all")
    assert json.loads(nightly.read_text())["dpf"] == {"target": "embedded", "kind": "all"}


@pytest.mark.skipif(not (PROJECT_ROOT / "node_modules" / ".bin" / "allure").exists(), reason="needs the Allure CLI")
def test_two_targets_keep_separate_histories_and_a_single_flow_run_leaves_the_nightlys_alone(tmp_path, monkeypatch,
                                                                                            capsys, pending):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    flow_id = pending[0].flow_id
    main(["run", flow_id, "--base-url", "http://portal-one.example:8000"])
    main(["run", flow_id, "--base-url", "http://portal-two.example:8000"])
    files = sorted(p.relative_to(tmp_path / "history").as_posix() for p in (tmp_path / "history").rglob("*.jsonl"))
    kind = history.run_kind([flow_id], [])
    assert files == [f"portal-one.example-8000/{kind}.jsonl", f"portal-two.example-8000/{kind}.jsonl"], files
    for path in (tmp_path / "history").rglob("*.jsonl"):
        assert json.loads(path.read_text().splitlines()[-1])["dpf"]["target"] == path.parent.name


def test_pytest_refuses_an_unknown_flow_id():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "playbooks", "--dpf", "DPF-77", "-q"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 4
    assert "unknown flow ID 'DPF-77'" in done.stdout + done.stderr


@pytest.mark.browser
def test_a_run_writes_junit_and_allure_results_with_labels_steps_and_screenshots(tmp_path):
    done = dpf("run", "DPF-03", "--tracing", "on", "--junit", str(tmp_path / "ci-junit.xml"), reports=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "ci-junit.xml").read_bytes() == (tmp_path / "junit.xml").read_bytes()
    recorded = json.loads((tmp_path / "results.json").read_text())["flows"]
    assert [(flow["id"], flow["verdict"]) for flow in recorded] == [("DPF-03", "passed")]
    assert "DPF-03  passed" in done.stdout and "1 of 1 flow(s) run" in done.stdout
    assert list((tmp_path / "test-results").rglob("trace-1.zip")), "--tracing on keeps a passing flow's trace"
    environment = (tmp_path / "allure-results" / "environment.properties").read_text()
    assert "browser=chromium " in environment, environment
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
    assert any(a["type"] == run_report.TRACE_TYPE for a in result["attachments"])
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
    names = {a["name"]: a["type"] for a in result["attachments"]}
    assert names["Playwright trace"] == run_report.TRACE_TYPE and "Screenshot at failure" in names, names
    failed_steps = [step for step in result["steps"] if step["status"] == "failed"]
    assert failed_steps and failed_steps[-1]["statusDetails"]["message"], result["steps"]
    assert all(a["name"] == "Screenshot" for step in result["steps"] for a in step["attachments"])
    fixtures = [fixture["name"] for container in (tmp_path / "reports" / "allure-results").glob("*-container.json")
                for phase in ("befores", "afters") for fixture in json.loads(container.read_text()).get(phase, [])]
    assert not [name for name in fixtures if "pytestconfig" in name or "_pw_" in name], fixtures
    assert "replay DPF-03: dpf run DPF-03 --base-url" in done.stdout


@pytest.mark.browser
def test_webhook_flows_are_skipped_not_passed_when_the_receiver_is_unreachable(tmp_path):
    env_free = {k: v for k, v in os.environ.items() if k != "DPF_WEBHOOK_PUBLIC_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "playbooks.harness.cli", "run", "DPF-19", "--base-url", "http://portal.example.test",
         "--no-report", "--no-preflight"],
        cwd=PROJECT_ROOT, env={**env_free, "DPF_REPORTS_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DPF-19  skipped" in done.stdout and "DPF_WEBHOOK_PUBLIC_URL" in done.stdout


def test_headed_without_a_display_says_so_at_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["run", "DPF-03", "--headed"]) == EXIT_USAGE
    assert "xvfb-run" in capsys.readouterr().err


def test_video_is_refused_because_it_would_show_secrets(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    assert main(["run", "DPF-03", "--video", "on"]) == EXIT_USAGE
    assert "one-time secrets" in capsys.readouterr().err


def test_reproduce_options_and_the_pass_through_reach_pytest(tmp_path):
    args = build_parser().parse_args(["run", "DPF-12", "--slowmo", "250", "--tracing", "on", "--base-url", "http://x"])
    args.pytest_args = ["-x", "-k", "revoke"]
    arguments = pytest_arguments(args, ["DPF-12"], tmp_path)
    assert arguments[-3:] == ["-x", "-k", "revoke"]
    for option in (["--slowmo", "250"], ["--tracing", "on"], ["--output", str(tmp_path / "test-results")]):
        assert " ".join(option) in " ".join(arguments)
    assert "--dpf-preflight" in arguments
    assert replay_command(args, "DPF-12", "http://x") == "dpf run DPF-12 --base-url http://x --tracing on"


def test_each_run_has_its_own_folder_and_latest_points_at_the_last_that_ran_flows(tmp_path, monkeypatch, pending):
    monkeypatch.delenv("DPF_REPORTS_DIR", raising=False)
    monkeypatch.setattr(cli, "reports_dir", lambda: tmp_path)
    main(["run", "DPF-28", "--no-report"])
    main(["run", "DPF-28", "DPF-29", "--no-report"])
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all(run.name.endswith(("-embedded-flows-28", "-embedded-flows-28-29")) for run in runs)
    first = ET.parse(runs[0] / "junit.xml").getroot().find("testsuite")
    assert first.get("tests") == "1", "the second run must not overwrite the first one's JUnit"
    assert not (tmp_path / "latest").exists(), "runs of pending flows only ran nothing worth pointing at"
    cli.point_latest(runs[0])
    assert (tmp_path / "latest").resolve() == runs[0].resolve() == cli.last_run_folder()


def test_old_runs_are_pruned_per_target_and_latest_is_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DPF_REPORTS_DIR", raising=False)
    monkeypatch.setattr(cli, "reports_dir", lambda: tmp_path)
    for number in range(5):
        for target in ("embedded", "portal.partner.example"):
            folder = tmp_path / "runs" / f"2026120{number}T000000Z-{target}-all"
            folder.mkdir(parents=True)
            (folder / "last-run.json").write_text(json.dumps({"target": target, "kind": "all"}))
    cli.point_latest(tmp_path / "runs" / "20261200T000000Z-embedded-all")
    assert main(["clean", "--keep", "2"]) == 0
    left = sorted(path.name for path in (tmp_path / "runs").iterdir())
    assert left == ["20261200T000000Z-embedded-all",  # where latest points
                    "20261203T000000Z-embedded-all", "20261203T000000Z-portal.partner.example-all",
                    "20261204T000000Z-embedded-all", "20261204T000000Z-portal.partner.example-all"]
    assert "removed 5 run folder(s)" in capsys.readouterr().out
    cli.prune_runs(1, "portal.partner.example")
    assert len(list((tmp_path / "runs").iterdir())) == 4


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.startswith("dpf 0.")


def test_the_recorded_commit_says_when_tracked_files_differ_from_it(tmp_path, monkeypatch):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "playbook.py").write_text("one\n")
    git("add", "playbook.py")
    git("-c", "user.email=dpf@example.com", "-c", "user.name=dpf", "commit", "-q", "-m", "first")
    monkeypatch.setattr(run_report, "PROJECT_ROOT", tmp_path)
    clean = run_report.commit()
    assert clean != "unknown" and not clean.endswith("-modified")
    (tmp_path / "notes.txt").write_text("untracked files change no playbook\n")
    assert run_report.commit() == clean
    (tmp_path / "playbook.py").write_text("two\n")
    assert run_report.commit() == clean + "-modified"


def test_only_a_run_of_every_flow_on_one_machine_judges_unused_deviations():
    every = [flow.id for flow in catalog.flows()]
    assert cli.runs_every_flow(every, None)
    assert not cli.runs_every_flow(every[:-1], None)
    assert not cli.runs_every_flow(every, (1, 3))


def test_trace_opens_the_last_runs_trace_of_a_flow_in_the_local_viewer(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    (tmp_path / "results.json").write_text(json.dumps({"flows": [
        {"id": "DPF-12", "trace": ["allure-results/abc-attachment.zip"]}, {"id": "DPF-03", "trace": []}]}))
    called = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command: called.append(command) or 0)
    assert main(["trace", "dpf-12", "--port", "0"]) == 0
    assert called[0][1:] == ["-m", "playwright", "show-trace", str(tmp_path / "allure-results/abc-attachment.zip"),
                             "--port", "0"]
    assert main(["trace", "DPF-03"]) == EXIT_USAGE
    assert "kept no trace of DPF-03" in capsys.readouterr().err
    assert main(["trace", "DPF-99"]) == EXIT_USAGE


def test_list_says_what_would_run_without_running(tmp_path, monkeypatch, capsys, pending):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path / "reports"))
    assert main(["run", "DPF-27", "DPF-28", "--list"]) == 0
    out = capsys.readouterr().out
    assert "DPF-27  would run" in out and "DPF-28  not run: not executable yet" in out
    assert "1 of 2 selected flow(s) would run" in out
    assert not (tmp_path / "reports").exists()


def test_certify_takes_a_ca_file():
    args = build_parser().parse_args(["certify", "--ca-file", "partner-ca.pem", "--out", "bundle"])
    assert args.ca_file == "partner-ca.pem" and args.certify_command is None


@pytest.mark.browser
def test_a_flow_on_an_error_page_fails_within_the_expect_timeout_naming_the_status(tmp_path):
    from reference_portal.core.http import NotFound
    from reference_portal.core.routing import Rule
    from reference_portal.routes import ROUTES

    def gone(request, **values):
        raise NotFound()

    routes = [Rule(r.method, r.pattern, gone if (r.method, r.pattern) == ("GET", "/app/faq") else r.endpoint, r.access,
                   r.csrf) for r in ROUTES]
    portal = serve_in_background(Portal(Config(database=str(tmp_path / "portal.sqlite3"), password_hashing="test"),
                                        routes=routes))
    try:
        done = dpf("run", "DPF-27", "--base-url", portal.url, "--no-report", "--", "--dpf-expect-timeout", "2",
                   reports=tmp_path / "reports")
    finally:
        portal.stop()
    assert done.returncode == 1, done.stdout + done.stderr
    recorded = json.loads((tmp_path / "reports" / "results.json").read_text())["flows"][0]
    assert recorded["verdict"] == "failed" and "answered HTTP 404" in recorded["message"], recorded
    assert recorded["duration_s"] < 20, "an action waited Playwright's 30 s default instead of the run's timeout"


def test_collect_only_lists_what_pytest_would_run_and_writes_no_run(tmp_path):
    listed = dpf("run", "DPF-04", "DPF-05", "--no-report", "--", "--collect-only", reports=tmp_path / "reports")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "dpf_04_dashboard_baseline.py::" in listed.stdout and "dpf_05_applications_list.py::" in listed.stdout
    assert "not run" not in listed.stdout and not (tmp_path / "reports").exists()
