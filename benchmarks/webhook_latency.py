"""Webhook delivery latency and the portal's peak memory under load, each against a floor from the same run.

On the reference portal in its own process (`dpf portal`, as portal_load.py starts it):
- webhook latency: p50 and p99 from the API call that raised an event (a payment) to the delivery's arrival at a
  receiver on this machine, against the floor of the same receiver reached by a bare POST from this process
  (ratio portal/floor). Target: p50 under 200 ms here.
- peak memory: the portal's peak resident memory (VmHWM) after 16 API clients for some seconds, against a bare
  WSGI app served the same way under the same load (ratio).

    python benchmarks/webhook_latency.py [--events 200] [--clients 16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_report import write_section  # noqa: E402
from benchmarks.portal_load import DEVELOPER, Server, concurrent_clients, make_tokens  # noqa: E402
from fixtures.html_forms import hidden_fields  # noqa: E402


class Receiver:
    """Records when each delivery arrived, by the ID of the payment it is about (or the floor's own ID)."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                moment = time.perf_counter()
                self.send_response(204)
                self.end_headers()
                try:
                    key = str(json.loads(body).get("data", {}).get("id"))
                except (ValueError, AttributeError):
                    return
                with receiver.arrived:
                    receiver.arrivals[key] = moment
                    receiver.arrived.notify_all()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, key: str, timeout: float = 30) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: key in self.arrivals, timeout):
                raise RuntimeError(f"no delivery about {key} within {timeout} s")
            return self.arrivals[key]

    def stop(self) -> None:
        self.server.shutdown()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * share)) - 1)]


def add_endpoint(url: str, receiver_url: str) -> None:
    with httpx.Client(base_url=url, timeout=30) as portal:
        page = portal.get("/login")
        portal.post("/login", data={**hidden_fields(page.text, "/login"), "email": DEVELOPER[0],
                                    "password": DEVELOPER[1]})
        form = portal.get("/app/webhooks")
        answer = portal.post("/app/webhooks", data={**hidden_fields(form.text, "/app/webhooks"), "url": receiver_url,
                                                     "event_types": ["payment.succeeded", "payment.failed"]})
        if answer.status_code != 200:
            raise RuntimeError(f"adding the webhook endpoint answered HTTP {answer.status_code}")


def webhook_latency(events: int) -> dict[str, Any]:
    receiver = Receiver()
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "portal.sqlite3")
        portal = Server("stdlib", bare=False, database=database)
        try:
            add_endpoint(portal.url, receiver.url)
            (token,), _ = make_tokens(portal.url, database, 1)
            latencies = []
            with httpx.Client(base_url=portal.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
                for number in range(events):
                    started = time.perf_counter()
                    answer = api.post("/api/v1/payments", json={"amount": 100 + number, "currency": "GBP"})
                    if answer.status_code != 201:
                        raise RuntimeError(f"a payment was refused: HTTP {answer.status_code} {answer.text[:200]}")
                    latencies.append(receiver.wait_for(str(answer.json()["id"])) - started)
            floor = []
            with httpx.Client(timeout=30) as bare:
                for number in range(events):
                    started = time.perf_counter()
                    bare.post(receiver.url, json={"data": {"id": f"floor-{number}"}})
                    floor.append(receiver.wait_for(f"floor-{number}") - started)
        finally:
            portal.stop()
            receiver.stop()
    p50, p99, floor_p50 = percentile(latencies, 0.5), percentile(latencies, 0.99), statistics.median(floor)
    return {"events": events, "p50_ms": round(p50 * 1000, 1), "p99_ms": round(p99 * 1000, 1),
            "floor_p50_ms": round(floor_p50 * 1000, 2), "floor_p99_ms": round(percentile(floor, 0.99) * 1000, 2),
            "p50_vs_floor": round(p50 / floor_p50, 1), "target_p50_ms_under": 200}


def peak_memory(clients: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "portal.sqlite3")
        bare = Server("stdlib", bare=True, database=database + ".bare")
        try:
            concurrent_clients(bare.url, "/healthz", ["-"] * clients, seconds)
            bare_peak = _peak_kib(bare)
        finally:
            bare.stop()
        portal = Server("stdlib", bare=False, database=database)
        try:
            tokens, _ = make_tokens(portal.url, database, clients)
            load = concurrent_clients(portal.url, "/api/v1/accounts/balances", tokens, seconds)
            portal_peak = _peak_kib(portal)
        finally:
            portal.stop()
    return {"clients": clients, "seconds": seconds, "api_calls": sum(load["calls"]), "api_errors": load["errors"],
            "portal_peak_mib": round(portal_peak / 1024, 1), "bare_peak_mib": round(bare_peak / 1024, 1),
            "peak_ratio": round(portal_peak / bare_peak, 2)}


def _peak_kib(server: Server) -> int:
    with open(f"/proc/{server.process.pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    figures = {"webhook_latency": webhook_latency(args.events)}
    print("webhook_latency", figures["webhook_latency"], flush=True)
    figures["peak_memory_under_load"] = peak_memory(args.clients, args.seconds)
    print("peak_memory_under_load", figures["peak_memory_under_load"], flush=True)
    path = write_section("webhook_latency_and_memory", figures)
    print(f"written to {path}")
    return 0 if figures["webhook_latency"]["p50_ms"] < 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
