"""One verdict per flow in every output: JUnit and Allure are rewritten to say what dpf's table says."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from playbooks.harness import run_report, verdicts
from playbooks.harness.verdicts import FlowVerdict

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="2" skipped="0" tests="3" time="9">
<testcase classname="playbooks.dpf_03_landing_route_behavior" name="test_landing_route_behavior[chromium]" time="2">
<failure message="AssertionError: no Get Started">tb</failure></testcase>
<testcase classname="playbooks.dpf_04_dashboard_baseline" name="test_dashboard_baseline[chromium]" time="3">
<failure message="AssertionError: no quick links">tb</failure></testcase>
<testcase classname="playbooks.dpf_05_applications_list" name="test_applications_list[chromium]" time="4"/>
</testsuite></testsuites>"""


def allure_result(flow_id: str, status: str, message: str = "") -> dict:
    return {"uuid": flow_id, "name": flow_id, "status": status, "statusDetails": {"message": message},
            "labels": [{"name": "as_id", "value": flow_id}],
            "steps": [{"name": "1. Open root route.", "status": "passed"},
                      {"name": "2. Use Get Started.", "status": status}],
            "attachments": [{"name": "Playwright trace", "source": f"{flow_id}-trace.zip"},
                            {"name": "Screenshot at failure: page 1", "source": f"{flow_id}-shot.png"}]}


def test_a_deviation_and_a_flow_that_does_not_apply_are_skipped_with_their_reason_everywhere(tmp_path: Path):
    results = tmp_path / "allure-results"
    results.mkdir()
    for flow_id, status, message in (("DPF-03", "failed", "AssertionError: no Get Started"),
                                     ("DPF-04", "failed", "AssertionError: no quick links"), ("DPF-05", "passed", "")):
        (results / f"{flow_id}-result.json").write_text(json.dumps(allure_result(flow_id, status, message)))
    (tmp_path / "junit.xml").write_text(JUNIT)
    run_report.add_not_run(results, tmp_path / "junit.xml", [run_report.NotRun("DPF-02", "not applicable", "SSO only"),
                                                               run_report.NotRun("DPF-27", "not run", "pending")])
    judged = [FlowVerdict("DPF-02", "not applicable", "SSO only"), FlowVerdict("DPF-27", "not run", "pending"),
              FlowVerdict("DPF-03", "deviation (expected)", "PORT-1234: fixed in 4.2"),
              FlowVerdict("DPF-04", "failed", "AssertionError: no quick links", replay="dpf run DPF-04"),
              FlowVerdict("DPF-05", "passed")]

    verdicts.add_evidence(judged, tmp_path)
    verdicts.align(tmp_path, judged)
    verdicts.write_results_json(tmp_path, judged, {"target": "embedded reference portal"})

    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"DPF-02 Forbidden access handling", "DPF-27 FAQ knowledge base",
                          "DPF-03 Landing route behavior", "DPF-04 Dashboard baseline", "DPF-05 Applications list"}
    deviation = cases["DPF-03 Landing route behavior"]
    assert deviation.find("failure") is None
    assert deviation.find("skipped").get("message") == "deviation (expected): PORT-1234: fixed in 4.2"
    assert cases["DPF-04 Dashboard baseline"].find("failure") is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "1", "3")

    allure = {json.loads(p.read_text())["labels"][0]["value"]: json.loads(p.read_text())
              for p in results.glob("*-result.json") if json.loads(p.read_text()).get("labels")}
    assert allure["DPF-03"]["status"] == "skipped"
    assert allure["DPF-03"]["statusDetails"]["message"].startswith("deviation (expected): PORT-1234")
    assert "It failed: AssertionError: no Get Started" in allure["DPF-03"]["statusDetails"]["message"]
    assert allure["DPF-04"]["status"] == "failed"

    recorded = {flow["id"]: flow for flow in json.loads((tmp_path / "results.json").read_text())["flows"]}
    assert {flow_id: flow["verdict"] for flow_id, flow in recorded.items()} == {
        "DPF-02": "not applicable", "DPF-27": "not run", "DPF-03": "deviation (expected)", "DPF-04": "failed",
        "DPF-05": "passed"}
    assert recorded["DPF-04"]["failed_step"] == "2. Use Get Started."
    assert recorded["DPF-04"]["trace"] == ["allure-results/DPF-04-trace.zip"]
    assert recorded["DPF-04"]["screenshots"] == ["allure-results/DPF-04-shot.png"]
    assert recorded["DPF-04"]["replay"] == "dpf run DPF-04" and recorded["DPF-04"]["title"] == "Dashboard baseline"


def test_categories_put_a_deviation_and_a_flow_that_does_not_apply_before_any_cause():
    names = [rule["name"] for rule in run_report.CATEGORIES]
    assert names[:2] == ["Expected deviation", "Not applicable"]


CRASHING_PLAYBOOKS = '''
def test_broken_code():
    inbox = object()
    inbox.timeout  # a playbook's own mistake: the portal has nothing to do with it


def test_failed_check():
    assert False, "the portal shows another client ID"
'''


def test_a_playbook_that_breaks_on_its_own_code_is_an_error_not_a_failed_check_of_the_portal(tmp_path: Path):
    import pytest

    from playbooks.harness.cli import RunRecorder

    (tmp_path / "dpf_03_broken.py").write_text(CRASHING_PLAYBOOKS.replace("test_failed_check", "test_unused"))
    (tmp_path / "dpf_04_failing.py").write_text(CRASHING_PLAYBOOKS.replace("test_broken_code", "test_unused"))
    recorder = RunRecorder()
    pytest.main([str(tmp_path), "-q", "-p", "no:cacheprovider", f"--rootdir={tmp_path}", "-o", "python_files=dpf_*.py",
                 "-p", "no:playwright", "-k", "not unused"],
                plugins=[recorder])
    broken, failing = recorder.results["DPF-03"], recorder.results["DPF-04"]
    assert broken.outcome == "error" and broken.outcome in verdicts.FAILED_VERDICTS
    assert broken.message.startswith(verdicts.PLAYBOOK_BROKE + "AttributeError: 'object' object has no attribute")
    assert failing.outcome == "failed" and "the portal shows another client ID" in failing.message


def test_a_failed_check_and_a_playbooks_own_error_read_the_same_in_junit_and_allure(tmp_path: Path):
    results = tmp_path / "allure-results"
    results.mkdir()
    broke = verdicts.PLAYBOOK_BROKE + "AttributeError: 'object' object has no attribute 'timeout'"
    timed_out = "TimeoutError: Locator.click: Timeout 5000ms exceeded"
    for flow_id, status, message in (("DPF-03", "failed", broke), ("DPF-04", "broken", timed_out)):
        (results / f"{flow_id}-result.json").write_text(json.dumps(allure_result(flow_id, status, message)))
    (tmp_path / "junit.xml").write_text(JUNIT)
    judged = [FlowVerdict("DPF-03", "error", broke), FlowVerdict("DPF-04", "failed", timed_out),
              FlowVerdict("DPF-05", "passed")]

    verdicts.align(tmp_path, judged)

    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    error = cases["DPF-03 Landing route behavior"]
    assert error.find("failure") is None and error.find("error") is not None
    assert cases["DPF-04 Dashboard baseline"].find("failure") is not None
    assert (suite.get("failures"), suite.get("errors")) == ("1", "1")
    allure = {path.name.split("-result")[0]: json.loads(path.read_text()) for path in results.glob("*-result.json")}
    assert allure["DPF-03"]["status"] == "broken" and allure["DPF-04"]["status"] == "failed"
