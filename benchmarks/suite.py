"""The test suite's parts, timed against a floor measured in the same run: one bare pytest that starts Chromium.

The floor is what every negative control used to pay before the playbook itself ran: a fresh `python -m pytest`
with the installed plugins, a Chromium launch and one page. Parts:

- bare:      that floor (median of three runs);
- sample:    a few negative controls one after another, each playbook run in a fresh process (the old way,
             DPF_NEGATIVE_FRESH_PROCESS=1) and in the long-lived runner (the new way): seconds per control, ratios;
- negative:  every negative control on the suite's workers: wall time per control, against the floor;
- quick:     `scripts/test --quick` (no browser, not slow): wall and CPU time, and how much of the sum of its
             tests' durations the workers overlapped;
- playbooks: every playbook in one process against the embedded portal, as `dpf run` does: per playbook;
- full:      `scripts/test` itself (only with --parts full or all; it takes minutes).

Wall times on a shared machine move with everything else it runs, so each part also records its CPU time
(user + system of every process it started) and the load average before and after.

    python benchmarks/suite.py [--parts bare,sample,negative,quick,playbooks] [--sample 6] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.bench_report import write_section

PYTHON = sys.executable
DEFAULT_PARTS = ("bare", "sample", "negative", "quick", "playbooks")
ALL_PARTS = (*DEFAULT_PARTS, "full")

BARE_CONFTEST = '''
import os
import pytest
from fixtures.browser import QUIET_FLAGS, system_chromium

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    """The harness's own Chromium and flags, and nothing else of the harness."""
    args = dict(browser_type_launch_args)
    executable = system_chromium(playwright.chromium.executable_path)
    if executable:
        args["executable_path"] = executable
    args["args"] = [*QUIET_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    return args
'''
BARE_TEST = '''
def test_one_page(page):
    page.goto("about:blank")
'''


def suite_workers() -> int:
    """The number of workers scripts/test gives the full suite."""
    return int(os.environ.get("DPF_TEST_WORKERS") or 2 * (os.cpu_count() or 1))


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command from the project folder; its wall time, its CPU time (itself and every process it waited
    for), its exit code and the tail of its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run(command, check=False, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "exit": done.returncode, "output": (done.stdout + done.stderr)[-2000:],
            "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def junit_cases(path: Path) -> list[dict[str, Any]]:
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        cases.append({"id": f"{case.get('classname')}::{case.get('name')}", "time": float(case.get("time", 0)),
                      "outcome": outcome})
    return cases


def summary(run: dict[str, Any], cases: list[dict[str, Any]]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for case in cases:
        counts[case["outcome"]] = counts.get(case["outcome"], 0) + 1
    return {
        "wall_seconds": round(run["wall"], 1),
        "cpu_seconds": round(run["cpu"], 1),
        "exit_code": run["exit"],
        "tests": len(cases),
        "outcomes": counts,
        "sum_of_test_seconds": round(sum(case["time"] for case in cases), 1),
        "load_average_before_after": run["load"],
    }


def check(run: dict[str, Any], what: str) -> None:
    if run["exit"] != 0:
        print(f"{what} exited {run['exit']}:\n{run['output']}", file=sys.stderr)


def part_bare(folder: Path) -> dict[str, Any]:
    bare = folder / "bare"
    bare.mkdir()
    (bare / "conftest.py").write_text(BARE_CONFTEST)
    (bare / "test_bare.py").write_text(BARE_TEST)
    runs = []
    for _ in range(3):
        run = timed([PYTHON, "-m", "pytest", str(bare), f"--rootdir={bare}", "-q", "-p", "no:cacheprovider"])
        check(run, "bare pytest + Chromium")
        runs.append(run)
    return {
        "seconds": round(statistics.median(r["wall"] for r in runs), 2),
        "cpu_seconds": round(statistics.median(r["cpu"] for r in runs), 2),
        "runs": [round(r["wall"], 2) for r in runs],
    }


def negative_control_ids() -> list[str]:
    done = subprocess.run([PYTHON, "-m", "pytest", "--collect-only", "-q", "tests/negative"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if "::" in line and "test_positive_variants" not in line]


def part_sample(folder: Path, size: int, bare: float | None) -> dict[str, Any]:
    """The same few controls, one after another in one process: fresh playbook processes, then the runner."""
    ids = negative_control_ids()
    step = max(1, len(ids) // size)
    chosen = ids[::step][:size]
    figures: dict[str, Any] = {"controls": chosen}
    for mode, env in (("fresh_process", {"DPF_NEGATIVE_FRESH_PROCESS": "1"}), ("runner", {})):
        junit = folder / f"sample-{mode}.xml"
        run = timed([PYTHON, "-m", "pytest", *chosen, "-p", "no:xdist", "-q", f"--junitxml={junit}"], env)
        check(run, f"negative sample ({mode})")
        cases = junit_cases(junit)
        times = [case["time"] for case in cases]
        figures[mode] = {
            **summary(run, cases),
            "seconds_per_control": round(statistics.mean(times), 2),
            "seconds_per_control_after_the_first": round(statistics.mean(times[1:]), 2) if len(times) > 1 else None,
            "cpu_seconds_per_control": round(run["cpu"] / len(cases), 2),
        }
    fresh, runner = figures["fresh_process"], figures["runner"]
    figures["runner_vs_fresh_process"] = round(runner["seconds_per_control"] / fresh["seconds_per_control"], 3)
    figures["runner_vs_fresh_process_cpu"] = round(
        runner["cpu_seconds_per_control"] / fresh["cpu_seconds_per_control"], 3)
    if bare:
        figures["fresh_process_vs_bare"] = round(fresh["seconds_per_control"] / bare, 2)
        figures["runner_vs_bare"] = round(runner["seconds_per_control"] / bare, 2)
    return figures


def part_negative(folder: Path, workers: int, bare: float | None) -> dict[str, Any]:
    junit = folder / "negative.xml"
    run = timed([PYTHON, "-m", "pytest", "tests/negative", "-n", str(workers), "--dist", "worksteal", "-q",
                 f"--junitxml={junit}"])
    check(run, "negative controls")
    cases = junit_cases(junit)
    controls = [case for case in cases if "test_positive_variants" not in case["id"]]
    figures = {**summary(run, cases), "workers": workers, "negative_controls": len(controls)}
    figures["wall_seconds_per_test"] = round(run["wall"] / len(cases), 2)
    if bare:
        figures["wall_per_test_vs_bare"] = round(run["wall"] / len(cases) / bare, 2)
    return figures


def part_quick(folder: Path) -> dict[str, Any]:
    junit = folder / "quick.xml"
    run = timed(["scripts/test", "--quick", "-q", f"--junitxml={junit}"])
    check(run, "scripts/test --quick")
    figures = summary(run, junit_cases(junit))
    figures["overlap"] = round(figures["sum_of_test_seconds"] / run["wall"], 2)  # > 1: the workers overlapped
    figures["under_60_seconds"] = run["wall"] < 60
    return figures


def part_playbooks(folder: Path, bare: float | None) -> dict[str, Any]:
    junit = folder / "playbooks.xml"
    run = timed([PYTHON, "-m", "pytest", "playbooks", "-p", "no:xdist", "-q", f"--junitxml={junit}"])
    check(run, "playbooks")
    cases = junit_cases(junit)
    ran = [case for case in cases if case["outcome"] != "skipped"]
    figures = summary(run, cases)
    figures["wall_seconds_per_playbook"] = round(run["wall"] / max(1, len(ran)), 2)
    if bare:
        figures["per_playbook_vs_bare"] = round(run["wall"] / max(1, len(ran)) / bare, 2)
    return figures


def part_full(folder: Path) -> dict[str, Any]:
    junit = folder / "full.xml"
    run = timed(["scripts/test", "-q", f"--junitxml={junit}"])
    check(run, "scripts/test")
    figures = summary(run, junit_cases(junit))
    figures["workers"] = suite_workers()
    figures["under_6_minutes"] = run["wall"] < 360
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default=",".join(DEFAULT_PARTS),
                        help=f"comma-separated, from {', '.join(ALL_PARTS)}, or all")
    parser.add_argument("--sample", type=int, default=6, help="negative controls in the fresh-vs-runner sample")
    parser.add_argument("--workers", type=int, default=suite_workers(), help="xdist workers for the negative part")
    args = parser.parse_args(argv)
    parts = ALL_PARTS if args.parts == "all" else tuple(p.strip() for p in args.parts.split(",") if p.strip())
    unknown = set(parts) - set(ALL_PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    figures: dict[str, Any] = {"cores": os.cpu_count(), "suite_workers": suite_workers()}
    with tempfile.TemporaryDirectory(prefix="dpf-bench-suite-") as tmp:
        folder = Path(tmp)
        bare = None
        if "bare" in parts:
            figures["bare_pytest_chromium"] = part_bare(folder)
            bare = figures["bare_pytest_chromium"]["seconds"]
            print(f"bare pytest + Chromium: {bare:.1f} s", flush=True)
        if "sample" in parts:
            figures["negative_sample"] = sample = part_sample(folder, args.sample, bare)
            print(f"negative sample: fresh {sample['fresh_process']['seconds_per_control']:.1f} s, runner "
                  f"{sample['runner']['seconds_per_control']:.1f} s per control", flush=True)
        if "negative" in parts:
            figures["negative_controls"] = neg = part_negative(folder, args.workers, bare)
            print(f"negative controls: {neg['wall_seconds']:.0f} s for {neg['tests']} on {args.workers} workers",
                  flush=True)
        if "quick" in parts:
            figures["quick"] = quick = part_quick(folder)
            print(f"quick: {quick['wall_seconds']:.0f} s for {quick['tests']} tests", flush=True)
        if "playbooks" in parts:
            figures["playbooks"] = books = part_playbooks(folder, bare)
            print(f"playbooks: {books['wall_seconds']:.0f} s", flush=True)
        if "full" in parts:
            figures["full_suite"] = full = part_full(folder)
            print(f"full suite: {full['wall_seconds']:.0f} s for {full['tests']} tests", flush=True)
    path = write_section("suite", figures, packages=("pytest", "pytest-xdist", "playwright"))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
