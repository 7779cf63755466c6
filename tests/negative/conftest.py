"""Negative controls: a portal with one fault injected, and the playbook run against it in its own pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from jinja2 import ChoiceLoader, DictLoader

import reference_portal
from reference_portal import Config, Portal
from reference_portal.routes import ROUTES
from reference_portal.core.routing import Rule
from reference_portal.serve import RunningPortal, serve_in_background

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PlaybookOutcome:
    flow_id: str
    outcome: str  # passed, failed (an assertion did not hold), error (setup or teardown broke), skipped
    message: str
    output: str

    def __str__(self) -> str:
        return f"{self.flow_id} {self.outcome}: {self.message}\n{self.output[-3000:]}"


StartPortal = Callable[..., RunningPortal]


@pytest.fixture
def start_portal(tmp_path: Path) -> Iterator[StartPortal]:
    """start_portal(routes=..., templates={name: source}): a reference portal on a free port, on its own database."""
    running: list[RunningPortal] = []

    def start(*, routes: list[Rule] | None = None, templates: dict[str, str] | None = None) -> RunningPortal:
        config = Config(database=str(tmp_path / f"portal-{len(running)}.sqlite3"), webhook_retry_scale=0.01)
        app = Portal(config, routes=routes)
        if templates:
            app.templates.loader = ChoiceLoader([DictLoader(templates), app.templates.loader])
        running.append(serve_in_background(app))
        return running[-1]

    yield start
    for portal in running:
        portal.stop()


def replace_route(pattern: str, endpoint: Callable[..., object], method: str = "GET") -> list[Rule]:
    """The portal's route table with one endpoint swapped."""
    swapped = [
        Rule(rule.method, rule.pattern, endpoint, rule.access, rule.csrf)
        if (rule.method, rule.pattern) == (method, pattern)
        else rule
        for rule in ROUTES
    ]
    assert swapped != ROUTES, f"no route {method} {pattern} to replace"
    return swapped


def _run_playbooks(flow_ids: list[str], base_url: str, workdir: Path) -> dict[str, PlaybookOutcome]:
    """Run playbooks in a separate pytest against base_url, as a user pointing the harness at a portal would."""
    junit = workdir / "junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DPF_BASE_URL", "PYTEST_"))}
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(PROJECT_ROOT / "playbooks"),
            f"--rootdir={PROJECT_ROOT}",
            "--dpf", ",".join(flow_ids),
            "--base-url", base_url,
            f"--junitxml={junit}",
            "--output", str(workdir / "playwright"),
            "-q", "--tb=line",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    outcomes: dict[str, PlaybookOutcome] = {}
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            flow_id = "DPF-" + case.get("file", case.get("classname", "")).split("dpf_")[-1][:2]
            outcome, message = "passed", ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    outcome = {"failure": "failed"}.get(child.tag, child.tag)
                    message = child.get("message", "")
                    break
            outcomes[flow_id] = PlaybookOutcome(flow_id, outcome, message, output)
    for flow_id in flow_ids:
        outcomes.setdefault(flow_id, PlaybookOutcome(flow_id, "not run", f"pytest exited {done.returncode}", output))
    return outcomes


@pytest.fixture
def run_playbooks(tmp_path: Path) -> Callable[[list[str], RunningPortal], dict[str, PlaybookOutcome]]:
    def run(flow_ids: list[str], portal: RunningPortal) -> dict[str, PlaybookOutcome]:
        return _run_playbooks(flow_ids, portal.url, tmp_path)

    return run


@pytest.fixture
def run_playbook(run_playbooks) -> Callable[[str, RunningPortal], PlaybookOutcome]:  # type: ignore[no-untyped-def]
    return lambda flow_id, portal: run_playbooks([flow_id], portal)[flow_id]


def template_with(name: str, old: str, new: str) -> dict[str, str]:
    """A portal template with one piece of its real source replaced: a fault as small as it can be."""
    source = (Path(reference_portal.__file__).parent / "areas" / "templates" / name).read_text(encoding="utf-8")
    assert old in source, f"{name} no longer contains {old!r}: update this fault"
    return {name: source.replace(old, new)}


def cacheable(one_time_secret: Callable[..., Any]) -> Callable[..., Any]:
    """A one-time secret page that browsers may keep: the fault DPF-06 and DPF-11 must notice."""

    def page(request: Any, **values: Any) -> Any:
        response = one_time_secret(request, **values)
        response.set_header("Cache-Control", "private, max-age=600")
        return response

    return page


@pytest.fixture
def make_cacheable() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return cacheable


@pytest.fixture
def patched_template() -> Callable[[str, str, str], dict[str, str]]:
    return template_with


@pytest.fixture
def replace_route_endpoint() -> Callable[..., list[Rule]]:
    return replace_route
