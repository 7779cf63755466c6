"""What `dpf run` adds to pytest's Allure results and JUnit file so that a report can be acted on: every selected flow
(the ones not run with their reason), the flow's page without the harness's fixtures, the failure's screenshots and
trace on the flow itself (as a trace Allure's viewer opens), the run's environment and executor, and categories
that group failures by cause."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterable

from playbooks.harness import catalog
from playbooks.harness.contract import contract

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = PROJECT_ROOT / "playbooks" / "spec" / "developer-flows.txt"
TRACE_TYPE = "application/vnd.allure.playwright-trace"
FAILURE_EVIDENCE = ("Screenshot at failure", "Playwright trace")

# Allure 3 compiles these as JavaScript regular expressions, which have no inline flags such as (?s): a rule it cannot
# compile makes it write a report without its HTML page. [\s\S] is "any character, newlines included" in every dialect.
CATEGORIES = [  # the most specific first: a declared deviation or a flow that does not apply before any cause
    {"name": "Expected deviation", "matchedStatuses": ["skipped"], "messageRegex": r"deviation \(expected\)[\s\S]*"},
    {"name": "Not applicable", "matchedStatuses": ["skipped"], "messageRegex": r"not applicable[\s\S]*"},
    {"name": "Target unreachable", "matchedStatuses": ["failed", "broken", "skipped"],
     "messageRegex": r"[\s\S]*(target unreachable|cannot reach|did not answer|did not accept a connection|TLS failed|"
                     r"net::ERR_CONNECTION|ConnectError|ReadTimeout)[\s\S]*"},
    {"name": "Sign-in refused", "matchedStatuses": ["failed", "broken", "skipped"],
     "messageRegex": r"[\s\S]*(sign-in refused|could not sign in|refused at the second factor)[\s\S]*"},
    {"name": "Contract route missing", "matchedStatuses": ["failed", "broken", "skipped"],
     "messageRegex": r"[\s\S]*(contract route missing|discovery route|PortalContractError|expected one data-testid)[\s\S]*"},
    {"name": "Not run", "matchedStatuses": ["skipped"], "messageRegex": r"not run[\s\S]*"},
    {"name": "Skipped", "matchedStatuses": ["skipped"]},
    {"name": "Assertion failed", "matchedStatuses": ["failed"]},
    {"name": "Harness error", "matchedStatuses": ["broken"]},
]


@dataclass(frozen=True)
class NotRun:
    flow_id: str
    state: str  # "not run" or "not applicable"
    reason: str


# ---------------------------------------------------------------- flows that did not run


def add_not_run(results: Path, junit: Path, flows: Iterable[NotRun]) -> None:
    """Each flow as a skipped Allure result and a skipped JUnit test case, with its reason."""
    flows = list(flows)
    if not flows:
        return
    results.mkdir(parents=True, exist_ok=True)
    now = int(time.time() * 1000)
    for flow in flows:
        entry = catalog.get(flow.flow_id)
        history_id = hashlib.md5(f"dpf::{entry.id}".encode()).hexdigest()
        result = {
            "uuid": str(uuid.uuid4()),
            "historyId": history_id,
            "testCaseId": history_id,
            "fullName": f"playbooks.{entry.id}",
            "name": f"{entry.id} {entry.title}",
            "status": "skipped",
            "statusDetails": {"message": f"{flow.state}: {flow.reason}"},
            "stage": "finished",
            "start": now,
            "stop": now,
            "description": "\n".join(entry.step_title(i) for i in range(len(entry.steps))),
            "labels": [
                {"name": "epic", "value": entry.group.label},
                {"name": "feature", "value": entry.title},
                {"name": "as_id", "value": entry.id},
                {"name": "tag", "value": entry.id},
                {"name": "tag", "value": flow.state},
                {"name": "framework", "value": "dpf"},
            ],
        }
        (results / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")
    _add_junit_cases(junit, flows)


def _add_junit_cases(junit: Path, flows: list[NotRun]) -> None:
    if junit.exists():
        tree = ET.parse(junit)
        root = tree.getroot()
    else:
        root = ET.Element("testsuites")
        tree = ET.ElementTree(root)
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        suite = ET.SubElement(root, "testsuite", {"name": "pytest", "errors": "0", "failures": "0", "skipped": "0",
                                                   "tests": "0", "time": "0"})
    for flow in flows:
        entry = catalog.get(flow.flow_id)
        case = ET.SubElement(suite, "testcase", {"classname": "playbooks", "name": f"{entry.id} {entry.title}",
                                                 "time": "0"})
        ET.SubElement(case, "skipped", {"type": flow.state, "message": f"{flow.state}: {flow.reason}"})
    suite.set("tests", str(int(suite.get("tests", "0")) + len(flows)))
    suite.set("skipped", str(int(suite.get("skipped", "0")) + len(flows)))
    junit.parent.mkdir(parents=True, exist_ok=True)
    tree.write(junit, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------- the flow's page


def tidy(results: Path) -> None:
    """Failure evidence moves from the harness's tear-down onto the flow; fixtures with nothing to show go; the rest
    are named in words."""
    by_uuid = {}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        by_uuid[data["uuid"]] = (path, data)
    changed: set[str] = set()
    for container_path in results.glob("*-container.json"):
        container = json.loads(container_path.read_text(encoding="utf-8"))
        children = [by_uuid[c] for c in container.get("children", []) if c in by_uuid]
        for phase, words in (("befores", "Set-up"), ("afters", "Clean-up")):
            kept = []
            for fixture in container.get(phase, []):
                evidence = [a for a in fixture.get("attachments", []) if a["name"].startswith(FAILURE_EVIDENCE)]
                if evidence and children:
                    for _, result in children:
                        result.setdefault("attachments", []).extend(_as_trace(a) for a in evidence)
                        changed.add(result["uuid"])
                    fixture["attachments"] = [a for a in fixture["attachments"] if a not in evidence]
                if fixture.get("steps") or fixture.get("attachments") or fixture.get("status") not in (None, "passed"):
                    fixture["name"] = f"{words}: {_words(fixture.get('name', ''))}"
                    kept.append(fixture)
            container[phase] = kept
        container_path.write_text(json.dumps(container), encoding="utf-8")
    for key in changed:
        path, data = by_uuid[key]
        path.write_text(json.dumps(data), encoding="utf-8")


def _as_trace(attachment: dict[str, str]) -> dict[str, str]:
    if attachment["name"].startswith("Playwright trace"):
        return {**attachment, "type": TRACE_TYPE}
    return attachment


def _words(fixture_name: str) -> str:
    name = fixture_name.split("::")[0].strip("_")
    return name.replace("_", " ")


# ---------------------------------------------------------------- environment, executor, categories


def harness_version() -> str:
    try:
        return metadata.version("dpf-harness")
    except metadata.PackageNotFoundError:
        return "unknown"


def commit() -> str:
    """The harness's commit, with "-modified" when tracked files differ from it: a run of changed playbooks must not
    pass for a run of that commit."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=10, check=False)
        changes = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                                 capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    name = head.stdout.strip()
    if not name:
        return "unknown"
    return name + ("-modified" if changes.returncode != 0 or changes.stdout.strip() else "")


def spec_checksum() -> str:
    return hashlib.sha256(SPEC_FILE.read_bytes()).hexdigest()[:16]


def environment(target: str, command: str, results: Path) -> dict[str, str]:
    browsers = set()
    for path in results.glob("dpf-browser-*.json"):
        browsers.add(json.loads(path.read_text(encoding="utf-8")).get("browser", ""))
        path.unlink()
    return {
        "target": target,
        "harness.version": harness_version(),
        "harness.commit": commit(),
        "spec.sha256": spec_checksum(),
        "contract.version": str(contract().version),
        "browser": ", ".join(sorted(b for b in browsers if b)) or "not started",
        "tls.ca_file": os.environ.get("DPF_CA_FILE", "system trust store"),
        "command": command,
    }


def write_run_info(results: Path, target: str, command: str) -> dict[str, str]:
    results.mkdir(parents=True, exist_ok=True)
    env = environment(target, command, results)
    (results / "environment.properties").write_text(
        "".join(f"{key}={_properties_value(value)}\n" for key, value in env.items()), encoding="utf-8")
    executor = {"name": "dpf", "type": "dpf", "buildName": f"{command} against {target}",
                "reportName": f"Developer portal flows: {target}"}
    (results / "executor.json").write_text(json.dumps(executor), encoding="utf-8")
    (results / "categories.json").write_text(json.dumps(CATEGORIES), encoding="utf-8")
    return env


def _properties_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", " ")
