"""`dpf run` with a timing probe: where the run's wall time goes, part by part (benchmarks/conformance.py).

    DPF_RUN_PARTS=parts.json python -m benchmarks.run_parts run DPF-12 [dpf run options]

Runs `dpf run` in this process with the harness's own functions wrapped, and writes the wall seconds of each part
to DPF_RUN_PARTS. Only the benchmark starts it; a normal run never loads it. (It imports the fixtures before
pytest does, so pytest does not rewrite their asserts in this run: failure messages only, not the timing.) Parts nest (a screenshot inside a
step, an HTTP call inside a sign-in): the time of a part inside another counts for the inner one only, so the parts
add up to the process's time. Only the main thread is timed; the embedded portal's threads serve it meanwhile.

The parts:
- imports: importing the harness's command line; pytest start: pytest.main until the first flow starts (plugins,
  conftest imports, collection); pytest finish: after the last flow until pytest.main returns (JUnit, summaries).
- portal start: the `target` fixture (the embedded portal; nothing against a URL).
- browser start and stop: Playwright's driver, Chromium's launch and close.
- browser contexts: each flow's contexts and pages opened and closed.
- sign-ins: signing personas in, confirming their passwords, signing out (the preflight's included).
- set-up and clean-up calls: HTTP calls outside a flow's steps (fixtures, the preflight's check).
- flow steps: the flow's own steps and expected result (page loads, checks, its HTTP calls).
- screenshots, traces (start, chunks, stop, redaction), Allure writing (results and attachments to disk).
- pytest and fixture code: the rest of each flow's set-up, call and teardown (hooks, fixture code).
- waits: what a flow waits for that is the portal's pace or the clock's, not the harness's: a webhook delivery
  (or a bounded wait that none comes), a grace period running out (page.wait_for_timeout between polls), the next
  TOTP time step. The floor replays the run's requests back to back, so it has none of these.
- HTML report, leak scan: after pytest, in the command line.
- other: the command line's own work (arguments, run folder, verdicts and results files).
"""

from __future__ import annotations

import time

PROBE_STARTED = time.monotonic()  # before any other import: the process's start is the time up to here

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections import defaultdict  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from functools import wraps  # noqa: E402
from typing import Any, Callable, Iterator  # noqa: E402

import pytest  # noqa: E402

OTHER = "other"
STEPS = "flow steps"
SETUP_CALLS = "set-up and clean-up calls"
FIXTURE_CODE = "pytest and fixture code"
WAITS = "waits"
# An HTTP call inside one of these belongs to it; anywhere else it is a set-up or clean-up call.
OWNS_ITS_CALLS = ("sign-ins", STEPS, SETUP_CALLS, "HTML report", "leak scan")
FIXTURE_PARTS = {"target": "portal start", "playwright": "browser start and stop", "browser": "browser start and stop"}


class Parts:
    """Exclusive wall time per part: entering a part pauses the one it is inside."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.stack: list[list[Any]] = [["imports", PROBE_STARTED]]
        self.main_thread = threading.get_ident()
        self.flow = ""  # the ID of the flow under way: its steps' seconds are kept per flow too
        self.steps_by_flow: dict[str, float] = defaultdict(float)

    def _charge_top(self, now: float) -> None:
        name, since = self.stack[-1]
        self.seconds[name] += now - since
        if name == STEPS:
            self.steps_by_flow[self.flow] += now - since
        self.stack[-1][1] = now

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        if threading.get_ident() != self.main_thread:
            yield
            return
        now = time.monotonic()
        self._charge_top(now)
        self.stack.append([name, now])
        try:
            yield
        finally:
            now = time.monotonic()
            self._charge_top(now)
            self.stack.pop()
            self.stack[-1][1] = now

    def rename_current(self, name: str) -> None:
        self._charge_top(time.monotonic())
        self.stack[-1][0] = name

    @property
    def current(self) -> str:
        return self.stack[-1][0]


PARTS = Parts()


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with PARTS.part(name):
            return function(*args, **kwargs)

    return wrapper


def wrap(owner: Any, attribute: str, name: str) -> None:
    setattr(owner, attribute, timed(name, getattr(owner, attribute)))


def wrap_http() -> None:
    import httpx

    send = httpx.Client.send

    @wraps(send)
    def timed_send(*args: Any, **kwargs: Any) -> Any:
        name = PARTS.current if PARTS.current in OWNS_ITS_CALLS else SETUP_CALLS
        with PARTS.part(name):
            return send(*args, **kwargs)

    httpx.Client.send = timed_send  # type: ignore[method-assign]


def wrap_steps() -> None:
    from fixtures.flow import FlowRun

    evidenced = FlowRun._evidenced

    @contextmanager
    def timed_evidenced(self: FlowRun, title: str) -> Iterator[None]:
        with PARTS.part(STEPS), evidenced(self, title):
            yield

    FlowRun._evidenced = timed_evidenced  # type: ignore[method-assign]


def install() -> None:
    """Wrap the harness's and its libraries' functions for each part."""
    import allure_commons.logger
    from playwright.sync_api import _context_manager, _generated

    import fixtures.browser
    import fixtures.flow
    import fixtures.preflight
    import fixtures.signin
    from fixtures.webhooks import WebhookReceiver
    from playbooks.harness import cli, secret_scan
    from playbooks.harness.two_factor import Authenticator

    for module in (fixtures.signin, fixtures.preflight):
        for function in ("sign_in", "sign_out"):
            wrap(module, function, "sign-ins")
    wrap(fixtures.signin, "confirm_password", "sign-ins")
    for module in (fixtures.flow, fixtures.browser):
        wrap(module, "attach_screenshot", "screenshots")
    wrap(fixtures.browser, "attach_trace", "traces")
    for method in ("start", "start_chunk", "stop_chunk", "stop"):
        wrap(_generated.Tracing, method, "traces")
    wrap(_generated.Browser, "new_context", "browser contexts")
    wrap(_generated.BrowserContext, "new_page", "browser contexts")
    wrap(_generated.BrowserContext, "close", "browser contexts")
    wrap(_generated.BrowserType, "launch", "browser start and stop")
    wrap(_generated.Browser, "close", "browser start and stop")
    wrap(_context_manager.PlaywrightContextManager, "__enter__", "browser start and stop")
    wrap(_context_manager.PlaywrightContextManager, "__exit__", "browser start and stop")
    for method in ("report_result", "report_container", "report_attached_file", "report_attached_data"):
        wrap(allure_commons.logger.AllureFileLogger, method, "Allure writing")
    wrap(cli, "make_html_report", "HTML report")
    wrap(WebhookReceiver, "wait_for", WAITS)
    wrap(WebhookReceiver, "stays_quiet", WAITS)
    wrap(_generated.Page, "wait_for_timeout", WAITS)
    wrap(Authenticator, "code", WAITS)
    wrap(secret_scan.LeakGate, "check", "leak scan")
    wrap_http()
    wrap_steps()


class ProbePlugin:
    """pytest's own phases: its start up to the first flow, the flows, its finish; the session fixtures' start."""

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtestloop(self) -> Iterator[Any]:
        with PARTS.part(FIXTURE_CODE):
            result = yield
        PARTS.rename_current("pytest finish")  # the rest of the enclosing "pytest start"
        return result

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        from fixtures.flow import flow_id_of

        PARTS.flow = flow_id_of(item) or item.nodeid

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any) -> Iterator[Any]:
        name = FIXTURE_PARTS.get(fixturedef.argname)
        if name is None:
            return (yield)
        with PARTS.part(name):
            return (yield)


def wrap_pytest_main(plugin: ProbePlugin) -> None:
    main = pytest.main

    @wraps(main)
    def probed_main(args: Any = None, plugins: Any = None) -> Any:
        with PARTS.part("pytest start"):
            return main(args, plugins=[*(plugins or []), plugin])

    pytest.main = probed_main  # type: ignore[assignment]


def run(argv: list[str]) -> int:
    from playbooks.harness import cli

    install()
    wrap_pytest_main(ProbePlugin())
    PARTS.rename_current(OTHER)  # the time up to here, from the probe's first line, was "imports"
    try:
        return cli.main(argv)
    finally:
        PARTS.rename_current(OTHER)
        figures = {"probe_started": PROBE_STARTED, "probe_finished": time.monotonic(),
                   "seconds": dict(PARTS.seconds), "steps_by_flow": dict(PARTS.steps_by_flow)}
        with open(os.environ["DPF_RUN_PARTS"], "w", encoding="utf-8") as out:
            json.dump(figures, out)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
