"""`dpf selftest`: the flows shown to catch faults on the portal they certify, not only on the reference portal.

A fault-injecting proxy (fault_proxy.py) stands in front of the target. Each selected flow runs once clean through a
proxy of its own and then once per fault of playbooks/faults.toml that names it, each run a `dpf run` of its own;
flows run side by side (--workers). A fault is caught when the flow fails (a check did not hold, not the playbook's
own error); a flow that fails clean is not judged, nor is a fault acting on a test ID or route the target file
overrides (its markup is not the contract's there). The exit code is 0 only when every judged fault is caught.

Against a deployed portal the proxy passes the flows' own requests and nothing else, but a fault still changes what
they do there (an action not forwarded, a page kept in a cache), so it refuses to start unless told the target is
yours: --i-own-this-target, or `i_own_this_target = true` in the target file. The embedded reference portal needs
no confirmation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

from playbooks.harness import catalog, target_file
from playbooks.harness.fault_proxy import FaultProxy
from playbooks.harness.faults import Fault, FaultsError, load_faults
from playbooks.harness.flow_ids import normalise as normalise_flow_id
from playbooks.harness.installation import dpf_command
from playbooks.harness.verdicts import RESULTS_JSON

EXIT_OK, EXIT_MISSED, EXIT_USAGE = 0, 1, 4
CONFIRMATION = "--i-own-this-target"


class SelftestError(Exception):
    pass


@dataclass(frozen=True)
class Judged:
    flow_id: str
    fault: str  # "" for the clean run
    outcome: str  # clean run: passed or the verdict; fault: caught, missed or not judged
    message: str = ""
    promise: str = ""


@dataclass(frozen=True)
class Target:
    """Where the flows run: the portal's address, the target file they run with (None: --base-url or embedded), and
    the certificate authorities the proxy trusts for it (a path, or True: the system's)."""

    upstream: str
    file: target_file.TargetFile | None = None
    verify: bool | str = True

    def run_arguments(self, proxy_url: str) -> list[str]:
        if self.file is None:
            return ["--base-url", proxy_url]
        return ["--target", str(self.file.path), "--via", proxy_url]

    def overridden(self, fault: Fault) -> str:
        """Why the target's markup puts the fault out of play ("" when it does not)."""
        if self.file is None:
            return ""
        if fault.testid in self.file.testid_overrides:
            return f"the target file overrides test ID {fault.testid}"
        routes = {fault.route, fault.to_route} & set(self.file.route_overrides)
        return f"the target file overrides route {', '.join(sorted(routes))}" if routes else ""


def add_parser(commands: Any) -> None:
    selftest = commands.add_parser("selftest", help="inject faults in front of a portal and show the flows catch them")
    selftest.add_argument("ids", nargs="*", metavar="DPF-NN", help="flows to judge (default: every flow a fault names)")
    where = selftest.add_mutually_exclusive_group()
    where.add_argument("--target", metavar="FILE", help="a partner's target file (with i_own_this_target = true, or "
                                                        f"{CONFIRMATION})")
    where.add_argument("--base-url", help=f"a deployed portal (with {CONFIRMATION}); default: the embedded one")
    selftest.add_argument("--faults", metavar="NAME,...", help="only these faults of playbooks/faults.toml")
    selftest.add_argument("--workers", type=int, default=2, help="judge N flows side by side (default 2)")
    selftest.add_argument("--json", metavar="FILE", help="also write the table and the score as JSON here")
    selftest.add_argument("--ca-file", metavar="FILE", help="trust the certificate authorities in this PEM file (a "
                                                            "portal with a private CA; a target file's ca_file too)")
    selftest.add_argument(CONFIRMATION, dest="owns_target", action="store_true",
                          help="the target is yours to put faults in front of")
    selftest.set_defaults(handler=command_selftest)


def command_selftest(args: argparse.Namespace) -> int:
    flow_ids = [normalise_flow_id(i) for i in args.ids]
    try:
        unknown = sorted(set(flow_ids) - {flow.id for flow in catalog.flows()})
        if unknown:
            raise SelftestError(f"no flow {', '.join(unknown)}: the flows are DPF-01 to DPF-34")
        if args.workers < 1:
            raise SelftestError("--workers must be 1 or more")
        faults = chosen_faults(load_faults(), args.faults, flow_ids)
        file = target_file.load(Path(args.target)) if args.target else None
        deployed = args.base_url or (file.base_url if file else None)
        if deployed and not (args.owns_target or (file is not None and file.owner_confirmed)):
            raise SelftestError(f"a selftest puts faults in front of {deployed}: the flows' actions there may not "
                                f"happen or be kept in caches. Confirm the target is yours with {CONFIRMATION}, or "
                                f"i_own_this_target = true in the target file's [target] table")
        flows = [f for f in flow_ids or _named(faults) if file is None or file.profile(f).profile != "not-applicable"]
        if not flows:
            raise SelftestError(f"the target file marks every chosen flow not-applicable: {', '.join(flow_ids)}")
        ca_file = args.ca_file or (file.ca_file if file else None)
        if ca_file and not Path(ca_file).is_file():
            raise SelftestError(f"--ca-file {ca_file}: no such file")
        with _upstream(deployed) as upstream:
            target = Target(upstream, file, str(ca_file) if ca_file else True)
            results = judge(target, faults, flows, args.pytest_args, args.workers)
    except (SelftestError, FaultsError, target_file.TargetFileError, ValueError) as error:
        print(f"dpf: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(as_data(results), indent=2) + "\n", encoding="utf-8")
    return EXIT_OK if all_caught(results) else EXIT_MISSED


def chosen_faults(faults: list[Fault], names: str | None, flow_ids: list[str]) -> list[Fault]:
    if names:
        wanted = [name.strip() for name in names.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {fault.name for fault in faults})
        if unknown:
            raise SelftestError(f"no fault {', '.join(unknown)} in playbooks/faults.toml")
        faults = [fault for fault in faults if fault.name in wanted]
    if flow_ids:
        faults = [fault for fault in faults if set(fault.flows) & set(flow_ids)]
    if not faults:
        raise SelftestError("no fault of playbooks/faults.toml names the chosen flows")
    return faults


def _named(faults: list[Fault]) -> list[str]:
    return sorted({flow_id for fault in faults for flow_id in fault.flows})


@contextlib.contextmanager
def _upstream(base_url: str | None) -> Iterator[str]:
    if base_url:
        yield base_url.rstrip("/")
        return
    from fixtures.target import embedded_portal

    with embedded_portal() as url:
        yield url


def judge(target: Target, faults: list[Fault], flow_ids: list[str], pytest_args: list[str],
          workers: int = 1) -> list[Judged]:
    """Every chosen flow a fault names judged against its faults, flows side by side on `workers` threads (each a
    proxy of its own); the results in flow order."""
    flows = [flow_id for flow_id in flow_ids if any(flow_id in fault.flows for fault in faults)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        per_flow = pool.map(lambda flow_id: judge_flow(target, flow_id, [f for f in faults if flow_id in f.flows],
                                                       pytest_args), flows)
        return [judged for results in per_flow for judged in results]


def judge_flow(target: Target, flow_id: str, faults: list[Fault], pytest_args: list[str]) -> list[Judged]:
    with FaultProxy(target.upstream, verify=target.verify) as proxy:
        clean, message = run_flow(flow_id, target.run_arguments(proxy.url), pytest_args)
        results = [Judged(flow_id, "", clean, message)]
        for fault in faults:
            out_of_play = target.overridden(fault) or (f"the flow is {clean} without a fault" if clean != "passed" else "")
            if out_of_play:
                results.append(Judged(flow_id, fault.name, "not judged", out_of_play, fault.promise))
                continue
            proxy.fault = fault
            verdict, message = run_flow(flow_id, target.run_arguments(proxy.url), pytest_args)
            proxy.fault = None
            outcome = "caught" if verdict == "failed" else "missed"
            print(f"dpf selftest: {flow_id} {fault.name}: {outcome}", file=sys.stderr, flush=True)
            why = message if outcome == "caught" else f"the flow was {verdict} while {fault.promise!r} was broken" + (
                f" ({message})" if message else "")
            results.append(Judged(flow_id, fault.name, outcome, why, fault.promise))
    return results


def run_flow(flow_id: str, where: list[str], pytest_args: list[str]) -> tuple[str, str]:
    """One `dpf run` of the flow through the proxy, with only its verdict kept: (verdict, message)."""
    with tempfile.TemporaryDirectory(prefix="dpf-selftest-") as work:
        command = dpf_command("run", flow_id, *where, "--no-report", "--", "--dpf-evidence=verdict", *pytest_args)
        done = subprocess.run(command, env={**os.environ, "DPF_REPORTS_DIR": work}, capture_output=True, text=True,
                              check=False)
        results = Path(work) / RESULTS_JSON
        if not results.is_file():
            lines = (done.stderr or done.stdout).strip().splitlines()
            return "not run", lines[-1] if lines else f"dpf run exited {done.returncode}"
        flow = next((f for f in json.loads(results.read_text(encoding="utf-8"))["flows"] if f["id"] == flow_id), None)
    if flow is None:
        return "not run", "the run has no result for the flow"
    return flow["verdict"], flow["message"].splitlines()[0] if flow["message"] else ""


def score(results: list[Judged]) -> dict[str, int]:
    judged = [r for r in results if r.fault and r.outcome != "not judged"]
    return {"caught": sum(r.outcome == "caught" for r in judged), "judged": len(judged),
            "not_judged": sum(r.fault != "" and r.outcome == "not judged" for r in results),
            "flows_failing_clean": sum(not r.fault and r.outcome != "passed" for r in results)}


def all_caught(results: list[Judged]) -> bool:
    counts = score(results)
    return counts["judged"] > 0 and counts["caught"] == counts["judged"]


def score_line(results: list[Judged]) -> str:
    counts = score(results)
    line = f"score: {counts['caught']} of {counts['judged']} judged faults caught"
    return line + (f"; {counts['not_judged']} not judged" if counts["not_judged"] else "")


def as_data(results: list[Judged]) -> dict[str, Any]:
    return {"score": score(results), "score_line": score_line(results), "all_caught": all_caught(results),
            "results": [asdict(r) for r in results]}


def table(results: list[Judged]) -> str:
    rows = [f"{'flow':7} {'fault':45} {'result':11} why"]
    for r in results:
        title = catalog.get(r.flow_id).title
        rows.append(f"{r.flow_id:7} {r.fault or '(clean: ' + title[:36] + ')':45} {r.outcome:11} {r.message[:160]}")
    return "\n".join([*rows, score_line(results)])
