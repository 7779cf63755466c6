"""`dpf`: list the flows, run them, serve the reference portal, make the report."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pytest

from playbooks.harness import (catalog, certification, history, installation, run_report, selftest, shards, soak,
                               target_file, verdicts)
from playbooks.harness.flow_ids import in_file_name as flow_in_file_name
from playbooks.harness.flow_ids import normalise as normalise_flow_id
from playbooks.harness.installation import PortalNotInstalled, allure_command
from playbooks.harness.modules import module_for
from playbooks.harness.secret_scan import LeakGate

PROJECT_ROOT = installation.PACKAGES_ROOT  # this checkout, or site-packages where the harness is installed
PLAYBOOKS_DIR = installation.PLAYBOOKS_DIR
EXIT_OK, EXIT_FAILED, EXIT_PREFLIGHT, EXIT_USAGE = 0, 1, 3, 4
NOT_RUN = "not run: "  # how the harness's own skips begin: preflight failed, target unreachable


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def reports_dir() -> Path:
    """reports/ in the folder dpf runs from (this checkout's own when run here), or DPF_REPORTS_DIR."""
    return Path(os.environ.get("DPF_REPORTS_DIR") or Path.cwd() / "reports")


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
    """A pytest plugin that prints each flow's verdict as it finishes and keeps its outcome for the summary."""

    judge: Callable[[str, str, str], target_file.Verdict] = lambda flow_id, outcome, message: target_file.Verdict(
        outcome, message, outcome != "passed")
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
            crash = str(getattr(getattr(report.longrepr, "reprcrash", None), "message", ""))
            broke = report.when == "call" and verdicts.broke_on_its_own_code(crash)
            result.outcome = "error" if report.when != "call" or broke else "failed"
            message = verdicts.PLAYBOOK_BROKE + crash.splitlines()[0][:160] if broke else _first_line(report.longreprtext)
            result.message = result.message or message
        elif report.skipped and result.outcome == "passed":
            reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
            result.message = _first_line(reason)
            result.outcome = "skipped"
            if reason.startswith(("Skipped: " + NOT_RUN, NOT_RUN)):  # the harness's own, whole: it names the fix
                result.outcome, result.message = "not run", reason.split(NOT_RUN, 1)[1].strip()
        if report.when == "teardown":
            title = catalog.get(flow_id).title
            verdict = self.judge(flow_id, result.outcome, result.message).outcome
            self._say(f"{flow_id}  {verdict:<8} {result.duration:6.1f} s  {title}")


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("E ")]
    return (lines[0][2:].strip() if lines else text.strip().splitlines()[-1] if text.strip() else "")[:160]


def select_flows(ids: Sequence[str], groups: Sequence[str]) -> list[catalog.Flow]:
    """The flows named or grouped; with no choice, all 34: the pending ones are reported as not run, never hidden."""
    if not ids and not groups:
        return list(catalog.flows())
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


# Plugins installed for the project's own tests (property-based tests, API fuzzing, HTTP mocking, async tests, the
# faker fixture) that a playbook session never uses: leaving them out saves about 0.9 s of CPU at each run's start.
UNUSED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:respx", "-p", "no:anyio",
                  "-p", "no:faker")


def pytest_arguments(args: argparse.Namespace, flow_ids: list[str], out: Path) -> list[str]:
    arguments = [
        str(PLAYBOOKS_DIR),
        *installation.pytest_settings(),
        "--dpf", ",".join(flow_ids),
        # `--option=value`: pytest takes a separate value for a path when it looks for the ini file, and a reports
        # folder outside the project would leave the xdist workers without it (and so without dpf_*.py files)
        f"--alluredir={out / 'allure-results'}",
        "--clean-alluredir",
        f"--junitxml={out / 'junit.xml'}",
        "--tb=short",
        "-q",
        "--no-header",
        "-p", "no:logging",
        *UNUSED_PLUGINS,
    ]
    if args.base_url:
        arguments += ["--base-url", args.base_url]
    if args.headed:
        arguments.append("--headed")
    if args.slowmo:
        arguments += ["--slowmo", str(args.slowmo)]
    if args.tracing:
        arguments += ["--tracing", args.tracing]
    if args.tracing:
        arguments += ["--output", str(out / "test-results")]
    if args.workers > 1:
        arguments += ["-n", str(args.workers)]
    if not args.no_preflight:
        arguments.append("--dpf-preflight")
    return arguments + list(getattr(args, "pytest_args", []))


def display_problem(args: argparse.Namespace) -> str | None:
    """--headed needs a display; say so before a browser fails to start."""
    if not args.headed or sys.platform != "linux" or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    hint = "run it under `xvfb-run dpf run ...`" if shutil.which("xvfb-run") else \
        "install xvfb (apt-get install xvfb) and run it under `xvfb-run dpf run ...`"
    return f"--headed needs a display and DISPLAY is not set: {hint}, or leave out --headed"


def replay_command(args: argparse.Namespace, flow_id: str, where: str | None) -> str:
    parts = ["dpf", "run", flow_id]
    if getattr(args, "target", None):
        parts += ["--target", args.target]
    elif where:
        parts += ["--base-url", where]
    return " ".join(parts + ["--tracing", "on"])


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
    if getattr(args, "shard", None):  # this machine's share of the selection, by flow ID
        flows = shards.select(flows, args.shard)
    if getattr(args, "browser_ws_endpoint", None):
        os.environ["DPF_BROWSER_WS"] = args.browser_ws_endpoint  # fixtures/browser.py connects to it
    not_applicable = [f for f in flows if target is not None and target.profile(f.id).profile == "not-applicable"]
    executable = [f for f in flows if f not in not_applicable and (m := module_for(f.id)) is not None and m.executable]
    pending = [f for f in flows if f not in executable and f not in not_applicable]
    # A flow that signs in as an account the target file does not give is not run, and says which account it needs
    lacking = {f.id: target.missing_accounts(f.id) for f in executable} if target is not None else {}
    lacking = {flow_id: keys for flow_id, keys in lacking.items() if keys}
    executable = [f for f in executable if f.id not in lacking]
    if args.list:
        return print_selection(flows, executable, not_applicable, lacking, target)
    if {"--collect-only", "--co"} & set(args.pytest_args):  # pytest's own listing: nothing runs, so no verdicts
        with tempfile.TemporaryDirectory(prefix="dpf-collect-") as scratch:
            collected = pytest.main(pytest_arguments(args, [f.id for f in executable], Path(scratch)))
        return EXIT_OK if collected in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) else EXIT_USAGE
    if executable and (problem := display_problem(args)):
        raise UsageError(problem)
    if args.video not in (None, "off"):
        from fixtures.browser import VIDEO_REFUSED

        raise UsageError(VIDEO_REFUSED)
    if target is not None:
        os.environ.update(target.environment(os.environ))
    if getattr(args, "via", None):
        if target is None:
            raise UsageError("--via reaches a target file's portal through another address: give --target too")
        os.environ["DPF_BASE_URL"] = args.via.rstrip("/")
    if args.webhook_port is not None:
        os.environ["DPF_WEBHOOK_PORT"] = str(args.webhook_port)
    if target is not None and target.ca_file and not args.ca_file:
        args.ca_file = str(target.ca_file)
    if args.ca_file:
        if not Path(args.ca_file).is_file():
            raise UsageError(f"--ca-file {args.ca_file}: no such file")
        # httpx trusts SSL_CERT_FILE; the browser is told the same keys (fixtures/browser.py)
        os.environ["SSL_CERT_FILE"] = os.environ["DPF_CA_FILE"] = str(Path(args.ca_file).resolve())
    if os.environ.get("DPF_WEBHOOK_PORT"):
        print(f"dpf: the webhook receiver listens on port {os.environ['DPF_WEBHOOK_PORT']}", flush=True)
    where = os.environ.get("DPF_BASE_URL") if target else args.base_url or os.environ.get("DPF_BASE_URL")
    if executable and not where:
        require_reference_portal("with no --target or --base-url a run tests the embedded reference portal")
    target_key, kind = history.target_key(where), history.run_kind(args.ids, args.group)
    out = run_folder(target_key, kind)
    # Never a report of an older run: the results of this one only, even when nothing here can run.
    shutil.rmtree(out / "allure-results", ignore_errors=True)
    (out / "junit.xml").unlink(missing_ok=True)
    preflight_failure = preflight_before_run(args, where, executable)
    # A target that cannot be reached, or an account it refuses, is one line (the table only under --verbose)
    quiet = preflight_failure is not None and not getattr(args, "verbose", False)
    if not quiet:
        print(f"dpf: running {len(executable)} of {len(flows)} selected flow(s) against "
              f"{where or 'the embedded reference portal'}; results in {out}", flush=True)

    today = datetime.date.today()

    def judge(flow_id: str, outcome: str, message: str) -> target_file.Verdict:
        """The flow's verdict once the target file's profiles and expected deviations are applied."""
        if outcome == "not applicable":
            return target_file.Verdict(outcome, message, False)
        if target is not None and outcome != "not run":
            return target_file.judge(flow_id, outcome, message, target, today)
        return target_file.Verdict(outcome, message, outcome != "passed")

    recorder, gate = RunRecorder(judge), LeakGate()  # the gate scans for leaked secrets once the report is made
    started = time.monotonic()
    code = EXIT_OK
    if preflight_failure is not None:
        for flow in executable:
            recorder.results[flow.id] = FlowResult(flow.id, "not run", message=preflight_failure)
    elif executable:
        point_latest(out)
        gate.record_output()
        try:
            code = pytest.main(pytest_arguments(args, [f.id for f in executable], out), plugins=[recorder, gate])
        finally:
            forget_preflight(args, where, executable)
        if code == pytest.ExitCode.USAGE_ERROR:
            return EXIT_USAGE
    for flow in pending:
        recorder.results[flow.id] = FlowResult(flow.id, "not run", message=f"not executable yet: {status_of(flow)}")
    for flow_id, keys in lacking.items():
        recorder.results[flow_id] = FlowResult(flow_id, "not run", message=needs_accounts(keys, target))
    for flow in not_applicable:
        reason = target.profile(flow.id).reason if target else ""
        recorder.results[flow.id] = FlowResult(flow.id, "not applicable", message=reason)

    rows, judged, failing = [], [], 0
    for flow in flows:
        result = recorder.results.get(flow.id, FlowResult(flow.id, message="no result: the run stopped early"))
        verdict = judge(flow.id, result.outcome, result.message)
        failing += verdict.counts_as_failure
        rows.append((flow.id, verdict.outcome, f"{result.duration:.1f} s", flow.title, verdict.message))
        judged.append(verdicts.FlowVerdict(flow.id, verdict.outcome, verdict.message, round(result.duration, 1),
                                           replay_command(args, flow.id, where)
                                           if verdict.outcome in verdicts.FAILED_VERDICTS else None))
    hidden, hidden_text = contextlib.ExitStack(), io.StringIO()  # what a quiet run leaves out: the table, the report
    if quiet:
        hidden.enter_context(contextlib.redirect_stdout(hidden_text))
    print()
    print_table(("ID", "Result", "Duration", "Title", "Detail"), rows)
    counts = {outcome: sum(1 for row in rows if row[1] == outcome) for outcome in dict.fromkeys(r[1] for r in rows)}
    ran = sum(1 for row in rows if row[1] not in ("not run", "not applicable"))
    print(f"\n{ran} of {len(rows)} flow(s) run: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
          + f"  ({time.monotonic() - started:.0f} s)")
    preflight_failed = [row for row in rows if row[1] == "not run" and row[4].startswith("preflight failed")]
    if preflight_failed:
        print(f"dpf: {preflight_failed[0][4]}" + (" (nothing ran; --verbose for the flows and the report)"
                                                   if quiet else ""), file=sys.stderr)
    for row in rows:
        if row[1] in ("failed", "error"):
            print(f"replay {row[0]}: {replay_command(args, row[0], where)}")
    if target is not None:
        every_flow = runs_every_flow([f.id for f in flows], getattr(args, "shard", None))
        for deviation in target_file.unused_deviations(target, {f.id for f in executable}):
            if every_flow:
                print(f"dpf: expected deviation {deviation.ticket} for {deviation.flow} was not used: remove it or "
                      "run the flow")
                failing += 1
            else:
                print(f"dpf: warning: expected deviation {deviation.ticket} for {deviation.flow} was not judged: "
                      "its flow is not in this run")
    environment = finish_results(args, out, rows, where)
    verdicts.add_evidence(judged, out)
    verdicts.align(out, judged)
    for verdict in judged:
        if verdict.trace:
            print(f"trace {verdict.id}: {out / verdict.trace[0]}  (dpf trace {verdict.id})")
    verdicts.write_results_json(out, judged, {"target": environment["target"], "kind": kind,
                                              "harness": environment["harness.version"],
                                              "commit": environment["harness.commit"]})
    (out / "last-run.json").write_text(json.dumps({"target": target_key, "kind": kind}), encoding="utf-8")
    prune_runs(RUNS_KEPT_PER_TARGET, target_key)
    if args.junit:
        shutil.copy2(out / "junit.xml", args.junit)
    if not args.no_report:
        make_html_report(out)
    leaked = bool(gate.check(out))
    hidden.close()
    if leaked and quiet:
        print(hidden_text.getvalue(), end="")
    if preflight_failed:
        return EXIT_PREFLIGHT
    finished = code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)
    return EXIT_OK if failing == 0 and finished and not leaked else EXIT_FAILED


def needs_accounts(keys: Sequence[str], target: target_file.TargetFile) -> str:
    tables = " and ".join(f"[accounts.{key}]" for key in keys)
    return f"needs {tables} in {target.path.name} (or mark the flow not-applicable there)"


def runs_every_flow(selected: Sequence[str], shard: object) -> bool:
    """Whether a run can judge every expected deviation: it selected all the flows (dpf certify's runs included) on
    one machine. A stale entry fails only such a run; a subset cannot tell a stale entry from one it did not run."""
    return set(selected) == {flow.id for flow in catalog.flows()} and not shard


def print_selection(flows: list[catalog.Flow], executable: list[catalog.Flow], not_applicable: list[catalog.Flow],
                    lacking: dict[str, list[str]], target: target_file.TargetFile | None) -> int:
    """`dpf run --list`: what the selection would run, and why not, without running anything."""
    rows = []
    for flow in flows:
        if flow in executable:
            state = "would run" + (" (optional)" if target and target.profile(flow.id).profile == "optional" else "")
        elif flow in not_applicable:
            state = f"not applicable: {target.profile(flow.id).reason}" if target else "not applicable"
        elif target is not None and flow.id in lacking:
            state = f"not run: {needs_accounts(lacking[flow.id], target)}"
        else:
            state = f"not run: not executable yet: {status_of(flow)}"
        rows.append((flow.id, state, flow.title))
    print_table(("ID", "State", "Title"), rows)
    print(f"\n{len(executable)} of {len(flows)} selected flow(s) would run")
    return EXIT_OK


def preflight_before_run(args: argparse.Namespace, where: str | None, executable: list[catalog.Flow]) -> str | None:
    """Against a deployed portal the preflight runs here, in seconds, before pytest starts; the reason it failed."""
    if not executable or not where or args.no_preflight:
        return None
    from fixtures import preflight  # the run's entry point calls into the plugin that checks the target
    from fixtures.personas import personas_from_env

    failure = preflight.preflight_before_run(where, [f.id for f in executable], personas_from_env())
    if failure is None:
        return None
    preflight.forget_preflight()
    return f"preflight failed ({failure.cause}): {failure}"


def forget_preflight(args: argparse.Namespace, where: str | None, executable: list[catalog.Flow]) -> None:
    if executable and where and not args.no_preflight:
        from fixtures import preflight

        preflight.forget_preflight()


def finish_results(args: argparse.Namespace, out: Path, rows: list[tuple[str, ...]], where: str | None) -> dict[str, str]:
    """Every selected flow in the Allure results and JUnit, the flow pages tidied, the run's environment recorded
    (and returned)."""
    results = out / "allure-results"
    ran_in_pytest = {f for f in (r[0] for r in rows)} & set(_result_flow_ids(results))
    not_run = [run_report.NotRun(row[0], row[1] if row[1] == "not applicable" else "not run", row[4])
               for row in rows if row[0] not in ran_in_pytest]
    run_report.add_not_run(results, out / "junit.xml", not_run)
    run_report.tidy(results)
    command = "dpf run " + " ".join([*args.ids, *(f"--group {g}" for g in args.group)]).strip()
    return run_report.write_run_info(results, where or "embedded reference portal", command.strip())


def _result_flow_ids(results: Path) -> list[str]:
    found = []
    for path in results.glob("*-result.json"):
        labels = json.loads(path.read_text(encoding="utf-8")).get("labels", [])
        found += [label["value"] for label in labels if label.get("name") == "as_id"]
    return found


def command_target_check(args: argparse.Namespace) -> int:
    today = datetime.date.today()
    try:
        target = target_file.load(Path(args.file), today=today)
    except target_file.TargetFileError as error:
        print("\n".join(f"dpf: {line}" for line in str(error).splitlines()), file=sys.stderr)
        return EXIT_USAGE
    profiles = {profile: [f for f, p in target.flows.items() if p.profile == profile] for profile in target_file.PROFILES}
    print(f"{args.file}: valid. Target {target.base_url}; accounts: {', '.join(sorted(target.accounts))}; "
          f"{len(profiles['optional'])} optional and {len(profiles['not-applicable'])} not-applicable flow(s); "
          f"{len(target.testid_overrides) + len(target.route_overrides)} override(s); "
          f"{len(target.deviations)} expected deviation(s)")
    if target.go_live is not None:
        print(f"DPF-34 checks the partner's own integration: client {target.go_live.client_id}")
    for deviation in target_file.expiring_soon(target, today):
        print(f"dpf: warning: expected deviation {deviation.ticket} for {deviation.flow} expires on {deviation.expires}",
              file=sys.stderr)
    for flow in catalog.flows():
        if target.profile(flow.id).profile != "not-applicable" and (keys := target.missing_accounts(flow.id)):
            print(f"dpf: warning: {flow.id} will not run: it {needs_accounts(keys, target)}", file=sys.stderr)
    return EXIT_OK


# ---------------------------------------------------------------- report


RUNS_KEPT_PER_TARGET = 20


def run_folder(target_key: str, kind: str) -> Path:
    """`reports/runs/<time>-<target>-<kind>/`, so no run overwrites another's report; DPF_REPORTS_DIR names the one
    folder to write to instead."""
    base = reports_dir()
    if os.environ.get("DPF_REPORTS_DIR"):
        base.mkdir(parents=True, exist_ok=True)
        return base
    name = f"{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}-{target_key}-{kind}"
    out = base / "runs" / name
    suffix = 1
    while out.exists():  # two runs in one second
        suffix += 1
        out = base / "runs" / f"{name}-{suffix}"
    out.mkdir(parents=True)
    return out


def point_latest(out: Path) -> None:
    """`reports/latest` -> this run: only a run that runs flows moves it, so a preflight that failed or a selection
    of pending flows does not hide the last report worth reading."""
    base = reports_dir()
    if os.environ.get("DPF_REPORTS_DIR") or out.parent != base / "runs":
        return
    pointer = base / f".latest-{os.getpid()}"
    pointer.unlink(missing_ok=True)
    pointer.symlink_to(Path("runs") / out.name)
    os.replace(pointer, base / "latest")


def prune_runs(keep: int, target_key: str | None = None) -> list[Path]:
    """Delete all but the newest `keep` run folders of each target (of `target_key` only, when given); the folder
    `reports/latest` points at is kept. Certification bundles are written elsewhere (--out) and never touched."""
    runs, base = reports_dir() / "runs", reports_dir()
    if os.environ.get("DPF_REPORTS_DIR") or not runs.is_dir():
        return []
    latest = (base / "latest").resolve() if (base / "latest").exists() else None
    by_target: dict[str, list[Path]] = {}
    for folder in sorted(runs.iterdir(), key=lambda path: path.name, reverse=True):
        if folder.is_dir() and not folder.is_symlink():
            by_target.setdefault(_run_target(folder), []).append(folder)
    removed = []
    for key, folders in by_target.items():
        if target_key is not None and key != target_key:
            continue
        for folder in folders[keep:]:
            if folder.resolve() != latest:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def _run_target(folder: Path) -> str:
    try:
        return str(json.loads((folder / "last-run.json").read_text(encoding="utf-8"))["target"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"


def command_trace(args: argparse.Namespace) -> int:
    """The last run's trace of a flow, in Playwright's own trace viewer (it runs here, offline)."""
    flow_id = normalise_flow_id(args.flow)
    if flow_id not in catalog.by_id():
        raise UsageError(catalog.unknown_id_message(flow_id))
    out = last_run_folder()
    try:
        recorded = json.loads((out / verdicts.RESULTS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError(f"no {verdicts.RESULTS_JSON} in {out}: run the flow first") from None
    traces = [path for flow in recorded.get("flows", []) if flow.get("id") == flow_id for path in flow.get("trace", [])]
    if not traces:
        raise UsageError(f"the last run ({out}) kept no trace of {flow_id}: a trace is kept when a flow fails, or for "
                         f"every flow with `dpf run {flow_id} --tracing on`")
    command = [sys.executable, "-m", "playwright", "show-trace", str(out / traces[0])]
    if args.host:
        command += ["--host", args.host]
    if args.port is not None:
        command += ["--port", str(args.port)]
    print(f"dpf: {' '.join(command[2:])}", flush=True)
    return subprocess.call(command)


def command_clean(args: argparse.Namespace) -> int:
    if args.keep < 0:
        raise UsageError("--keep must be 0 or more")
    removed = prune_runs(args.keep)
    print(f"dpf clean: removed {len(removed)} run folder(s) from {reports_dir() / 'runs'}, kept the newest "
          f"{args.keep} of each target")
    return EXIT_OK


def last_run_folder() -> Path:
    base = reports_dir()
    latest = base / "latest"
    return latest.resolve() if not os.environ.get("DPF_REPORTS_DIR") and latest.exists() else base


def make_html_report(out: Path) -> bool:
    """The HTML report of a run's results, its history kept per target and kind of run (reports/history/)."""
    results, html = out / "allure-results", out / "allure-report"
    if not results.is_dir():
        print(f"dpf report: no results in {results}; run `dpf run` first", file=sys.stderr)
        return False
    if shutil.which("node") is None:
        print(f"dpf report: Node.js is not installed, so no HTML report was made; the results are in {results}")
        return False
    command = allure_command()
    if command is None:
        print("dpf report: the Allure command line is not installed (npm install -g allure), so no HTML report was "
              f"made; the results are in {results}")
        return False
    shutil.rmtree(html, ignore_errors=True)  # a report of the last run only, with no pages left from older ones
    last_run = out / "last-run.json"
    run = json.loads(last_run.read_text(encoding="utf-8")) if last_run.exists() else {}
    target_key, kind = run.get("target", history.EMBEDDED), run.get("kind", "all")
    history_file = history.history_path(reports_dir(), target_key, kind)
    config = history.report_config(installation.ALLURE_CONFIG, out, history_file, run_report.CATEGORIES)
    done = subprocess.run(
        [*command, "generate", str(results), "--output", str(html), "--config", str(config)],
        cwd=out,
        capture_output=True,
        text=True,
    )
    # Allure 3 exits 0 when a plugin fails, so the page itself is the proof that a report was made
    if done.returncode != 0 or not (html / "index.html").is_file():
        why = "\n".join(line for line in f"{done.stdout}\n{done.stderr}".splitlines() if "error" in line.lower())
        print(f"dpf report: no HTML report was made (allure generate exited {done.returncode}):\n"
              f"{why or done.stdout + done.stderr}".rstrip(), file=sys.stderr)
        return False
    history.tag_last_entry(history_file, target_key, kind)
    print(f"dpf report: HTML report in {html}/index.html; JUnit XML in {out / 'junit.xml'}")
    return True


def command_report(args: argparse.Namespace) -> int:
    out = last_run_folder()
    if getattr(args, "merge", None):
        out = Path(args.out) if args.out else reports_dir() / "merged"
        try:
            cases = shards.merge([Path(folder) for folder in args.merge], out)
        except shards.ShardError as error:
            raise UsageError(str(error)) from None
        print(f"dpf report: {cases} flow(s) of {len(args.merge)} shard(s) merged into {out}")
    if not make_html_report(out):
        return EXIT_FAILED
    if args.open:
        command = allure_command()
        assert command is not None
        return subprocess.call([*command, "open", str(out / "allure-report")], cwd=out)
    return EXIT_OK


# ---------------------------------------------------------------- portal


def command_portal(args: argparse.Namespace) -> int:
    import logging

    require_reference_portal("dpf portal serves the reference portal")
    from reference_portal import Config, create_app
    from reference_portal.serve import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(Config.from_env(database=args.db))
    serve_forever(app, args.host, args.port)
    return EXIT_OK


# ---------------------------------------------------------------- shared


def require_reference_portal(what: str) -> None:
    """One line naming the extra, where the harness is installed without the reference portal's libraries."""
    try:
        installation.check_reference_portal()
    except PortalNotInstalled as error:
        raise UsageError(f"{what}, and {error}") from None


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(str(r[i])) for r in rows)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


class _PrintVersion(argparse.Action):
    """--version, which asks git for the commit only when given."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"dpf {run_report.harness_version()} (commit {run_report.commit()})")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    letters = [g.letter for g in catalog.groups()]
    parser = _Parser(prog="dpf", description="Developer portal flow playbooks (DPF-01 to DPF-34).")
    parser.add_argument("--version", action=_PrintVersion, nargs=0, help="print the harness's version and commit")
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
    run.add_argument("--shard", type=shards.parse_shard, metavar="I/N", help="run only shard I of N of the selected "
                     "flows (split by flow ID, the same on every machine); merge with dpf report --merge")
    run.add_argument("--browser-ws-endpoint", metavar="URL", help="a Playwright browser server to connect to instead "
                     "of starting Chromium here (default: DPF_BROWSER_WS)")
    run.add_argument("--no-report", action="store_true", help="skip making the HTML report")
    run.add_argument("--list", action="store_true", help="say which selected flows would run, and why not, and stop")
    run.add_argument("--junit", metavar="PATH", help="also write the run's JUnit XML here (for a CI's test report)")
    run.add_argument("--target", metavar="FILE", help="a partner's target file (TOML): portal, accounts, profiles, "
                     "overrides and expected deviations")
    run.add_argument("--via", metavar="URL", help="reach the target file's portal through this address instead (the "
                     "proxy of dpf selftest)")
    run.add_argument("--slowmo", type=int, default=0, metavar="MS", help="slow each browser action down by MS")
    run.add_argument("--tracing", choices=("on", "off", "retain-on-failure"),
                     help="keep the Playwright trace of every flow (on) or of failed ones (the default)")
    # not offered: a video would show one-time secrets unmasked; asked for anyway, it is refused with that reason
    run.add_argument("--video", nargs="?", const="on", help=argparse.SUPPRESS)
    run.add_argument("--webhook-port", type=int, metavar="PORT",
                     help="the local webhook receiver's port (default: DPF_WEBHOOK_PORT, else a free one)")
    run.add_argument("--ca-file", metavar="FILE", help="trust the certificate authorities in this PEM file (a portal "
                     "with a private or self-signed certificate); the report records it")
    run.add_argument("-v", "--verbose", action="store_true", help="when the target cannot be reached or refuses an "
                     "account, print the flows' table and the report as well as the one line that says why")
    run.add_argument("--no-preflight", action="store_true",
                     help="skip the checks of the target and the accounts before the flows")
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
    report.add_argument("--merge", nargs="+", metavar="DIR", help="the result folders of several shards: one report")
    report.add_argument("--out", metavar="DIR", help="where --merge writes (default: reports/merged)")
    report.set_defaults(handler=command_report)

    trace = commands.add_parser("trace", help="open the last run's trace of a flow in Playwright's trace viewer")
    trace.add_argument("flow", metavar="DPF-NN")
    trace.add_argument("--host", help="serve the viewer on this address (for a browser on another machine)")
    trace.add_argument("--port", type=int, help="serve the viewer on this port (0: any free one)")
    trace.set_defaults(handler=command_trace)

    clean = commands.add_parser("clean", help="delete old run folders under reports/runs")
    clean.add_argument("--keep", type=int, default=RUNS_KEPT_PER_TARGET, metavar="N",
                       help=f"the newest N runs of each target are kept (default {RUNS_KEPT_PER_TARGET}, as after "
                            "every run)")
    clean.set_defaults(handler=command_clean)

    selftest.add_parser(commands)  # dpf selftest [--base-url URL --i-own-this-target] [DPF-NN ...] [--faults ...]
    certification.add_parser(commands)  # dpf certify [--target FILE | --base-url URL] --out DIR; dpf certify verify DIR
    soak.add_command(commands, letters)  # dpf soak [N] [DPF-NN...] [--workers 1,2]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passed_on = argv[argv.index("--") + 1:] if "--" in argv else []  # `dpf run DPF-07 -- -x -k name`: to pytest
    argv = argv[:argv.index("--")] if "--" in argv else argv
    try:
        args = build_parser().parse_args(argv)
        args.pytest_args = passed_on
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
