"""Remote browsers: `dpf run --browser-ws-endpoint URL` drives a Playwright browser server instead of a local Chromium.

The server is Playwright's own `launchServer` (what `playwright run-server` and grids such as Selenium Grid 4 or
Moon offer: a WebSocket endpoint that `connect()` reaches), started here with the Chromium the harness uses, since
`playwright run-server` only starts Playwright's downloaded browsers and this machine may have the system's only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import playwright
import pytest
from playwright.sync_api import Playwright

from fixtures.browser import system_chromium
from playbooks.harness.cli import PROJECT_ROOT

pytestmark = pytest.mark.browser

DRIVER = Path(playwright.__file__).parent / "driver"
SERVER = """
const { chromium } = require(process.argv[1]);
chromium.launchServer({ executablePath: process.argv[2] || undefined, host: '127.0.0.1',
                        args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  .then(server => console.log(server.wsEndpoint()));
"""


@pytest.fixture
def browser_server(playwright: Playwright) -> Iterator[str]:
    # pytest-playwright's own Playwright: a second sync_playwright() in a worker whose playbooks started one fails
    executable = system_chromium(playwright.chromium.executable_path) or ""
    server = subprocess.Popen([str(DRIVER / "node"), "-e", SERVER, str(DRIVER / "package"), executable],
                              stdout=subprocess.PIPE, text=True)
    try:
        endpoint = server.stdout.readline().strip()  # type: ignore[union-attr]
        assert endpoint.startswith("ws://"), f"the browser server did not start: {endpoint!r}"
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


def _run(endpoint: str, reports: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playbooks.harness.cli", "run", "DPF-12", "--browser-ws-endpoint", endpoint,
         "--no-report"],
        cwd=PROJECT_ROOT, env={**os.environ, "DPF_REPORTS_DIR": str(reports)}, capture_output=True, text=True,
        timeout=300,
    )


def test_a_flow_passes_in_a_browser_on_a_browser_server(browser_server, tmp_path):
    done = _run(browser_server, tmp_path / "remote")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DPF-12  passed" in done.stdout


def test_a_browser_server_that_is_not_there_fails_the_run_instead_of_starting_a_local_browser(tmp_path):
    done = _run("ws://127.0.0.1:9/nothing-listens-here", tmp_path / "none")
    assert done.returncode != 0 and "DPF-12  passed" not in done.stdout, done.stdout + done.stderr
