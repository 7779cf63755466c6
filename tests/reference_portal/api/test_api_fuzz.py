"""Schema-aware fuzzing of the public API with schemathesis, in-process against the WSGI app.

/openapi.json is a contract both ways: every request it allows must be accepted (positive_data_acceptance), every
request it forbids refused with a 4xx (negative_data_rejection), and every answer must be one it documents: status,
content type, body schema and required headers, never a 5xx. The run is bounded and derandomized so it is fast and
repeatable; benchmarks/fuzz_api.py runs the same engine longer.

The fuzzing application holds a real bearer token for every product, a sandbox API key and its client credentials for
/oauth/token, so the authenticated operations are exercised, not answered 401. Its rate limit is raised as an operator
would for a load test: rate limiting has its own tests, and a 429 here fails the run instead of being waved through.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from reference_portal import Portal
from reference_portal.areas import products_api

SEED = 20261128
EXAMPLES = 25  # per operation and phase; the coverage and stateful phases add their own cases
# Valid requests must succeed. 404 only for a well-formed payment ID that names no payment of this application;
# 401, 403 and 429 are not accepted: the fuzzer's credentials are valid for every product and its rate limit is high.
ACCEPTED_FOR_VALID_DATA = ["2xx", "404"]
# ignored_auth is off: schemathesis 4.32.5 sends its probe without credentials through the WSGI transport with a
# `max_redirects` argument werkzeug's client does not take (TypeError). Authentication is tested in
# test_api_bearer_and_scopes.py and test_api_token_endpoint.py.
DISABLED_CHECKS = ("ignored_auth",)


@dataclass
class FuzzReport:
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)  # operation -> answers by status

    @property
    def requests(self) -> int:
        return sum(sum(counter.values()) for counter in self.statuses.values())


def fuzz(
    portal: Portal, *, bearer: str, sandbox_key: str, client: tuple[str, str], examples: int,
    operation_id: str | None = None,
) -> FuzzReport:
    """Run every schemathesis phase (examples, coverage, fuzzing, stateful) against the portal's /openapi.json."""
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "workers": 1,
        "generation": {"max-examples": examples, "deterministic": True, "database": "none"},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_DATA},
            **{name: {"enabled": False} for name in DISABLED_CHECKS},
        },
        "auth": {"openapi": {  # by security scheme name in the document
            "bearer": {"bearer": bearer},
            "sandboxKey": {"bearer": sandbox_key},
            "basic": {"username": client[0], "password": client[1]},
        }},
        # Stateful runs follow links between operations; one operation alone has none to follow.
        "phases": {"stateful": {"enabled": operation_id is None}},
    })
    schema = schemathesis.openapi.from_wsgi("/openapi.json", portal, config=config)
    if operation_id is not None:
        schema = schema.include(operation_id=operation_id)
    report = FuzzReport()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, interaction in event.recorder.interactions.items():
                operation = event.recorder.cases[case_id].value.operation.label  # stateful scenarios mix operations
                if interaction.response is not None:
                    report.statuses.setdefault(operation, Counter())[interaction.response.status_code] += 1
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        report.failures.append(f"{event.recorder.label} [{check.name}] {failure.title}\n"
                                               f"{failure.message}\n{check.failure_info.code_sample}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            report.failures.append(f"schemathesis could not run: {event!r}")
    return report


@pytest.fixture
def fuzzing_app(portal: Portal, sandbox_app, clock):
    """The sandbox application, also approved for FX, allowed far more calls a minute than the run makes."""
    with portal.db.transaction() as conn:
        conn.execute(
            "INSERT INTO subscriptions (application_id, product_id, state, created_at, decided_at)"
            " SELECT ?, id, 'approved', ?, ? FROM products WHERE scope = 'fx'",
            (sandbox_app.application_id, clock(), clock()),
        )
        conn.execute(
            "UPDATE applications SET rate_limit_per_minute = 1000000 WHERE id = ?", (sandbox_app.application_id,)
        )
    return sandbox_app


@pytest.fixture
def run_fuzz(portal: Portal, fuzzing_app, access_token, sandbox_key):
    """run_fuzz(examples, operation_id=None): fuzz as the fuzzing application."""

    def run(examples: int, operation_id: str | None = None) -> FuzzReport:
        return fuzz(
            portal,
            bearer=access_token(fuzzing_app),
            sandbox_key=sandbox_key,
            client=(fuzzing_app.client_id, fuzzing_app.secret),
            examples=examples,
            operation_id=operation_id,
        )

    return run


@pytest.fixture
def sandbox_key(developer, post_form, read_page) -> str:
    created = post_form(developer, "/app/sandbox", "/app/sandbox", {"name": "Fuzzing"})
    assert created.status_code == 200, created.text
    return read_page(created.text).text_of("one-time-secret")


def test_fuzzing_finds_no_valid_request_refused_and_no_undocumented_answer(api, run_fuzz):
    report = run_fuzz(EXAMPLES)

    assert not report.failures, "\n\n".join(report.failures)
    paths = api.get("/openapi.json").json()["paths"]
    assert set(report.statuses) == {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}
    for operation, statuses in report.statuses.items():
        # Each operation was answered with success, so the credentials worked and the fuzzer got past validation.
        assert any(200 <= status < 300 for status in statuses), f"{operation} never succeeded: {dict(statuses)}"


# --- Negative controls: the run notices when the document and the API disagree ----------------------------------


def test_a_schema_looser_than_the_api_is_found(run_fuzz, monkeypatch):
    doc = products_api.list_payments.doc
    unbounded = replace(doc.query[0], schema={"type": "integer"})  # no minimum or maximum: 101 looks valid
    monkeypatch.setattr(products_api.list_payments, "doc", replace(doc, query=(unbounded,)))

    report = run_fuzz(EXAMPLES, operation_id="list_payments")

    assert any("[positive_data_acceptance]" in failure for failure in report.failures), report.failures


def test_an_api_looser_than_its_schema_is_found(run_fuzz, monkeypatch):
    monkeypatch.setattr(products_api, "MAX_LIMIT", 1000)  # the document still says 100

    report = run_fuzz(EXAMPLES, operation_id="list_payments")

    assert any("[negative_data_rejection]" in failure for failure in report.failures), report.failures
