"""A long-lived playbook runner: one process that runs the playbooks in a fresh pytest session per request.

The negative controls used to start a new `python -m pytest playbooks ...` for every run: Python, pytest, the
plugins and Playwright's driver started again each time, and Chromium was launched again. This process pays for
that once. Each request is still a complete, separate pytest session over the real playbooks with the real
harness plugins (fresh configuration, personas, sign-in, vault, webhook receiver and browser contexts), run
against the base URL the request names; only the Playwright driver and the Chromium process outlive a session,
and every browser context a session opened is closed before the next one starts.

Protocol (used by tests/negative/conftest.py): one JSON object per line on standard input,
`{"args": [...], "env": {...}, "log": "/path/to/output.txt"}`; the session's output goes to `log`, and one
JSON line `{"exit_code": N}` answers on standard output. End of input ends the process.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.metadata
import json
import os
import sys
import traceback
import types
from typing import Any, Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from playbooks.harness.cli import UNUSED_PLUGINS


class SharedBrowsers:
    """One Playwright driver for the process, and one browser per distinct set of launch options."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browsers: dict[str, Browser] = {}

    def playwright(self) -> Playwright:
        if self._playwright is None:
            self._playwright = sync_playwright().start()
        return self._playwright

    def browser(self, browser_name: str, launch_args: dict[str, Any]) -> Browser:
        key = json.dumps([browser_name, launch_args], sort_keys=True, default=str)
        browser = self._browsers.get(key)
        if browser is None or not browser.is_connected():
            browser = getattr(self.playwright(), browser_name).launch(**launch_args)
            self._browsers[key] = browser
        return browser

    def close_contexts(self) -> None:
        """Whatever a session left open goes, so no session ever sees another's pages, cookies or storage."""
        for browser in list(self._browsers.values()):
            if not browser.is_connected():
                continue
            for context in list(browser.contexts):
                with contextlib.suppress(Exception):  # a context that is already gone is what we wanted
                    context.close()

    def stop(self) -> None:
        for browser in self._browsers.values():
            with contextlib.suppress(Exception):
                browser.close()
        self._browsers.clear()
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


SHARED = SharedBrowsers()


@pytest.fixture(scope="session", name="playwright")
def shared_playwright() -> Playwright:
    return SHARED.playwright()


@pytest.fixture(scope="session", name="browser")
def shared_browser(browser_type_launch_args: dict, browser_name: str) -> Iterator[Browser]:
    """pytest-playwright's browser, launched with the harness's own launch options, but kept for the next session."""
    yield SHARED.browser(browser_name or "chromium", browser_type_launch_args)
    SHARED.close_contexts()


def _fixtures_plugin() -> types.ModuleType:
    plugin = types.ModuleType("dpf_shared_browser")
    plugin.shared_playwright = shared_playwright  # type: ignore[attr-defined]
    plugin.shared_browser = shared_browser  # type: ignore[attr-defined]
    return plugin


class _RegisterLast:
    """Registers the shared fixtures once every other plugin (pytest-playwright, the harness) is registered,
    so that they override pytest-playwright's `playwright` and `browser` and nothing else."""

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.pluginmanager.register(_fixtures_plugin(), "dpf-shared-browser")


def run_one(request: dict[str, Any], quiet_stderr: int) -> int:
    """One pytest session; its output, and anything else written meanwhile, goes to the request's log."""
    os.environ.clear()
    os.environ.update(request["env"])
    with open(request["log"], "w", encoding="utf-8") as log:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            return int(pytest.main(list(request["args"]), plugins=[_RegisterLast()]))
        except Exception:  # noqa: BLE001 - what escapes pytest fails this session, not the runner
            traceback.print_exc()
            return int(pytest.ExitCode.INTERNAL_ERROR)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            SHARED.close_contexts()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.close(null)
            os.dup2(quiet_stderr, 2)


class _ReadOnce:
    """An installed distribution whose entry points and file list are read from disk once."""

    def __init__(self, distribution: importlib.metadata.Distribution):
        self._distribution = distribution

    @functools.cached_property
    def entry_points(self) -> importlib.metadata.EntryPoints:
        return self._distribution.entry_points

    @functools.cached_property
    def files(self) -> list[importlib.metadata.PackagePath] | None:
        return self._distribution.files

    def __getattr__(self, name: str) -> Any:
        return getattr(self._distribution, name)


def read_installed_distributions_once() -> None:
    """pytest and pluggy read every installed distribution's entry points for each `-p` of every session (a sixth
    of a session's own CPU); nothing is installed or removed while the runner lives, so they are read once."""
    installed = [_ReadOnce(d) for d in importlib.metadata.distributions()]
    everything = importlib.metadata.distributions

    def distributions(**search: Any) -> Any:
        return iter(installed) if not search else everything(**search)

    importlib.metadata.distributions = distributions  # type: ignore[assignment]


def warm_up() -> None:
    """Before the first request: import pytest's plugins, the harness and the playbooks (a collection, with no
    output), and start Playwright's driver, so the first run costs what the others do."""
    with contextlib.suppress(Exception):  # the first real run reports whatever is broken, in its own output
        pytest.main(["--collect-only", "-q", "playbooks", f"--rootdir={os.getcwd()}", *UNUSED_PLUGINS])
        SHARED.playwright()
    # What is loaded now (modules, plugins, the driver's objects) lives as long as the runner: out of the collector's
    # way, so the full collections pytest runs at the end of each session cost milliseconds instead of a tenth of a
    # second. Garbage made by later sessions is still collected.
    gc.collect()
    gc.freeze()


def main() -> int:
    # As under `python -m pytest` from the project folder: the project, not this script's folder, comes first.
    sys.path[0] = os.getcwd()
    # Requests and answers get descriptors of their own; nothing a session prints can reach the parent's pipe.
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    errors = os.dup(2)  # the runner's own standard error, between sessions
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    try:
        read_installed_distributions_once()
        warm_up()
        for line in requests:
            if not line.strip():
                continue
            exit_code = run_one(json.loads(line), errors)
            answers.write(json.dumps({"exit_code": exit_code}) + "\n")
            answers.flush()
    finally:
        SHARED.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
