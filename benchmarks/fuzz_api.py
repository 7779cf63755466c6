"""Fuzz the reference portal's public API with schemathesis, longer than the test suite does.

    .venv/bin/python benchmarks/fuzz_api.py [--examples N] [--seed S]

A throwaway portal (temporary database, demo seed) is driven in-process through its WSGI app, no sockets. A developer
signs in and creates an application through the portal's own forms; the FX approval an operator would give and a rate
limit no run reaches are written to the database, as tests/reference_portal/api does. Then every schemathesis phase
(examples, coverage, fuzzing, stateful) runs against /openapi.json with the same checks as
tests/reference_portal/api/test_api_fuzz.py, but N examples per operation and a random seed unless one is given.

Prints the answers per operation and every distinct failure with a curl command to reproduce it; exits 1 when
there is a failure.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from reference_portal import Portal, create_app

BASE_URL = "http://portal.test"
DEVELOPER = ("dev@example.com", "developer-demo-pass")  # the demo seed's developer of Acme Payments
# As in test_api_fuzz.py: valid requests must succeed (404: a well-formed payment ID naming no payment), and
# ignored_auth is off because schemathesis 4.32.5 cannot send its unauthenticated probe through the WSGI transport.
ACCEPTED_FOR_VALID_DATA = ["2xx", "404"]
DISABLED_CHECKS = ("ignored_auth",)
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def _testid(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert found, f"no data-testid={testid!r} on the page"
    return found.group(1).strip()


def _post_form(client: httpx.Client, page: str, action: str, fields: dict[str, str]) -> httpx.Response:
    csrf = _CSRF.search(client.get(page).text)
    assert csrf, f"{page} has no CSRF token"
    return client.post(action, data={"csrf_token": csrf.group(1), **fields})


def credentials(portal: Portal) -> dict[str, str]:
    """A sandbox application approved for every product, its client credentials, a token and a sandbox API key."""
    with httpx.Client(transport=httpx.WSGITransport(app=portal), base_url=BASE_URL) as browser:
        signed_in = _post_form(browser, "/login", "/login", {"email": DEVELOPER[0], "password": DEVELOPER[1]})
        assert signed_in.status_code == 303, f"sign-in: HTTP {signed_in.status_code}"
        created = _post_form(browser, "/app/apps/new", "/app/apps", {
            "name": "Fuzzing", "callback_url": "https://partner.example/callback", "environment": "sandbox",
            "description": "benchmarks/fuzz_api.py",
        })
        assert created.status_code == 200, f"creating the application: HTTP {created.status_code}"
        client_id, secret = _testid(created.text, "client-id"), _testid(created.text, "one-time-secret")
        sandbox = _post_form(browser, "/app/sandbox", "/app/sandbox", {"name": "Fuzzing"})
        assert sandbox.status_code == 200, f"creating the sandbox key: HTTP {sandbox.status_code}"
        sandbox_key = _testid(sandbox.text, "one-time-secret")

        now = portal.config.clock()
        with portal.db.transaction() as conn:
            application_id = conn.execute(
                "SELECT application_id FROM credentials WHERE client_id = ?", (client_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO subscriptions (application_id, product_id, state, created_at, decided_at)"
                " SELECT ?, id, 'approved', ?, ? FROM products WHERE scope = 'fx'",
                (application_id, now, now),
            )
            conn.execute("UPDATE applications SET rate_limit_per_minute = 100000000 WHERE id = ?", (application_id,))

        token = browser.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert token.status_code == 200, f"token: HTTP {token.status_code} {token.text}"
    return {"client_id": client_id, "secret": secret, "token": token.json()["access_token"], "sandbox_key": sandbox_key}


def fuzz(portal: Portal, creds: dict[str, str], *, examples: int, seed: int) -> tuple[dict[str, Counter[int]], dict]:
    """(answers by status per operation, {failure heading: reproduction}) of one schemathesis run."""
    config = SchemathesisConfig.from_dict({
        "seed": seed,
        "workers": 1,
        "generation": {"max-examples": examples, "database": "none"},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_DATA},
            **{name: {"enabled": False} for name in DISABLED_CHECKS},
        },
        "auth": {"openapi": {
            "bearer": {"bearer": creds["token"]},
            "sandboxKey": {"bearer": creds["sandbox_key"]},
            "basic": {"username": creds["client_id"], "password": creds["secret"]},
        }},
    })
    schema = schemathesis.openapi.from_wsgi("/openapi.json", portal, config=config)
    statuses: dict[str, Counter[int]] = {}
    failures: dict[str, str] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, interaction in event.recorder.interactions.items():
                operation = event.recorder.cases[case_id].value.operation.label
                if interaction.response is not None:
                    statuses.setdefault(operation, Counter())[interaction.response.status_code] += 1
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        heading = f"{event.recorder.label} [{check.name}] {failure.title}: {failure.message}"
                        failures.setdefault(heading, check.failure_info.code_sample)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.setdefault(f"schemathesis could not run: {event!r}", "")
    return statuses, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="examples per operation and phase (default 300)")
    parser.add_argument("--seed", type=int, default=None, help="repeat a run (default: a random seed, printed)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)

    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as directory:
        portal = create_app({"database": str(Path(directory) / "portal.sqlite3")})
        try:
            started = time.perf_counter()
            statuses, failures = fuzz(portal, credentials(portal), examples=args.examples, seed=seed)
            elapsed = time.perf_counter() - started
        finally:
            portal.db.close()

    requests = sum(sum(counter.values()) for counter in statuses.values())
    print(f"schemathesis {schemathesis.__version__}: {args.examples} examples per operation and phase, "
          f"seed {seed}, {requests} requests in {elapsed:.1f} s")
    width = max(len(operation) for operation in statuses)
    for operation, counter in sorted(statuses.items()):
        answers = ", ".join(f"{status}: {count}" for status, count in sorted(counter.items()))
        print(f"  {operation:<{width}}  {answers}")
    if not failures:
        print("No failures.")
        return 0
    print(f"\n{len(failures)} distinct failure(s):")
    for heading, reproduction in failures.items():
        print(f"\n- {heading}\n  {reproduction}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
