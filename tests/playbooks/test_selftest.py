"""`dpf selftest`: its faults change what they name and nothing else, its proxy passes the rest on as the portal gave
it, it refuses a deployed target without the owner's confirmation, and against the embedded portal it catches every
fault it lists for a flow."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from playbooks.harness import cli
from playbooks.harness.cli import PROJECT_ROOT
from playbooks.harness.fault_proxy import FaultProxy
from playbooks.harness.faults import CACHEABLE, KINDS, Exchange, Fault, alter, load_faults

PAGE = """<!doctype html>
<html><head><title>Keys 2</title></head>
<body>
<table>
<tr data-testid="key-row" data-client-id="ci_Abc123"><td data-testid="client-id" data-value="ci_Abc123">
  <code>ci_Abc123</code> &amp; <br>more</td>
<td data-testid="key-state" data-state="revoked">revoked</td></tr>
</table>
<p data-testid="client-idle">ci_Abc123 untouched</p>
<script>var shown = '<td data-testid="client-id">9</td>';</script>
</body></html>
"""


def html(body: str, **headers: str) -> Exchange:
    return Exchange("GET", "/app/keys", {}, 200, [("Content-Type", "text/html; charset=utf-8"), *headers.items()],
                    body.encode())


def fault(kind: str, **fields: object) -> Fault:
    return Fault("f", "a promise", ("DPF-12",), kind, **fields)  # type: ignore[arg-type]


def test_every_listed_fault_names_a_kind_a_flow_and_what_the_contract_holds():
    faults = load_faults()
    assert {f.kind for f in faults} == set(KINDS)
    assert all(f.promise and f.flows for f in faults)


def test_shown_text_altered_changes_only_the_text_inside_elements_with_the_test_id():
    altered = fault("shown-text-altered", testid="client-id").rewrite(html(PAGE)).body.decode()
    assert altered == PAGE.replace("<code>ci_Abc123</code> &amp; <br>more", "<code>ci_Abc234</code> &amp; <br>MORE")
    assert 'data-value="ci_Abc123"' in altered and "ci_Abc123 untouched" in altered  # attributes, another test ID
    assert "<td data-testid=\"client-id\">9</td>';" in altered  # inside a script it is not a page's element


def test_shown_text_can_be_replaced_by_another_value():
    replaced = fault("shown-text-altered", testid="key-state", shown="active").rewrite(html(PAGE)).body.decode()
    assert replaced == PAGE.replace('data-state="revoked">revoked<', 'data-state="revoked">active<')


@pytest.mark.parametrize("text, changed", [("ci_Abc129", "ci_Abc230"), ("revoked", "REVOKED"), ("—", "—")])
def test_an_altered_text_keeps_its_length_and_differs_where_it_can(text, changed):
    assert alter(text) == changed


def test_cacheable_touches_only_pages_holding_the_test_id():
    rule = fault("cacheable", testid="one-time-secret")
    secret = html('<p data-testid="one-time-secret">cs_test_x</p>', **{"Cache-Control": "no-store", "Pragma": "no-cache"})
    kept = rule.rewrite(secret)
    assert kept.header("Cache-Control") == CACHEABLE and kept.header("Pragma") is None and kept.body == secret.body
    plain = html('<p data-testid="one-time-secrets-hint">none</p>', **{"Cache-Control": "no-store"})
    assert rule.rewrite(plain) == plain


def test_refusal_accepted_turns_only_that_status_under_the_prefix_into_a_success():
    rule = fault("refusal-accepted", path_prefix="/api/v1/", status=401)
    refused = Exchange("GET", "/api/v1/payments", {}, 401, [("WWW-Authenticate", "Bearer"), ("X-Request-Id", "r1"),
                                                           ("Content-Type", "application/json")], b'{"error":"x"}')
    accepted = rule.rewrite(refused)
    assert (accepted.status, accepted.body, accepted.header("WWW-Authenticate")) == (200, b"{}", None)
    assert accepted.header("X-Request-Id") == "r1"
    for other in (Exchange("POST", "/oauth/token", {}, 401), Exchange("GET", "/api/v1/payments", {}, 403)):
        assert rule.rewrite(other) == other


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream():
    """A small portal stand-in that counts what reaches it: (url, counts by 'METHOD path')."""
    seen: Counter[str] = Counter()

    def app(environ, start_response):
        seen[f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"] += 1
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        if environ["PATH_INFO"] == "/app/apps" and environ["REQUEST_METHOD"] == "POST":
            start_response("303 See Other", [("Location", f"http://{environ['HTTP_HOST']}/app/apps/7"),
                                             ("Set-Cookie", "s=1; HttpOnly; Path=/")])
            return [b""]
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Echo", environ.get("HTTP_X_ECHO", "")),
                                  ("X-Cookie", environ.get("HTTP_COOKIE", ""))])
        if environ["PATH_INFO"] == "/guide":
            return [f"curl http://{environ['HTTP_HOST']}/api/v1/payments".encode()]
        return [b"got " + body]

    server = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


def test_the_proxy_passes_the_portals_answers_on_and_turns_its_redirects_back_to_itself(upstream):
    url, seen = upstream
    with FaultProxy(url) as proxy, httpx.Client(base_url=proxy.url) as client:
        echoed = client.post("/echo", content=b"hello", headers={"X-Echo": "yes"})
        assert (echoed.status_code, echoed.text, echoed.headers["X-Echo"]) == (200, "got hello", "yes")
        created = client.post("/app/apps", content=b"name=x")
        assert created.status_code == 303 and created.headers["Location"] == proxy.url + "/app/apps/7"
        assert created.headers["Set-Cookie"] == "s=1; HttpOnly; Path=/"
        with httpx.Client(base_url=proxy.url) as someone_else:  # the cookie is the first client's, not the proxy's
            assert someone_else.get("/echo").headers["X-Cookie"] == ""
        assert client.get("/echo").headers["X-Cookie"] == "s=1"
        assert client.get("/guide").text == f"curl {proxy.url}/api/v1/payments"  # the portal's links lead through it
    assert seen == Counter({"POST /echo": 1, "POST /app/apps": 1, "GET /echo": 2, "GET /guide": 1})


def test_a_post_that_is_not_forwarded_goes_back_to_its_page_and_never_reaches_the_portal(upstream):
    url, seen = upstream
    with FaultProxy(url) as proxy, httpx.Client(base_url=proxy.url) as client:
        proxy.fault = fault("post-not-forwarded", route="application_create")
        dropped = client.post("/app/apps", content=b"name=x", headers={"Referer": proxy.url + "/app/apps/new?a=1"})
        assert dropped.status_code == 303 and dropped.headers["Location"] == "/app/apps/new?a=1"
        assert client.get("/app/apps").status_code == 200  # another route's request still goes through
    assert seen == Counter({"GET /app/apps": 1})


def test_a_deployed_target_needs_its_owners_confirmation_and_nothing_is_sent(upstream, capsys):
    url, seen = upstream
    assert cli.main(["selftest", "DPF-12", "--base-url", url]) == cli.EXIT_USAGE
    assert "--i-own-this-target" in capsys.readouterr().err
    assert cli.main(["selftest", "DPF-99"]) == cli.EXIT_USAGE
    assert "no flow DPF-99" in capsys.readouterr().err
    assert not seen


@pytest.mark.browser  # four dpf runs of DPF-12: clean, then one per fault
def test_selftest_against_the_embedded_portal_catches_every_fault_it_lists_for_a_flow():
    done = subprocess.run([sys.executable, "-m", "playbooks.harness.cli", "selftest", "DPF-12"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    listed = [f.name for f in load_faults() if "DPF-12" in f.flows]
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"score: {len(listed)} of {len(listed)} judged faults caught" in done.stdout, done.stdout
    for name in listed:
        assert any(line.split()[1:3] == [name, "caught"] for line in done.stdout.splitlines()[1:-1]), done.stdout
