"""`dpf soak N`: the same run N times in a row, then every flow whose result changed and each flow's duration spread.

Each run is a whole `dpf run` in a process of its own (its own embedded portal, browser and leak scan), writing to
`<reports>/soak/<time>/run-NN-wW/`. Its results are read back from its JUnit XML. `--workers 1,2` soaks each
setting in turn, so a flow whose result differs between a serial and a parallel run shows as changed too.
Exit 0 only when no flow's result changed and every run ended the same way.
"""

from __future__ import annotations

import argparse
import datetime
import json
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Iterator, Sequence

from playbooks.harness.flow_ids import in_file_name, normalise

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STOP_GRACE_SECONDS = 10


@dataclass(frozen=True)
class FlowOutcome:
    outcome: str  # passed, failed, error, skipped, not run, ...
    duration: float


@dataclass
class SoakRun:
    number: int
    workers: int
    exit_code: int
    seconds: float
    flows: dict[str, FlowOutcome] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"run {self.number} ({'serial' if self.workers == 1 else f'{self.workers} workers'})"


# ---------------------------------------------------------------- reading a run


def read_junit(path: Path) -> dict[str, FlowOutcome]:
    """Each flow's outcome and duration from a `dpf run`'s JUnit XML; a missing or broken file gives nothing."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    flows: dict[str, FlowOutcome] = {}
    for case in root.iter("testcase"):
        flow_id = in_file_name(case.get("classname", "")) or _id_in_name(case.get("name", ""))
        if flow_id is None:
            continue
        outcome = "passed"
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = {"failure": "failed", "error": "error"}.get(kind) or _skip_kind(element)
                break
        flows[flow_id] = FlowOutcome(outcome, float(case.get("time") or 0))
    return flows


def _id_in_name(name: str) -> str | None:
    first = name.split(" ", 1)[0]
    flow_id = normalise(first)
    return flow_id if flow_id.startswith("DPF-") else None


def _skip_kind(element: ET.Element) -> str:
    kind = element.get("type", "")
    return kind if kind and kind != "pytest.skip" else "skipped"


# ---------------------------------------------------------------- the tables


@dataclass(frozen=True)
class Change:
    flow_id: str
    counts: dict[str, int]  # outcome -> how many runs
    runs: list[str]  # the runs whose outcome was not the most common one


@dataclass(frozen=True)
class Spread:
    flow_id: str
    workers: int
    runs: int
    minimum: float
    median: float
    maximum: float

    @property
    def ratio(self) -> float:
        return self.maximum / self.minimum if self.minimum > 0 else float("inf") if self.maximum > 0 else 1.0


def changed_results(runs: Sequence[SoakRun]) -> list[Change]:
    """Every flow whose outcome was not the same in every run (a flow missing from a run counts as `no result`)."""
    flow_ids = sorted({flow_id for run in runs for flow_id in run.flows})
    changes = []
    for flow_id in flow_ids:
        outcomes = [(run, run.flows.get(flow_id, FlowOutcome("no result", 0.0)).outcome) for run in runs]
        counts: dict[str, int] = {}
        for _, outcome in outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
        if len(counts) > 1:
            usual = max(counts, key=lambda o: (counts[o], o == "passed"))
            changes.append(Change(flow_id, counts, [f"{run.label}: {o}" for run, o in outcomes if o != usual]))
    return changes


def duration_spreads(runs: Sequence[SoakRun]) -> list[Spread]:
    """Each flow's fastest, median and slowest duration, per worker setting, over the runs it ran in."""
    spreads = []
    for workers in sorted({run.workers for run in runs}):
        these = [run for run in runs if run.workers == workers]
        for flow_id in sorted({flow_id for run in these for flow_id in run.flows}):
            times = [run.flows[flow_id].duration for run in these
                     if flow_id in run.flows and run.flows[flow_id].outcome not in ("not run", "not applicable")]
            if times:
                spreads.append(Spread(flow_id, workers, len(times), min(times), statistics.median(times), max(times)))
    return spreads


def exit_codes_differ(runs: Sequence[SoakRun]) -> bool:
    return len({run.exit_code for run in runs}) > 1


def summary(runs: Sequence[SoakRun]) -> tuple[str, bool]:
    """The report people read, and whether the soak held (no changed result, every run ending the same way)."""
    changes, spreads = changed_results(runs), duration_spreads(runs)
    lines = [f"dpf soak: {len(runs)} run(s); {len({f for r in runs for f in r.flows})} flow(s)"]
    lines += ["", "Changed results" + (": none" if not changes else "")]
    if changes:
        lines += _table(("ID", "Outcomes", "Runs that differed"),
                        [(c.flow_id, ", ".join(f"{o} {n}" for o, n in sorted(c.counts.items())), "; ".join(c.runs))
                         for c in changes])
    lines += ["", "Duration spread (seconds)"]
    lines += _table(("ID", "Workers", "Runs", "Min", "Median", "Max", "Max/min"),
                    [(s.flow_id, str(s.workers), str(s.runs), f"{s.minimum:.1f}", f"{s.median:.1f}",
                      f"{s.maximum:.1f}", f"{s.ratio:.2f}") for s in spreads])
    lines += ["", "Runs"]
    lines += _table(("Run", "Exit", "Seconds", "Results"),
                    [(run.label, str(run.exit_code), f"{run.seconds:.0f}", _counts(run)) for run in runs])
    held = not changes and not exit_codes_differ(runs) and bool(runs)
    if exit_codes_differ(runs):
        lines.append("\nThe runs did not all end the same way (exit codes differ): see each run's log.")
    lines.append("\n" + ("Held: no flow's result changed." if held else f"NOT held: {len(changes)} flow(s) changed."))
    return "\n".join(lines), held


def _counts(run: SoakRun) -> str:
    counts: dict[str, int] = {}
    for outcome in run.flows.values():
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    return ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "no results"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return lines


# ---------------------------------------------------------------- the command


def add_command(commands: argparse._SubParsersAction, group_letters: list[str]) -> None:
    soak = commands.add_parser("soak", help="the same run N times, then every flow whose result changed")
    soak.add_argument("runs", nargs="?", default="10", metavar="N", help="how many runs (default 10)")
    soak.add_argument("ids", nargs="*", metavar="DPF-NN", help="flows to run (default: every executable one)")
    soak.add_argument("--group", action="append", default=[], type=str.upper, choices=group_letters)
    soak.add_argument("--workers", dest="worker_settings", default="1", metavar="W[,W]",
                      help="workers per run: 2, or 1,2 to soak serially and then in parallel (default 1)")
    soak.add_argument("--base-url", help="a deployed portal; default: the embedded portal")
    soak.set_defaults(handler=command_soak)


def worker_settings(text: str) -> list[int]:
    try:
        settings = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        settings = []
    if not settings or any(n < 1 for n in settings):
        raise ValueError(f"--workers takes numbers of 1 or more separated by commas, not {text!r}")
    return settings


def command_soak(args: argparse.Namespace) -> int:
    if not args.runs.isdigit():  # `dpf soak DPF-01`: a flow, and the default number of runs
        args.ids, args.runs = [args.runs, *args.ids], "10"
    args.runs = int(args.runs)
    if args.runs < 1:
        print("dpf soak: the number of runs must be 1 or more", file=sys.stderr)
        return 4
    try:
        settings = worker_settings(args.worker_settings)
    except ValueError as error:
        print(f"dpf soak: {error}", file=sys.stderr)
        return 4
    base = Path(os.environ.get("DPF_REPORTS_DIR") or Path.cwd() / "reports")  # as dpf run's (cli.reports_dir)
    folder = base / "soak" / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    runs: list[SoakRun] = []
    with stopped_by_sigterm():
        for workers in settings:
            for number in range(1, args.runs + 1):
                runs.append(soak_run(args, len(runs) + 1, workers, folder))
                run = runs[-1]
                print(f"dpf soak: {run.label}: {_counts(run)}, exit {run.exit_code}, {run.seconds:.0f} s", flush=True)
    text, held = summary(runs)
    print("\n" + text)
    (folder / "soak.json").write_text(json.dumps([asdict(run) for run in runs], indent=2), encoding="utf-8")
    (folder / "soak.txt").write_text(text + "\n", encoding="utf-8")
    print(f"\ndpf soak: each run's log, results and report are in {folder}")
    return 0 if held else 1


def soak_run(args: argparse.Namespace, number: int, workers: int, folder: Path) -> SoakRun:
    out = folder / f"run-{number:02d}-w{workers}"
    command = [sys.executable, "-m", "playbooks.harness.cli", "run", *args.ids, "--workers", str(workers)]
    command += [part for letter in args.group for part in ("--group", letter)]
    if args.base_url:
        command += ["--base-url", args.base_url]
    started = time.monotonic()
    with open(folder / f"run-{number:02d}-w{workers}.log", "w", encoding="utf-8") as log:
        code = run_stoppable(command, env={**os.environ, "DPF_REPORTS_DIR": str(out)}, log=log)
    return SoakRun(number, workers, code, time.monotonic() - started, read_junit(out / "junit.xml"))


@contextlib.contextmanager
def stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM ends the soak as Ctrl-C does, with an exception, so the run under way is stopped (run_stoppable)."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_stoppable(command: list[str], *, env: dict[str, str], log: IO[str]) -> int:
    """Run a command in a process group of its own and wait for it. When the soak is stopped meanwhile (Ctrl-C,
    SIGTERM), the whole group is stopped too: the run, its pytest workers and the browsers' drivers, which close
    their browsers; whatever still runs after STOP_GRACE_SECONDS is killed."""
    child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        return child.wait()
    except BaseException:
        _stop_group(child)
        raise


def _stop_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):  # the group's stragglers, even once its leader has exited
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()
