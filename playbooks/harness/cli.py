"""`dpf`: list the flows, run them, serve the reference portal, make the report."""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pytest

from playbooks.harness import catalog, target_file
from playbooks.harness.flow_ids import in_file_name as flow_in_file_name
from playbooks.harness.modules import module_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS_DIR = PROJECT_ROOT / "playbooks"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 4


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def reports_dir() -> Path:
    return Path(os.environ.get("DPF_REPORTS_DIR", PROJECT_ROOT / "reports"))


# ---------------------------------------------------------------- list


def status_of(flow: catalog.Flow) -> str:
    module = module_for(flow.id)
    if module is None:
        return "missing"
    return "executable" if module.executable else f"pending ({module.pending})"


def command_list(args: argparse.Namespace) -> int:
    chosen = [f for f in catalog.flows() if not args.group or f.group.letter in args.group]
    rows = [(f.id, f.group.letter, f.title, status_of(f), f.route or "-") for f in chosen]
    print_table(("ID", "Group", "Title", "Status", "Route"), rows)
    print(f"\n{len(rows)} flows; groups: " + "; ".join(g.label for g in catalog.groups()))
    return EXIT_OK


# ---------------------------------------------------------------- run


@dataclass
class FlowResult:
    flow_id: str
    outcome: str = "not run"
    duration: float = 0.0
    message: str = ""


@dataclass
class RunRecorder:
    """A pytest plugin that prints each flow's outcome as it finishes and keeps it for the summary."""

    results: dict[str, FlowResult] = field(default_factory=dict)
    _terminal: object = None

    def pytest_configure(self, config: pytest.Config) -> None:
        self._terminal = config.pluginmanager.get_plugin("terminalreporter")

    def _say(self, line: str) -> None:
        if self._terminal is not None:
            self._terminal.ensure_newline()  # type: ignore[attr-defined]
            self._terminal.write_line(line)  # type: ignore[attr-defined]
        else:
            print(line, flush=True)

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """No progress dots: each flow gets a line of its own instead."""
        if report.failed:
            return ("failed", "", "FAILED") if report.when == "call" else ("error", "", "ERROR")
        if report.skipped:
            return "skipped", "", "SKIPPED"
        if report.when == "call":
            return "passed", "", "PASSED"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        flow_id = flow_in_file_name(report.nodeid)
        if flow_id is None:
            return
        result = self.results.setdefault(flow_id, FlowResult(flow_id, outcome="passed"))
        result.duration += report.duration
        if report.failed:
            result.outcome = "error" if report.when != "call" else "failed"
            result.message = result.message or _first_line(report.longreprtext)
        elif report.skipped and result.outcome == "passed":
            result.outcome = "skipped"
            result.message = _first_line(str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "")
        if report.when == "teardown":
            title = catalog.get(flow_id).title
            self._say(f"{flow_id}  {result.outcome:<8} {result.duration:6.1f} s  {title}")


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("E ")]
    return (lines[0][2:].strip() if lines else text.strip().splitlines()[-1] if text.strip() else "")[:160]


def select_flows(ids: Sequence[str], groups: Sequence[str]) -> list[catalog.Flow]:
    if not ids and not groups:
        return [f for f in catalog.flows() if (m := module_for(f.id)) is not None and m.executable]
    chosen: dict[str, catalog.Flow] = {}
    for raw in ids:
        for part in filter(None, (p.strip() for p in raw.split(","))):
            try:
                flow = catalog.get(part)
            except catalog.CatalogError as error:
                raise UsageError(str(error)) from None
            chosen[flow.id] = flow
    for flow in catalog.flows():
        if flow.group.letter in groups:
            chosen[flow.id] = flow
    return sorted(chosen.values(), key=lambda f: f.number)


def pytest_arguments(args: argparse.Namespace, flow_ids: list[str], out: Path) -> list[str]:
    arguments = [
        str(PLAYBOOKS_DIR),
        f"--rootdir={PROJECT_ROOT}",
        "--dpf", ",".join(flow_ids),
        "--alluredir", str(out / "allure-results"),
        "--clean-alluredir",
        "--junitxml", str(out / "junit.xml"),
        "--tb=short",
        "-q",
        "--no-header",
        "-p", "no:logging",
    ]
    if args.base_url:
        arguments += ["--base-url", args.base_url]
    if args.headed:
        arguments.append("--headed")
    if args.workers > 1:
        arguments += ["-n", str(args.workers)]
    return arguments


def load_target(args: argparse.Namespace) -> target_file.TargetFile | None:
    if not getattr(args, "target", None):
        return None
    if args.base_url:
        raise UsageError("--target names the portal already; leave out --base-url")
    try:
        return target_file.load(Path(args.target))
    except target_file.TargetFileError as error:
        raise UsageError(str(error)) from None


def command_run(args: argparse.Namespace) -> int:
    target = load_target(args)
    flows = select_flows(args.ids, args.group)
    not_applicable = [f for f in flows if target is not None and target.profile(f.id).profile == "not-applicable"]
    executable = [f for f in flows if f not in not_applicable and (m := module_for(f.id)) is not None and m.executable]
    pending = [f for f in flows if f not in executable and f not in not_applicable]
    out = reports_dir()
    out.mkdir(parents=True, exist_ok=True)
    if target is not None:
        os.environ.update(target.environment(os.environ))
    where = os.environ.get("DPF_BASE_URL") if target else args.base_url or os.environ.get("DPF_BASE_URL")
    print(f"dpf: running {len(executable)} flow(s) against {where or 'the embedded reference portal'}", flush=True)

    recorder = RunRecorder()
    started = time.monotonic()
    code = EXIT_OK
    if executable:
        code = pytest.main(pytest_arguments(args, [f.id for f in executable], out), plugins=[recorder])
        if code == pytest.ExitCode.USAGE_ERROR:
            return EXIT_USAGE
    for flow in pending:
        recorder.results[flow.id] = FlowResult(flow.id, "not run", message=f"not executable yet: {status_of(flow)}")
    for flow in not_applicable:
        reason = target.profile(flow.id).reason if target else ""
        recorder.results[flow.id] = FlowResult(flow.id, "not applicable", message=reason)

    rows, failing = [], 0
    today = datetime.date.today()
    for flow in flows:
        result = recorder.results.get(flow.id, FlowResult(flow.id, message="no result: the run stopped early"))
        outcome, message = result.outcome, result.message
        if outcome == "not applicable":
            counts_as_failure = False
        elif target is not None and outcome != "not run":
            verdict = target_file.judge(flow.id, outcome, message, target, today)
            outcome, message, counts_as_failure = verdict.outcome, verdict.message, verdict.counts_as_failure
        else:
            counts_as_failure = outcome != "passed"
        failing += counts_as_failure
        rows.append((flow.id, outcome, f"{result.duration:.1f} s", flow.title, message))
    print()
    print_table(("ID", "Result", "Duration", "Title", "Detail"), rows)
    counts = {outcome: sum(1 for row in rows if row[1] == outcome) for outcome in dict.fromkeys(r[1] for r in rows)}
    print("\n" + ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) + f"  ({time.monotonic() - started:.0f} s)")
    if target is not None:
        for deviation in target_file.unused_deviations(target, {f.id for f in executable}):
            print(f"dpf: expected deviation {deviation.ticket} for {deviation.flow} was not used: remove it or run the flow")
            failing += 1
    if not args.no_report:
        make_html_report(out)
    finished = code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)
    return EXIT_OK if failing == 0 and finished else EXIT_FAILED


def command_target_check(args: argparse.Namespace) -> int:
    try:
        target = target_file.load(Path(args.file))
    except target_file.TargetFileError as error:
        print(f"dpf: {error}", file=sys.stderr)
        return EXIT_USAGE
    profiles = {profile: [f for f, p in target.flows.items() if p.profile == profile] for profile in target_file.PROFILES}
    print(f"{args.file}: valid. Target {target.base_url}; accounts: {', '.join(sorted(target.accounts))}; "
          f"{len(profiles['optional'])} optional and {len(profiles['not-applicable'])} not-applicable flow(s); "
          f"{len(target.testid_overrides) + len(target.route_overrides)} override(s); "
          f"{len(target.deviations)} expected deviation(s)")
    today = datetime.date.today()
    expired = [d for d in target.deviations if d.expired(today)]
    for deviation in expired:
        print(f"dpf: expected deviation {deviation.ticket} for {deviation.flow} expired on {deviation.expires}",
              file=sys.stderr)
    return EXIT_FAILED if expired else EXIT_OK


# ---------------------------------------------------------------- report


def allure_command() -> list[str] | None:
    local = PROJECT_ROOT / "node_modules" / ".bin" / "allure"
    if local.exists():
        return [str(local)]
    if shutil.which("npx"):
        return ["npx", "--no-install", "allure"]
    return None


def make_html_report(out: Path) -> bool:
    results, html = out / "allure-results", out / "allure-report"
    if not results.is_dir():
        print(f"dpf report: no results in {results}; run `dpf run` first", file=sys.stderr)
        return False
    if shutil.which("node") is None:
        print(f"dpf report: Node.js is not installed, so no HTML report was made; the results are in {results}")
        return False
    command = allure_command()
    if command is None:
        print(f"dpf report: the Allure command line is not installed (npm ci); the results are in {results}")
        return False
    shutil.rmtree(html, ignore_errors=True)  # a report of the last run only, with no pages left from older ones
    done = subprocess.run(
        [*command, "generate", str(results), "--output", str(html), "--config", str(PROJECT_ROOT / "allurerc.json")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"dpf report: allure generate failed:\n{done.stdout}{done.stderr}", file=sys.stderr)
        return False
    print(f"dpf report: HTML report in {html}/index.html; JUnit XML in {out / 'junit.xml'}")
    return True


def command_report(args: argparse.Namespace) -> int:
    out = reports_dir()
    if not make_html_report(out):
        return EXIT_FAILED
    if args.open:
        command = allure_command()
        assert command is not None
        return subprocess.call([*command, "open", str(out / "allure-report")], cwd=PROJECT_ROOT)
    return EXIT_OK


# ---------------------------------------------------------------- portal


def command_portal(args: argparse.Namespace) -> int:
    import logging

    from reference_portal import Config, create_app
    from reference_portal.serve import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(Config.from_env(database=args.db))
    serve_forever(app, args.host, args.port)
    return EXIT_OK


# ---------------------------------------------------------------- shared


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(str(r[i])) for r in rows)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def build_parser() -> argparse.ArgumentParser:
    letters = [g.letter for g in catalog.groups()]
    parser = _Parser(prog="dpf", description="Developer portal flow playbooks (DPF-01 to DPF-34).")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="list the 34 flows")
    listing.add_argument("--group", action="append", default=[], type=str.upper, choices=letters)
    listing.set_defaults(handler=command_list)

    run = commands.add_parser("run", help="run flows (all executable ones when none are named)")
    run.add_argument("ids", nargs="*", metavar="DPF-NN")
    run.add_argument("--group", action="append", default=[], type=str.upper, choices=letters)
    run.add_argument("--base-url", help="a deployed portal; default: DPF_BASE_URL, else the embedded portal")
    run.add_argument("--headed", action="store_true", help="show the browser")
    run.add_argument("--workers", type=int, default=1, help="run flows in N parallel processes")
    run.add_argument("--no-report", action="store_true", help="skip making the HTML report")
    run.add_argument("--target", metavar="FILE", help="a partner's target file (TOML): portal, accounts, profiles, "
                     "overrides and expected deviations")
    run.set_defaults(handler=command_run)

    target = commands.add_parser("target", help="work with a target file")
    target_commands = target.add_subparsers(dest="target_command", required=True, parser_class=_Parser)
    check = target_commands.add_parser("check", help="validate a target file and say what is wrong in it")
    check.add_argument("file")
    check.set_defaults(handler=command_target_check)

    portal = commands.add_parser("portal", help="serve the reference portal")
    portal.add_argument("--host", default="127.0.0.1")
    portal.add_argument("--port", type=int, default=8000)
    portal.add_argument("--db", default="portal.sqlite3", help="SQLite file (made and seeded if new)")
    portal.set_defaults(handler=command_portal)

    report = commands.add_parser("report", help="make the HTML report from the last run's results")
    report.add_argument("--open", action="store_true", help="serve the report and open it in a browser")
    report.set_defaults(handler=command_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "workers", 1) < 1:
            raise UsageError("--workers must be 1 or more")
        return int(args.handler(args))
    except UsageError as error:
        print(f"dpf: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `dpf list | head`
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
