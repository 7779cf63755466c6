"""`dpf selftest`: the flows shown to catch faults on the portal they certify, not only on the reference portal.

A fault-injecting proxy (fault_proxy.py) stands in front of the target. Each selected flow runs once clean through it
and then once per fault of playbooks/faults.toml that names it, each run a `dpf run` of its own. A fault is caught
when the flow fails (a check did not hold, not the playbook's own error); a flow that fails clean is not judged. The
exit code is 0 only when every judged fault is caught.

Against a deployed portal the proxy passes the flows' own requests and nothing else, but a fault still changes what
they do there (an action not forwarded, a page kept in a cache), so it refuses to start unless told the target is
yours (--i-own-this-target). The embedded reference portal needs no confirmation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from playbooks.harness import catalog
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


def add_parser(commands: Any) -> None:
    selftest = commands.add_parser("selftest", help="inject faults in front of a portal and show the flows catch them")
    selftest.add_argument("ids", nargs="*", metavar="DPF-NN", help="flows to judge (default: every flow a fault names)")
    selftest.add_argument("--base-url", help="a deployed portal (with --i-own-this-target); default: the embedded one")
    selftest.add_argument("--faults", metavar="NAME,...", help="only these faults of playbooks/faults.toml")
    selftest.add_argument(CONFIRMATION, dest="owns_target", action="store_true",
                          help="the target is yours to put faults in front of (required with --base-url)")
    selftest.set_defaults(handler=command_selftest)


def command_selftest(args: argparse.Namespace) -> int:
    flow_ids = [normalise_flow_id(i) for i in args.ids]
    try:
        unknown = sorted(set(flow_ids) - {flow.id for flow in catalog.flows()})
        if unknown:
            raise SelftestError(f"no flow {', '.join(unknown)}: the flows are DPF-01 to DPF-34")
        faults = chosen_faults(load_faults(), args.faults, flow_ids)
        if args.base_url and not args.owns_target:
            raise SelftestError(f"a selftest puts faults in front of {args.base_url}: the flows' actions there may not "
                                f"happen or be kept in caches. Confirm the target is yours with {CONFIRMATION}")
        with _upstream(args.base_url) as upstream, FaultProxy(upstream) as proxy:
            results = judge(proxy, faults, flow_ids, args.pytest_args)
    except (SelftestError, FaultsError, ValueError) as error:
        print(f"dpf: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(table(results))
    judged = [r for r in results if r.fault and r.outcome != "not judged"]
    return EXIT_OK if judged and all(r.outcome == "caught" for r in judged) else EXIT_MISSED


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


@contextlib.contextmanager
def _upstream(base_url: str | None) -> Iterator[str]:
    if base_url:
        yield base_url.rstrip("/")
        return
    from fixtures.target import embedded_portal

    with embedded_portal() as url:
        yield url


def judge(proxy: FaultProxy, faults: list[Fault], flow_ids: list[str], pytest_args: list[str]) -> list[Judged]:
    flows = flow_ids or sorted({flow_id for fault in faults for flow_id in fault.flows})
    results = []
    for flow_id in flows:
        proxy.fault = None
        clean, message = run_flow(flow_id, proxy.url, pytest_args)
        results.append(Judged(flow_id, "", clean, message))
        for fault in (f for f in faults if flow_id in f.flows):
            if clean != "passed":
                results.append(Judged(flow_id, fault.name, "not judged", f"the flow is {clean} without a fault"))
                continue
            proxy.fault = fault
            verdict, message = run_flow(flow_id, proxy.url, pytest_args)
            outcome = "caught" if verdict == "failed" else "missed"
            results.append(Judged(flow_id, fault.name, outcome, message if outcome == "caught" else
                                  f"the flow was {verdict} while {fault.promise!r} was broken"))
        proxy.fault = None
    return results


def run_flow(flow_id: str, base_url: str, pytest_args: list[str]) -> tuple[str, str]:
    """One `dpf run` of the flow through the proxy, with only its verdict kept: (verdict, message)."""
    with tempfile.TemporaryDirectory(prefix="dpf-selftest-") as work:
        command = dpf_command("run", flow_id, "--base-url", base_url, "--no-report", "--", "--dpf-evidence=verdict",
                              *pytest_args)
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


def table(results: list[Judged]) -> str:
    rows = [f"{'flow':7} {'fault':45} {'result':11} why"]
    for r in results:
        title = catalog.get(r.flow_id).title
        rows.append(f"{r.flow_id:7} {r.fault or '(clean: ' + title[:36] + ')':45} {r.outcome:11} {r.message[:160]}")
    judged = [r for r in results if r.fault and r.outcome != "not judged"]
    caught = sum(r.outcome == "caught" for r in judged)
    not_judged = sum(r.outcome == "not judged" for r in results)
    rows.append(f"score: {caught} of {len(judged)} judged faults caught" + (f"; {not_judged} not judged" if not_judged else ""))
    return "\n".join(rows)
