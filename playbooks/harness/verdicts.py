"""One verdict per flow, the same in every output of a run: dpf's table, results.json, JUnit and Allure.

pytest knows only passed, failed and skipped; a run against a target file also knows an expected deviation (a
failure the partner declared, with its ticket), an optional flow's failure and a flow that does not apply. Once the
run has judged each flow, `align` rewrites the JUnit file and the Allure results so that they say what dpf says, and
`write_results_json` records it as data."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from playbooks.harness import catalog
from playbooks.harness.flow_ids import in_file_name

RESULTS_JSON = "results.json"
AS_NAMED = re.compile(r"DPF-\d{2}(?= )")  # a test case dpf added itself: "DPF-27 FAQ knowledge base"
DEVIATION = "deviation (expected)"
NOT_APPLICABLE = "not applicable"
SKIPPED_VERDICTS = (DEVIATION, NOT_APPLICABLE, "not run", "skipped")
FAILED_VERDICTS = ("failed", "error", "failed (optional)", "error (optional)")
# Exceptions that only a mistake in a playbook's own code raises, whatever the portal does. A flow that stops on one
# is an error of the harness, not a failed check of the portal; a negative control does not count it as caught.
PLAYBOOK_BUGS = frozenset({"AttributeError", "NameError", "UnboundLocalError", "TypeError", "ImportError",
                           "ModuleNotFoundError", "SyntaxError", "RecursionError"})
PLAYBOOK_BROKE = "the playbook broke, not a check of the portal: "


def raised(message: str) -> str:
    """The exception's class name at the head of a failure message ("AttributeError: ..."), or ""."""
    head = message.split(":", 1)[0].strip()
    return head.rsplit(".", 1)[-1] if head.replace(".", "").replace("_", "").isalnum() else ""


def broke_on_its_own_code(message: str) -> bool:
    """Whether a failure message ("AttributeError: ...") is of one of PLAYBOOK_BUGS."""
    return raised(message) in PLAYBOOK_BUGS


@dataclass
class FlowVerdict:
    id: str
    verdict: str  # passed, failed, error, deviation (expected), failed/error (optional), not applicable, not run, skipped
    message: str = ""
    duration_s: float = 0.0
    replay: str | None = None
    failed_step: str | None = None
    trace: list[str] = field(default_factory=list)  # paths in the run folder
    screenshots: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return catalog.get(self.id).title


def _allure_results(results: Path) -> dict[str, tuple[Path, dict]]:
    """flow ID -> (file, its Allure result), by the result's Allure ID label."""
    found = {}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = {label.get("name"): label.get("value") for label in data.get("labels", [])}
        flow_id = labels.get("as_id") or in_file_name(str(data.get("fullName", "")))
        if flow_id:
            found[str(flow_id)] = (path, data)
    return found


def _failed_step(steps: list[dict]) -> str | None:
    for step in steps:
        if step.get("status") in ("failed", "broken"):
            return _failed_step(step.get("steps", [])) or str(step.get("name", ""))
    return None


def add_evidence(verdicts: list[FlowVerdict], out: Path) -> None:
    """The failed step, the trace and the screenshots at failure of each flow, from its Allure result."""
    results = out / "allure-results"
    by_flow = _allure_results(results)
    for verdict in verdicts:
        if verdict.id not in by_flow:
            continue
        _, data = by_flow[verdict.id]
        verdict.failed_step = _failed_step(data.get("steps", []))
        for attachment in data.get("attachments", []):
            where = (results / attachment.get("source", "")).relative_to(out).as_posix()
            if attachment.get("name", "").startswith("Playwright trace"):
                verdict.trace.append(where)
            elif attachment.get("name", "").startswith("Screenshot at failure"):
                verdict.screenshots.append(where)


def write_results_json(out: Path, verdicts: list[FlowVerdict], run: dict[str, object]) -> Path:
    path = out / RESULTS_JSON
    flows = [{"title": v.title, **asdict(v)} for v in verdicts]
    path.write_text(json.dumps({"run": run, "flows": flows}, indent=2) + "\n", encoding="utf-8")
    return path


def align(out: Path, verdicts: list[FlowVerdict]) -> None:
    by_id = {v.id: v for v in verdicts}
    _align_allure(out / "allure-results", by_id)
    _align_junit(out / "junit.xml", by_id)


def _align_allure(results: Path, by_id: dict[str, FlowVerdict]) -> None:
    for flow_id, (path, data) in _allure_results(results).items():
        verdict = by_id.get(flow_id)
        if verdict is None:
            continue
        before = json.dumps(data)
        if verdict.replay:  # before the flow's own description (its route and steps)
            data["description"] = "\n\n".join(filter(None, [_how_to_reproduce(verdict), data.get("description")]))
        # Allure calls every exception but an AssertionError "broken": a check that timed out waiting for the portal
        # is a failed check, and a playbook's own mistake is an error, as dpf judged them
        status = {"failed": "failed", "error": "broken"}.get(verdict.verdict.split(" (")[0])
        if status:
            data["status"] = status
        if verdict.verdict in (DEVIATION, NOT_APPLICABLE):
            details = data.setdefault("statusDetails", {})
            was = str(details.get("message", "")).strip()
            details["message"] = f"{verdict.verdict}: {verdict.message}" + (f"\n\nIt failed: {was}" if was and
                                                                              verdict.verdict == DEVIATION else "")
            data["status"] = "skipped"
        if json.dumps(data) != before:
            path.write_text(json.dumps(data), encoding="utf-8")


def _how_to_reproduce(verdict: FlowVerdict) -> str:
    lines = [f"**{verdict.verdict}** at: {verdict.failed_step or 'set-up or clean-up'}", "",
             f"Replay: `{verdict.replay}`"]
    if verdict.trace:
        lines += ["", f"Trace: `{verdict.trace[0]}` in the run folder; open it with `dpf trace {verdict.id}` "
                      "(Playwright's own trace viewer, offline)"]
    return "\n".join(lines)


def _align_junit(junit: Path, by_id: dict[str, FlowVerdict]) -> None:
    """Every test case named by its flow's ID and title, and skipped with the reason where dpf does not count it as
    run-and-failed (an expected deviation, a flow that does not apply)."""
    if not junit.exists():
        return
    tree = ET.parse(junit)
    for suite in tree.getroot().iter("testsuite"):
        for case in suite.findall("testcase"):
            named = AS_NAMED.match(case.get("name", ""))
            flow_id = in_file_name(case.get("classname", "")) or (named.group(0) if named else None)
            verdict = by_id.get(flow_id or "")
            if verdict is None:
                continue
            case.set("classname", "playbooks")
            case.set("name", f"{verdict.id} {verdict.title}")
            if verdict.verdict.startswith("error") and case.find("error") is None:
                for element in case.findall("failure"):  # pytest writes <error> only for set-up and clean-up
                    element.tag = "error"
            if verdict.verdict in (DEVIATION, NOT_APPLICABLE):
                outcomes = [e for e in case if e.tag in ("failure", "error", "skipped")]
                for element in outcomes:
                    case.remove(element)
                ET.SubElement(case, "skipped", {"type": verdict.verdict, "message": f"{verdict.verdict}: {verdict.message}"})
        _recount(suite)
    tree.write(junit, encoding="utf-8", xml_declaration=True)


def _recount(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for tag, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(attribute, str(sum(1 for case in cases if case.find(tag) is not None)))
