"""The reference portal as a long-lived shared target, measured against a floor from the same run.

For each server (the standard library's, and waitress as the documented production option) it measures, on a
portal in its own process:
- descriptors and resident memory after a warm-up and after 20,000 more requests (ratio after/before);
- 16 concurrent API clients for 30 s: errors, calls/s, p99, and whether the usage log counts every call,
  against the same 16 clients on a bare WSGI app served the same way (ratios portal/bare);
and once, the webhook fairness delay: how late another organisation's delivery arrives while one endpoint hangs or
a backlog of 600 drains, against the same delivery with the worker idle.

    python benchmarks/portal_load.py [--requests 20000] [--clients 16] [--seconds 30] [--servers stdlib,waitress]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_report import write_section  # noqa: E402
from fixtures.html_forms import elements_by_testid, hidden_fields  # noqa: E402

DEVELOPER = ("dev@example.com", os.environ.get("DPF_DEMO_DEVELOPER_PASSWORD", "developer-demo-pass"))
WORKERS = 32
WARM_UP = 2_000


def bare_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The floor: a WSGI app that does nothing but answer."""
    body = b'{"status": "ok"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _serve_bare_with_stdlib(port: int) -> None:
    from reference_portal.serve import PooledWSGIServer, QuietRequestHandler

    server = PooledWSGIServer(("127.0.0.1", port), QuietRequestHandler, workers=WORKERS)
    server.set_app(bare_app)
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A portal (or the bare app) in its own process, on a free port."""

    def __init__(self, kind: str, *, bare: bool, database: str):
        self.port = free_port()
        python = sys.executable
        if kind == "stdlib" and bare:
            command = [python, "-c", f"from benchmarks.portal_load import _serve_bare_with_stdlib as s; s({self.port})"]
        elif kind == "stdlib":
            command = [python, "-c", "from playbooks.harness.cli import main; raise SystemExit(main())",
                       "portal", "--port", str(self.port), "--db", database]
        else:
            target = "benchmarks.portal_load:bare_app" if bare else "reference_portal.wsgi:app"
            command = [python, "-m", "waitress", f"--listen=127.0.0.1:{self.port}", f"--threads={WORKERS}", target]
        env = {**os.environ, "DPF_PORTAL_DB": database, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{' '.join(command)} exited with {self.process.returncode}") from None
            time.sleep(0.1)
        raise RuntimeError(f"{self.url} did not answer within 30 s")

    def descriptors(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def resident_kib(self) -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def healthz_requests(port: int, count: int, threads: int = 4) -> float:
    """count GETs of /healthz, each on a new connection; returns requests per second."""

    def share(n: int) -> None:
        for _ in range(n):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            if conn.getresponse().status != 200:
                raise RuntimeError("/healthz did not answer 200")
            conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(share, [count // threads] * threads))
    return count / (time.perf_counter() - started)


def concurrent_clients(url: str, path: str, tokens: list[str], seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = 0
    calls: list[int] = []
    lock = threading.Lock()

    def client(token: str) -> int:
        nonlocal errors
        made = 0
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    ok = http.get(path).status_code == 200
                except httpx.TransportError:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - started)
                    errors += not ok
                made += 1
        return made

    started = time.perf_counter()
    with ThreadPoolExecutor(len(tokens)) as pool:
        calls = list(pool.map(client, tokens))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"calls": calls, "errors": errors, "per_second": sum(calls) / elapsed,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def make_tokens(url: str, database: str, count: int) -> tuple[list[str], list[int]]:
    """Sign in over HTTP, make `count` sandbox applications with the contract's form, and a token for each."""
    tokens, ids = [], []
    with httpx.Client(base_url=url, timeout=30) as portal:
        page = portal.get("/login")
        portal.post("/login", data={**hidden_fields(page.text, "/login"), "email": DEVELOPER[0],
                                    "password": DEVELOPER[1]})
        for number in range(count):
            form = portal.get("/app/apps/new")
            created = portal.post("/app/apps", data={
                **hidden_fields(form.text, "/app/apps"), "name": f"bench-{number}-{os.getpid()}",
                "callback_url": "https://example.com/callback", "environment": "sandbox", "description": ""})
            client_id = elements_by_testid(created.text, "client-id")[0]["text"]
            secret = elements_by_testid(created.text, "one-time-secret")[0]["text"]
            granted = httpx.post(url + "/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=(client_id, secret), timeout=30)
            tokens.append(granted.json()["access_token"])
    with sqlite3.connect(database) as db:  # the benchmark's own portal: lift the per-minute limit it is not measuring
        db.execute("UPDATE applications SET rate_limit_per_minute = 1000000000")
        ids = [row[0] for row in db.execute("SELECT id FROM applications WHERE name LIKE 'bench-%' ORDER BY id")]
    return tokens, ids


def measure_server(kind: str, requests: int, clients: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "portal.sqlite3")
        bare = Server(kind, bare=True, database=database + ".bare")
        try:
            bare_load = concurrent_clients(bare.url, "/healthz", ["-"] * clients, seconds)
        finally:
            bare.stop()
        portal = Server(kind, bare=False, database=database)
        try:
            healthz_requests(portal.port, WARM_UP)
            before = (portal.descriptors(), portal.resident_kib())
            healthz_rate = healthz_requests(portal.port, requests)
            after = (portal.descriptors(), portal.resident_kib())
            tokens, app_ids = make_tokens(portal.url, database, clients)
            load = concurrent_clients(portal.url, "/api/v1/accounts/balances", tokens, seconds)
            with sqlite3.connect(database) as db:
                logged = [db.execute("SELECT COUNT(*) FROM api_calls WHERE application_id = ? AND route ="
                                     " '/api/v1/accounts/balances'", (app_id,)).fetchone()[0] for app_id in app_ids]
        finally:
            portal.stop()
    return {
        "requests": requests,
        "descriptors_before": before[0], "descriptors_after": after[0],
        "descriptors_ratio": round(after[0] / before[0], 3),
        "memory_mib_before": round(before[1] / 1024, 1), "memory_mib_after": round(after[1] / 1024, 1),
        "memory_ratio": round(after[1] / before[1], 3),
        "healthz_per_second": round(healthz_rate),
        "clients": clients, "seconds": seconds,
        "api_calls": sum(load["calls"]), "api_errors": load["errors"],
        "api_per_second": round(load["per_second"], 1), "bare_per_second": round(bare_load["per_second"], 1),
        "throughput_ratio": round(load["per_second"] / bare_load["per_second"], 3),
        "api_p99_ms": round(load["p99_ms"], 1), "bare_p99_ms": round(bare_load["p99_ms"], 1),
        "p99_ratio": round(load["p99_ms"] / bare_load["p99_ms"], 2),
        "usage_log_exact": logged == load["calls"],
    }


def fairness(runs: int = 5) -> dict[str, Any]:
    """Another organisation's delivery delay while one endpoint hangs or a backlog drains, against the same
    delivery with the worker idle; medians of `runs`."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reference_portal" / "webhooks"))
    from fairness import measure_fairness_delay

    def median(**options: Any) -> float:
        return statistics.median(measure_fairness_delay(**options) for _ in range(runs))

    idle = median()
    hanging = median(slow_endpoints=1)
    backlog = median(backlog=600)
    return {"idle_ms": round(idle * 1000, 1), "hanging_endpoint_ms": round(hanging * 1000, 1),
            "backlog_600_ms": round(backlog * 1000, 1), "hanging_ratio": round(hanging / idle, 2),
            "backlog_ratio": round(backlog / idle, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--servers", default="stdlib,waitress")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    for kind in args.servers.split(","):
        figures[kind] = measure_server(kind, args.requests, args.clients, args.seconds)
        print(kind, figures[kind], flush=True)
    figures["webhook_fairness"] = fairness()
    print("webhook_fairness", figures["webhook_fairness"], flush=True)
    path = write_section("portal_load", figures, packages=("waitress",))
    print(f"written to {path}")
    servers = [figures[kind] for kind in args.servers.split(",")]
    healthy = all(f["api_errors"] == 0 and f["usage_log_exact"] and f["descriptors_ratio"] < 1.1 for f in servers)
    healthy = healthy and figures["webhook_fairness"]["hanging_endpoint_ms"] < 1000
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
