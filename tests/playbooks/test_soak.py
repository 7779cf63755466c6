"""`dpf soak`: the tables of changed results and duration spreads, on made-up runs (a real soak has its own command),
and a stopped soak stopping the run under way."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

import pytest

from playbooks.harness import soak
from playbooks.harness.soak import FlowOutcome, SoakRun, changed_results, duration_spreads, read_junit, summary


def run(number: int, workers: int = 1, exit_code: int = 0, **flows: tuple[str, float]) -> SoakRun:
    return SoakRun(number, workers, exit_code, 60.0,
                   {flow.replace("_", "-"): FlowOutcome(*result) for flow, result in flows.items()})


STEADY = [run(n, DPF_01=("passed", 2.0 + n / 10), DPF_02=("failed", 5.0)) for n in range(1, 4)]


def test_no_change_when_every_run_gives_every_flow_the_same_result():
    assert changed_results(STEADY) == []
    text, held = summary(STEADY)
    assert held and "Changed results: none" in text and "Held: no flow's result changed." in text


def test_a_flow_that_failed_once_is_a_change_naming_the_odd_run():
    runs = [*STEADY, run(4, DPF_01=("failed", 9.0), DPF_02=("failed", 5.0))]
    (change,) = changed_results(runs)
    assert change.flow_id == "DPF-01" and change.counts == {"passed": 3, "failed": 1}
    assert change.runs == ["run 4 (serial): failed"]
    text, held = summary(runs)
    assert not held and "NOT held: 1 flow(s) changed." in text and "failed 1, passed 3" in text


def test_a_flow_missing_from_a_run_is_a_change():
    runs = [*STEADY, run(4, DPF_02=("failed", 5.0))]
    (change,) = changed_results(runs)
    assert change.flow_id == "DPF-01" and change.counts == {"passed": 3, "no result": 1}


def test_serial_and_parallel_runs_that_disagree_are_a_change():
    runs = [run(1, 1, DPF_01=("passed", 2.0)), run(2, 2, DPF_01=("error", 3.0))]
    (change,) = changed_results(runs)
    assert change.runs in (["run 1 (serial): passed"], ["run 2 (2 workers): error"])


def test_runs_that_end_differently_do_not_hold_even_with_the_same_results():
    runs = [run(1, DPF_01=("passed", 2.0)), run(2, exit_code=1, DPF_01=("passed", 2.0))]
    text, held = summary(runs)
    assert not held and "exit codes differ" in text


def test_duration_spread_per_flow_and_worker_setting_leaves_out_flows_that_did_not_run():
    runs = [run(1, 1, DPF_01=("passed", 2.0), DPF_30=("not run", 0.0)),
            run(2, 1, DPF_01=("passed", 3.0), DPF_30=("not run", 0.0)),
            run(3, 1, DPF_01=("failed", 8.0), DPF_30=("not run", 0.0)),
            run(4, 2, DPF_01=("passed", 4.0), DPF_30=("not run", 0.0))]
    spreads = {(s.flow_id, s.workers): s for s in duration_spreads(runs)}
    assert set(spreads) == {("DPF-01", 1), ("DPF-01", 2)}
    serial = spreads[("DPF-01", 1)]
    assert (serial.runs, serial.minimum, serial.median, serial.maximum, serial.ratio) == (3, 2.0, 3.0, 8.0, 4.0)
    assert spreads[("DPF-01", 2)].ratio == 1.0


def test_results_are_read_from_a_runs_junit_xml(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">'
        '<testcase classname="playbooks.dpf_01_developer_login" name="test_developer_login[chromium]" time="3.5"/>'
        '<testcase classname="playbooks.dpf_06_create_application" name="test_create_application[chromium]" time="6">'
        '<failure message="AssertionError">x</failure></testcase>'
        '<testcase classname="playbooks.dpf_07_x" name="t" time="1"><error message="e">x</error></testcase>'
        '<testcase classname="playbooks.dpf_20_x" name="t" time="0"><skipped type="pytest.skip" message="s"/></testcase>'
        '<testcase classname="playbooks" name="DPF-30 Enable 2FA" time="0"><skipped type="not run" message="m"/>'
        '</testcase></testsuite></testsuites>', encoding="utf-8")
    assert read_junit(junit) == {
        "DPF-01": FlowOutcome("passed", 3.5), "DPF-06": FlowOutcome("failed", 6.0), "DPF-07": FlowOutcome("error", 1.0),
        "DPF-20": FlowOutcome("skipped", 0.0), "DPF-30": FlowOutcome("not run", 0.0),
    }
    assert read_junit(tmp_path / "missing.xml") == {}


@pytest.mark.parametrize(("text", "settings"), [("1", [1]), ("2", [2]), ("1,2", [1, 2])])
def test_worker_settings(text, settings):
    assert soak.worker_settings(text) == settings


@pytest.mark.parametrize("text", ["0", "x", "", "1,-2"])
def test_bad_worker_settings_are_refused(text):
    with pytest.raises(ValueError, match="--workers"):
        soak.worker_settings(text)


def _soak(monkeypatch, tmp_path, runs, ids, workers, failing_run=None):
    calls = []

    def fake_run(args, number, workers, folder):
        calls.append((number, workers, args.ids))
        return run(number, workers, DPF_12=("failed" if number == failing_run else "passed", 5.0))

    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path))
    monkeypatch.setattr(soak, "soak_run", fake_run)
    args = argparse.Namespace(runs=runs, ids=ids, group=[], worker_settings=workers, base_url=None)
    return soak.command_soak(args), calls


def test_a_soak_runs_n_times_per_worker_setting_and_fails_when_a_result_changes(monkeypatch, tmp_path, capsys):
    code, calls = _soak(monkeypatch, tmp_path, "2", ["DPF-12"], "1,2", failing_run=3)
    assert code == 1
    assert [(n, w) for n, w, _ in calls] == [(1, 1), (2, 1), (3, 2), (4, 2)]
    assert "run 3 (2 workers): failed" in capsys.readouterr().out
    assert list((tmp_path / "soak").glob("*/soak.json")) and list((tmp_path / "soak").glob("*/soak.txt"))


def test_a_soak_with_no_number_runs_ten_times_and_holds_when_nothing_changes(monkeypatch, tmp_path):
    code, calls = _soak(monkeypatch, tmp_path, "DPF-12", [], "1")
    assert code == 0 and len(calls) == 10 and calls[0][2] == ["DPF-12"]


STOPPABLE_SOAK = """
import sys
from playbooks.harness import soak
with soak.stopped_by_sigterm():
    soak.run_stoppable([sys.executable, "-c", sys.argv[1]], env={}, log=sys.stdout)
"""
RUN_WITH_A_CHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
print(child.pid, flush=True)
time.sleep(120)
"""


def test_a_stopped_soak_stops_the_run_under_way_and_what_the_run_started(tmp_path):
    soak_process = subprocess.Popen([sys.executable, "-c", STOPPABLE_SOAK, RUN_WITH_A_CHILD], cwd=soak.PROJECT_ROOT,
                                    stdout=subprocess.PIPE, text=True)
    grandchild = int(soak_process.stdout.readline())  # the run's own child has started: the run is under way
    soak_process.send_signal(signal.SIGTERM)
    assert soak_process.wait(timeout=30) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 10
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)  # the condition: the process group's signal reaching the grandchild
    assert not _alive(grandchild), "the run's child outlived the stopped soak"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
