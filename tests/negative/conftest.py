"""Negative controls: a portal with one fault injected, and the playbook run against it in its own pytest."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from jinja2 import ChoiceLoader, DictLoader

import reference_portal
from playbooks.harness.cli import UNUSED_PLUGINS
from playbooks.harness.modules import playbook_modules
from playbooks.harness.verdicts import broke_on_its_own_code
from reference_portal import Config, Portal
from reference_portal.core.routing import Rule
from reference_portal.routes import ROUTES
from reference_portal.serve import RunningPortal, serve_in_background

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PlaybookOutcome:
    flow_id: str
    # passed; failed (a check did not hold); crashed (the playbook's own code broke: a failure, but no check caught
    # the fault); error (setup or teardown broke); skipped
    outcome: str
    message: str
    output: str

    def __str__(self) -> str:
        return f"{self.flow_id} {self.outcome}: {self.message}\n{self.output[-3000:]}"


StartPortal = Callable[..., RunningPortal]


@pytest.fixture
def start_portal(tmp_path: Path) -> Iterator[StartPortal]:
    """start_portal(routes=..., templates={name: source}, config={field: value}, middleware=wrap): a reference portal
    on a free port, on its own database; middleware(app) is what the server then calls."""
    running: list[RunningPortal] = []

    def start(
        *,
        routes: list[Rule] | None = None,
        templates: dict[str, str] | None = None,
        config: dict[str, Any] | None = None,
        middleware: Callable[[Any], Any] | None = None,
    ) -> RunningPortal:
        settings = Config(database=str(tmp_path / f"portal-{len(running)}.sqlite3"), webhook_retry_scale=0.01,
                          password_hashing="test", **(config or {}))
        app = Portal(settings, routes=routes)
        if templates:
            app.templates.loader = ChoiceLoader([DictLoader(templates), app.templates.loader])
        running.append(serve_in_background(app))
        if middleware is not None:
            running[-1].server.set_app(middleware(app))
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


HERE = Path(__file__).resolve().parent
RUNNER_SCRIPT = HERE / "playbook_runner.py"
RUN_TIMEOUT_SECONDS = 300
CONTROL_EXPECT_TIMEOUT_SECONDS = 2.5
CONTROL_DELIVERY_TIMEOUT_SECONDS = 10.0
# Set to 1 to run each playbook session in a fresh `python -m pytest` process, as before the runner existed
# (slower; for comparing, and for ruling the runner out when a control misbehaves).
FRESH_PROCESS_ENV = "DPF_NEGATIVE_FRESH_PROCESS"


class PlaybookRunner:
    """The long-lived process (playbook_runner.py) that runs this pytest process's playbook sessions one by one.

    Each run is a complete pytest session of its own over the real playbooks, in a process separate from the
    faulted portal; the runner only saves starting Python, the plugins, Playwright's driver and Chromium again.
    A runner that dies or hangs is replaced by a fresh one for the next run."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._process: subprocess.Popen[str] | None = None
        self._stderr: Path | None = None
        self.started = 0

    def start(self) -> subprocess.Popen[str]:
        """Start the process; it warms up (imports, collection, Playwright's driver) until the first request."""
        if self._process is not None and self._process.poll() is None:
            return self._process
        self.started += 1
        self._stderr = self.folder / f"runner-{self.started}-stderr.txt"
        with open(self._stderr, "w") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, str(RUNNER_SCRIPT)],
                cwd=PROJECT_ROOT,
                env=playbook_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                start_new_session=True,
            )
        return self._process

    def run(self, args: list[str], log: Path, timeout: float = RUN_TIMEOUT_SECONDS) -> tuple[int | None, str]:
        """(pytest's exit code, or None when the runner died; the session's output)."""
        process = self.start()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps({"args": args, "env": playbook_env(), "log": str(log)}) + "\n")
            process.stdin.flush()
        except BrokenPipeError:
            return self._died(log)
        if not select.select([process.stdout], [], [], timeout)[0]:
            self.stop(wait=0)  # a session that hangs takes its runner with it; the next run starts a fresh one
            raise subprocess.TimeoutExpired([str(RUNNER_SCRIPT), *args], timeout, output=_read(log))
        answer = process.stdout.readline()
        if not answer:
            return self._died(log)
        return int(json.loads(answer)["exit_code"]), _read(log)

    def _died(self, log: Path) -> tuple[None, str]:
        stderr = _read(self._stderr) if self._stderr else ""
        self.stop()
        return None, _read(log) + f"\nthe playbook runner died; its standard error:\n{stderr[-3000:]}"

    def stop(self, wait: float = 30) -> None:
        """End of input: the runner closes its browser and exits; after `wait` seconds it and its children are
        killed."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


RUNNER = pytest.StashKey[PlaybookRunner]()


def _runner_of(config: pytest.Config) -> PlaybookRunner:
    if RUNNER not in config.stash:
        config.stash[RUNNER] = PlaybookRunner(Path(tempfile.mkdtemp(prefix="dpf-playbook-runner-")))
    return config.stash[RUNNER]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start this process's runner once its negative controls are collected, so it warms up while others run."""
    if os.environ.get(FRESH_PROCESS_ENV) == "1" or session.config.option.collectonly:
        return
    if any(HERE in item.path.parents for item in session.items):
        _runner_of(session.config).start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if RUNNER in config.stash:
        config.stash[RUNNER].close()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def playbook_env() -> dict[str, str]:
    """This process's environment, less what would make the playbook session anything but a user's own run."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DPF_BASE_URL", "PYTEST_"))}


def _run_in_fresh_process(args: list[str]) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        check=False,
        cwd=PROJECT_ROOT,
        env=playbook_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )
    return done.returncode, done.stdout + done.stderr


def _run_playbooks(
    flow_ids: list[str], base_url: str, workdir: Path, runner: PlaybookRunner | None = None
) -> dict[str, PlaybookOutcome]:
    """Run playbooks in a separate pytest session against base_url, as a user pointing the harness at a portal
    would: in the long-lived runner process, or in a fresh process when no runner is given."""
    junit = workdir / "junit.xml"
    args = [
        # Only the flows' own files: collecting all 34 would cost a fifth of a session's CPU in the runner.
        *(str(module.path) for module in playbook_modules() if module.flow_id in flow_ids),
        f"--rootdir={PROJECT_ROOT}",
        "--dpf", ",".join(flow_ids),
        "--base-url", base_url,
        f"--junitxml={junit}",
        "--output", str(workdir / "playwright"),
        "-q", "--tb=line",
        *UNUSED_PLUGINS,
        # A control judges the result and its message: screenshots and traces would cost a quarter of its CPU.
        "--dpf-evidence=verdict",
        # A faulted portal makes a check wait out its whole timeout; the portal is on this machine and answers in
        # milliseconds. The benign-variant runs (the positive control) pass with the same timeout, under the same load.
        f"--dpf-expect-timeout={CONTROL_EXPECT_TIMEOUT_SECONDS}",
        f"--dpf-delivery-timeout={CONTROL_DELIVERY_TIMEOUT_SECONDS}",  # its webhook retries are 100 times faster
    ]
    if runner is None:
        returncode, output = _run_in_fresh_process(args)
    else:
        returncode, output = runner.run(args, workdir / "playbook-output.txt")
    outcomes: dict[str, PlaybookOutcome] = {}
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            flow_id = "DPF-" + case.get("file", case.get("classname", "")).split("dpf_")[-1][:2]
            outcome, message = "passed", ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    outcome = {"failure": "failed"}.get(child.tag, child.tag)
                    message = child.get("message", "")
                    if outcome == "failed" and broke_on_its_own_code(message):  # it caught nothing
                        outcome = "crashed"
                    break
            outcomes[flow_id] = PlaybookOutcome(flow_id, outcome, message, output)
    exited = f"pytest exited {returncode}" if returncode is not None else "the playbook runner died"
    for flow_id in flow_ids:
        outcomes.setdefault(flow_id, PlaybookOutcome(flow_id, "not run", exited, output))
    return outcomes


@pytest.fixture(scope="session")
def playbook_runner(pytestconfig: pytest.Config) -> PlaybookRunner | None:
    """One runner per pytest process (so one per xdist worker); None runs each session in a fresh process."""
    if os.environ.get(FRESH_PROCESS_ENV) == "1":
        return None
    return _runner_of(pytestconfig)


@pytest.fixture
def run_playbooks(
    tmp_path: Path, playbook_runner: PlaybookRunner | None
) -> Callable[[list[str], RunningPortal], dict[str, PlaybookOutcome]]:
    def run(flow_ids: list[str], portal: RunningPortal) -> dict[str, PlaybookOutcome]:
        return _run_playbooks(flow_ids, portal.url, tmp_path, playbook_runner)

    return run


@pytest.fixture
def run_playbook(run_playbooks) -> Callable[[str, RunningPortal], PlaybookOutcome]:  # type: ignore[no-untyped-def]
    return lambda flow_id, portal: run_playbooks([flow_id], portal)[flow_id]


def template_with(name: str, old: str, new: str) -> dict[str, str]:
    """A portal template with one piece of its real source replaced: a fault as small as it can be."""
    source = (Path(reference_portal.__file__).parent / "areas" / "templates" / name).read_text(encoding="utf-8")
    assert old in source, f"{name} no longer contains {old!r}: update this fault"
    return {name: source.replace(old, new)}


def cacheable(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A handler whose one-time secret page browsers may keep: the fault DPF-06 and DPF-11 must notice."""

    def page(request: Any, **values: Any) -> Any:
        response = handler(request, **values)
        response.set_header("Cache-Control", "private, max-age=600")
        return response

    return page


@pytest.fixture
def signing_secret_never_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault DPF-22 and DPF-33 must notice: every webhook signing secret stored is the first one ever made, so
    a rotation shows a new secret that nothing signs with."""
    from reference_portal.areas import webhooks

    encrypt_secret = webhooks.encrypt_secret
    stored: dict[str, bytes] = {}

    def keep_the_first(secret_key: bytes, secret: str) -> bytes:
        stored.setdefault("first", encrypt_secret(secret_key, secret))
        return stored["first"]

    monkeypatch.setattr(webhooks, "encrypt_secret", keep_the_first)


@pytest.fixture
def gone_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault DPF-19 and DPF-23 must notice: a receiver's 410 Gone is recorded as a 500, so the endpoint is never
    disabled and the delivery is retried instead of failing."""
    from reference_portal.areas import webhooks

    record = webhooks.DeliveryWorker.record

    def as_a_server_error(self, claim, status, *rest, **named):  # type: ignore[no-untyped-def]
        return record(self, claim, 500 if status == 410 else status, *rest, **named)

    monkeypatch.setattr(webhooks.DeliveryWorker, "record", as_a_server_error)


@pytest.fixture
def make_cacheable() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return cacheable


@pytest.fixture
def patched_template() -> Callable[[str, str, str], dict[str, str]]:
    return template_with


@pytest.fixture
def replace_route_endpoint() -> Callable[..., list[Rule]]:
    return replace_route
