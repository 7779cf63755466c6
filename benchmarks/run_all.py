"""Every benchmark, one after another; each writes its section of reports/bench.json (machine, versions, date).

    python benchmarks/run_all.py [--quick]

--quick runs each at a small size, to check that they work, and writes to a temporary folder instead of reports/
(the figures then mean little). portal_load.py is left out of it: its webhook fairness part alone takes minutes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ["conformance.py"],
    ["portal_load.py"],
    ["webhook_latency.py"],
    ["fuzz_api.py"],
]
QUICK = [
    ["conformance.py", "DPF-12", "--parts", "serial,dpf12"],
    ["webhook_latency.py", "--events", "20", "--seconds", "3"],
    ["fuzz_api.py", "--examples", "5"],
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small size of each, to check that they work")
    args = parser.parse_args(argv)
    failed = []
    env = dict(os.environ)
    if args.quick:
        env["DPF_REPORTS_DIR"] = tempfile.mkdtemp(prefix="dpf-bench-quick-")
    for command in QUICK if args.quick else FULL:
        print(f"== {' '.join(command)}", flush=True)
        if subprocess.call([sys.executable, str(HERE / command[0]), *command[1:]], env=env) != 0:
            failed.append(command[0])
    if args.quick:
        print(f"figures of the quick run: {env['DPF_REPORTS_DIR']}/bench.json")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
