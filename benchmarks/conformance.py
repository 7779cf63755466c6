"""The conformance run against a floor measured in the same run, and `dpf run DPF-12` from the shell, broken down.

Figures (reports/bench.json, section "conformance"), each a ratio against a baseline measured in the same run:

- run vs floor, serial and with --workers 2: `dpf run` (every flow) against a reference portal this script serves
  with a recorder in front of it, so it knows every request the run made. The floor is one bare Playwright browser
  (no harness, no pytest) in a fresh Python process that loads the same pages in the same order (the browser's
  navigations) and makes the same HTTP calls (the harness's API calls and set-up, with httpx), against the same
  portal. Target: run / floor at most 2. The floor replays the requests back to back, so the serial figure also
  gives the floor with the run's own waits for the portal's pace and the clock's added (deliveries, a grace period,
  the next TOTP step: the probe's "waits" part).
- `dpf run DPF-12` from the shell to its exit, against the embedded portal, against the floor of DPF-12's own
  requests. Target: under 5 s.
- the parts of the serial run and of `dpf run DPF-12`: each run goes through benchmarks/run_parts.py, a timing probe
  that wraps the harness's own functions in that run only, so its wall time splits into process and pytest start,
  portal start, browser start, browser contexts, sign-ins, set-up and clean-up calls, the flows' steps, screenshots,
  traces, Allure writing, pytest's and the fixtures' own code, waits, leak scan, HTML report and the rest; each with its
  share of the run and its size in floors (part / the floor's total). The floor is split the same way (start,
  browser, page loads, calls). The run with --workers 2 has no parts: the probe does not reach xdist's workers.

    python benchmarks/conformance.py [--parts serial,parallel,dpf12] [DPF-NN ...]

`python benchmarks/run_all.py` runs this and the other benchmarks. Timings on a shared machine move with its load:
each figure records the load average before and after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.bench_report import write_section  # noqa: E402

PYTHON = sys.executable
DEFAULT_PARTS = ("serial", "parallel", "dpf12")
# Headers a replay must not copy: they belong to the original connection or session.
CONNECTION_HEADERS = {"host", "content-length", "connection", "cookie", "accept-encoding", "transfer-encoding"}


# ---------------------------------------------------------------- recording what a run asks of the portal


class RequestRecorder:
    """WSGI middleware: every request's method, path, headers and body, in the order they arrived."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        path = environ.get("PATH_INFO", "/") + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        with self._lock:
            self.requests.append({"method": environ["REQUEST_METHOD"], "path": path, "headers": headers,
                                  "body": body.decode("latin-1")})
        return self.app(environ, start_response)

    def __getattr__(self, name: str) -> Any:  # the server and the run reach the portal's own attributes through it
        return getattr(self.app, name)


def start_portal(folder: Path, recorder: bool) -> tuple[str, Any, Callable[[], None]]:
    """A reference portal configured as the embedded one (fixtures/target.py), optionally behind the recorder."""
    from fixtures.target import EMBEDDED_RETRY_SCALE
    from reference_portal import Config, create_app
    from reference_portal.core.config import DemoPasswords
    from reference_portal.serve import make_portal_server

    app = create_app(Config(database=str(folder / "portal.sqlite3"), demo_passwords=DemoPasswords.from_env(),
                            webhook_retry_scale=EMBEDDED_RETRY_SCALE, demo_traffic=True))
    wrapped = RequestRecorder(app) if recorder else app
    server = make_portal_server(app, "127.0.0.1", 0)
    server.set_app(wrapped)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.deliveries.start()

    def stop() -> None:
        app.deliveries.stop()
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", wrapped, stop


def is_browser(request: dict[str, Any]) -> bool:
    return "sec-fetch-mode" in request["headers"]  # Chromium sends it; httpx does not


def replay_plan(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the floor does: each navigation the browser made, and each call the harness made, in order. The
    browser's own sub-requests (styles, scripts, fetches a page makes) are left to the browser to make again."""
    plan = []
    for request in requests:
        if is_browser(request):
            if request["headers"].get("sec-fetch-mode") == "navigate":
                plan.append({"kind": "navigate", **request})
        else:
            plan.append({"kind": "http", **request})
    return plan


# ---------------------------------------------------------------- the floor (runs in a process of its own)


FLOOR_SCRIPT = r'''
import json, os, sys, time
started = time.monotonic()
marks = {"page loads": 0.0, "calls": 0.0}
import httpx
from playwright.sync_api import sync_playwright
sys.path.insert(0, os.environ["DPF_PROJECT_ROOT"])
from fixtures.browser import QUIET_FLAGS, system_chromium
marks["imports"] = time.monotonic() - started
mark = time.monotonic()

plan = json.load(open(sys.argv[1]))
base_url = sys.argv[2]
skip = {"host", "content-length", "connection", "cookie", "accept-encoding", "transfer-encoding"}
with sync_playwright() as playwright, httpx.Client(base_url=base_url, timeout=30) as client:
    launch = {"args": [*QUIET_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]}
    executable = system_chromium(playwright.chromium.executable_path)
    if executable:
        launch["executable_path"] = executable
    marks["driver start"] = time.monotonic() - mark
    mark = time.monotonic()
    browser = playwright.chromium.launch(**launch)
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    marks["browser start"] = time.monotonic() - mark
    for step in plan:
        mark = time.monotonic()
        headers = {k: v for k, v in step["headers"].items() if k not in skip}
        if step["kind"] == "navigate" and step["method"] == "GET":
            page.goto(step["path"])
            marks["page loads"] += time.monotonic() - mark
            continue
        if step["kind"] == "navigate":
            context.request.fetch(step["path"], method=step["method"], headers=headers,
                                  data=step["body"].encode("latin-1"), max_redirects=0)
        else:
            client.request(step["method"], step["path"], headers=headers, content=step["body"].encode("latin-1"))
        marks["calls"] += time.monotonic() - mark
    mark = time.monotonic()
    browser.close()
marks["browser and driver stop"] = time.monotonic() - mark
print(json.dumps({"seconds": time.monotonic() - started, "parts": marks}))
'''


def floor(plan: list[dict[str, Any]], base_url: str, folder: Path) -> dict[str, Any]:
    plan_file, script = folder / "plan.json", folder / "floor.py"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    script.write_text(FLOOR_SCRIPT, encoding="utf-8")
    run = timed([PYTHON, str(script), str(plan_file), base_url], {"DPF_PROJECT_ROOT": str(PROJECT_ROOT)})
    if run["exit"] != 0:
        raise RuntimeError(f"the floor failed:\n{run['output']}")
    inside = json.loads(run["output"].strip().splitlines()[-1])["parts"]
    run["parts"] = {"process start and exit": run["wall"] - sum(inside.values()), **inside}
    return run


# ---------------------------------------------------------------- timing


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run(command, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    ended = time.monotonic()
    return {"wall": ended - started, "started": started, "ended": ended, "exit": done.returncode,
            "output": (done.stdout + done.stderr)[-3000:],
            "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


# The probe's parts (benchmarks/run_parts.py) in the order a run meets them, under the names.
PART_ORDER = ("process start and exit", "imports", "pytest start", "portal start", "browser start and stop",
              "browser contexts", "sign-ins", "set-up and clean-up calls", "flow steps", "screenshots", "traces",
              "Allure writing", "pytest and fixture code", "waits", "pytest finish", "leak scan", "HTML report",
              "other")


def dpf_run_with_parts(arguments: list[str], env: dict[str, str], folder: Path) -> dict[str, Any]:
    """`dpf run ...` through the timing probe: timed() with each part's wall seconds; they add up to the wall."""
    parts_file = folder / f"parts-{time.monotonic_ns()}.json"
    run = timed([PYTHON, "-m", "benchmarks.run_parts", "run", *arguments], {**env, "DPF_RUN_PARTS": str(parts_file)})
    if not parts_file.exists():
        raise RuntimeError(f"the timing probe wrote no parts:\n{run['output']}")
    probe = json.loads(parts_file.read_text(encoding="utf-8"))
    seconds = dict(probe["seconds"])
    # CLOCK_MONOTONIC is the machine's: the probe's first line and last write, against this process's clock
    seconds["process start and exit"] = ((probe["probe_started"] - run["started"])
                                         + (run["ended"] - probe["probe_finished"]))
    run["parts"] = {name: seconds.get(name, 0.0) for name in PART_ORDER}
    run["steps_by_flow"] = probe["steps_by_flow"]
    return run


def with_the_runs_waits(run: dict[str, Any], floor_run: dict[str, Any]) -> dict[str, float]:
    """The floor given the run's waits for the portal's pace and the clock's (deliveries, a grace period, the next
    TOTP step), which it cannot have since it replays the requests back to back; only where the probe measured them."""
    if "parts" not in run:
        return {}
    waits = run["parts"].get("waits", 0.0)
    return {"run_waits_seconds": round(waits, 1),
            "floor_with_the_runs_waits_seconds": round(floor_run["wall"] + waits, 1),
            "run_vs_floor_with_the_runs_waits": round(run["wall"] / (floor_run["wall"] + waits), 2)}


def parts_table(parts: dict[str, float], wall: float, floor_seconds: float) -> dict[str, dict[str, float]]:
    """Each part's seconds, its share of the run, and its size in floors (part / the floor's total)."""
    return {name: {"seconds": round(value, 2), "share": round(value / wall, 3),
                   "floors": round(value / floor_seconds, 2)} for name, value in parts.items()}


def measure_run_against_floor(ids: list[str], workers: int, folder: Path) -> dict[str, Any]:
    """One `dpf run` against a recorded portal, then the floor of the same requests against the same portal."""
    portal_folder = Path(tempfile.mkdtemp(prefix=f"portal-w{workers}-", dir=folder))
    url, recorder, stop = start_portal(portal_folder, recorder=True)
    arguments = [*ids, "--workers", str(workers), "--base-url", url]
    env = {"DPF_REPORTS_DIR": str(portal_folder / "reports")}
    try:
        if workers == 1:
            run = dpf_run_with_parts(arguments, env, portal_folder)
        else:
            run = timed([PYTHON, "-m", "playbooks.harness.cli", "run", *arguments], env)
        plan = replay_plan(list(recorder.requests))
        floor_run = floor(plan, url, portal_folder)
    finally:
        stop()
    parts: dict[str, Any] = {}
    if "parts" in run:  # the portal is this script's, so the run's own "portal start" is nothing
        slowest = sorted(run["steps_by_flow"].items(), key=lambda item: -item[1])[:8]
        parts = {"parts": parts_table(run["parts"], run["wall"], floor_run["wall"]),
                 "floor_parts_seconds": {name: round(value, 2) for name, value in floor_run["parts"].items()},
                 "slowest_flow_steps_seconds": {flow: round(value, 2) for flow, value in slowest}}
    return {
        "workers": workers,
        "flows": ids or "every flow",
        "run_seconds": round(run["wall"], 1),
        "run_exit_code": run["exit"],
        "floor_seconds": round(floor_run["wall"], 1),
        "run_vs_floor": round(run["wall"] / floor_run["wall"], 2),
        "target_run_vs_floor_at_most": 2,
        **with_the_runs_waits(run, floor_run),
        "requests_recorded": len(recorder.requests),
        "page_loads_replayed": sum(1 for step in plan if step["kind"] == "navigate"),
        "http_calls_replayed": sum(1 for step in plan if step["kind"] == "http"),
        "load_average_before_after": [run["load"][0], floor_run["load"][1]],
        "run_output_tail": run["output"][-600:] if run["exit"] not in (0, 1) else "",
        **parts,
    }


def measure_dpf12(folder: Path) -> dict[str, Any]:
    """`dpf run DPF-12` from the shell against the embedded portal, its parts, and the floor of its requests."""
    baseline = statistics.median(timed([PYTHON, "-c", "pass"])["wall"] for _ in range(3))
    reports = folder / "reports-dpf12"
    run = dpf_run_with_parts(["DPF-12"], {"DPF_REPORTS_DIR": str(reports)}, folder)
    from playbooks.harness.soak import read_junit

    flow = read_junit(reports / "junit.xml").get("DPF-12")
    against_floor = measure_run_against_floor(["DPF-12"], 1, folder)
    floor_seconds = against_floor["floor_seconds"]
    return {
        "seconds": round(run["wall"], 2),
        "exit_code": run["exit"],
        "target_seconds_under": 5,
        "parts": parts_table(run["parts"], run["wall"], floor_seconds),
        # pytest's own time for the test: set-up (sign-in, the browser's first context) and the flow's steps
        "flow_test_seconds_in_junit": flow.duration if flow else None,
        "python_start_seconds": round(baseline, 3),
        "vs_python_start": round(run["wall"] / baseline, 1),
        "floor_seconds": floor_seconds,
        "floor_parts_seconds": against_floor.get("floor_parts_seconds"),
        "vs_floor": round(run["wall"] / floor_seconds, 2),
        "run_waits_seconds": round(run["parts"]["waits"], 2),
        "vs_floor_with_the_runs_waits": round(run["wall"] / (floor_seconds + run["parts"]["waits"]), 2),
        "load_average_before_after": [run["load"][0], against_floor["load_average_before_after"][1]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", metavar="DPF-NN", help="flows for the run vs floor parts (default: all)")
    parser.add_argument("--parts", default=",".join(DEFAULT_PARTS), help=f"of {', '.join(DEFAULT_PARTS)}")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(DEFAULT_PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    figures: dict[str, Any] = {"flows": args.ids or "every flow"}
    with tempfile.TemporaryDirectory(prefix="dpf-bench-") as temporary:
        folder = Path(temporary)
        if "serial" in parts:
            figures["serial"] = measure_run_against_floor(args.ids, 1, folder)
            print("serial:", json.dumps(figures["serial"]), flush=True)
        if "parallel" in parts:
            figures["parallel"] = measure_run_against_floor(args.ids, 2, folder)
            print("parallel:", json.dumps(figures["parallel"]), flush=True)
        if "dpf12" in parts:
            figures["dpf_run_dpf12"] = measure_dpf12(folder)
            print("dpf run DPF-12:", json.dumps(figures["dpf_run_dpf12"]), flush=True)
    path = write_section("conformance" if not args.ids else "conformance_sample", figures,
                         packages=("pytest", "playwright", "allure-pytest", "pytest-xdist"))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
