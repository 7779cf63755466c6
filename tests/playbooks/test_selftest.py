"""`dpf selftest`: its faults change what they name and nothing else, its proxy passes the rest on as the portal gave
it, it refuses a deployed target without the owner's confirmation (on the command line or in the target file), it
runs with a target file and leaves out the faults on what that file overrides, and against the embedded portal it
catches the faults it lists for a flow. (In front of the benign variants: tests/negative/test_selftest_on_variants.py.)"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from fixtures.target import embedded_portal
from playbooks.harness import certification, cli
from playbooks.harness.cli import PROJECT_ROOT
from playbooks.harness.contract import contract
from playbooks.harness.fault_proxy import FaultProxy
from playbooks.harness.faults import CACHEABLE, KINDS, Exchange, Fault, FaultsError, alter, load_faults, with_attribute
from reference_portal.core.config import DemoPasswords

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


def test_the_value_of_a_read_only_field_is_what_a_person_reads_there():
    page = ('<div data-testid="sandbox-merchant-id"><input readonly value="mer_test_19"></div>'
            '<input data-testid="one-time-secret" readonly value="sk_test_Ab"><input value="mer_test_19">')
    altered = fault("shown-text-altered", testid="sandbox-merchant-id").rewrite(html(page)).body.decode()
    assert altered == page.replace('readonly value="mer_test_19"', 'readonly value="mer_test_20"')
    play = fault("secret-shown-again", testid="one-time-secret").play()
    play.rewrite(html(page))
    assert play.rewrite(html("<main></main>")).body.decode() == \
        '<main><input data-testid="one-time-secret" readonly value="sk_test_Ab"></main>'


def test_data_altered_changes_only_the_attribute_of_elements_with_the_test_id():
    altered = fault("data-altered", testid="key-state", attribute="data-state").rewrite(html(PAGE)).body.decode()
    assert altered == PAGE.replace('data-state="revoked">revoked<', 'data-state="REVOKED">revoked<')
    given = fault("data-altered", testid="key-row", attribute="data-client-id", shown="ci_Other")
    assert given.rewrite(html(PAGE)).body.decode() == PAGE.replace('data-client-id="ci_Abc123"', 'data-client-id="ci_Other"')
    marked = fault("data-altered", testid="session-row", attribute="data-current", shown="true")
    rows = '<tr data-testid="session-row" data-current="True"></tr><tr data-testid="session-row"></tr>'
    assert marked.rewrite(html(rows)).body.decode() == rows.replace('"True"', '"true"').replace(
        '"session-row">', '"session-row" data-current="true">')  # also where the portal left it out


def test_a_dropped_test_id_leaves_its_element_and_everything_else():
    dropped = fault("testid-dropped", testid="key-state").rewrite(html(PAGE)).body.decode()
    assert dropped == PAGE.replace('<td data-testid="key-state" data-state="revoked">', '<td data-state="revoked">')


def test_links_and_forms_to_a_route_lead_elsewhere_and_other_links_stay():
    page = ('<a href="/app/docs">Docs</a> <a href="http://portal/app/docs/#auth">Auth</a> <a href="/app/docsx">X</a>'
            '<form method="get" action="/app/docs"><button>Docs</button></form>')
    retargeted = fault("link-retargeted", route="docs", to_route="faq").rewrite(html(page)).body.decode()
    assert retargeted == ('<a href="/app/faq">Docs</a> <a href="/app/faq">Auth</a> <a href="/app/docsx">X</a>'
                          '<form method="get" action="/app/faq"><button>Docs</button></form>')


def test_a_disabled_field_is_every_control_of_that_name_and_no_other():
    page = '<input name="password" type="password" required><input name="passwords"><input name=password />'
    disabled = fault("field-disabled", form_field="password").rewrite(html(page)).body.decode()
    assert disabled == '<input name="password" type="password" required disabled><input name="passwords">' \
                       '<input name=password disabled/>'


def test_a_changed_name_is_each_text_or_label_that_is_the_name_in_any_case():
    page = '<a href="/login">\n  Get  started </a><p>Get Started now</p><button aria-label="GET STARTED">Go</button>'
    changed = fault("name-changed", accessible_name="Get Started", shown="Begin").rewrite(html(page)).body.decode()
    assert changed == '<a href="/login">\n  Begin </a><p>Get Started now</p><button aria-label="Begin">Go</button>'


def test_a_changed_status_is_that_route_and_status_only():
    rule = fault("status-changed", route="forbidden", status=403, to_status=200)
    denied = Exchange("GET", "/forbidden", {}, 403, [("Content-Type", "text/html")], b"<h1>Access denied</h1>")
    assert rule.rewrite(denied) == Exchange("GET", "/forbidden", {}, 200, [("Content-Type", "text/html")],
                                            b"<h1>Access denied</h1>")
    for other in (Exchange("GET", "/app", {}, 403), Exchange("GET", "/forbidden", {}, 404)):
        assert rule.rewrite(other) == other


def test_a_failing_page_and_an_ignored_query_touch_only_their_route():
    fails = fault("page-fails", route="sandbox", status=500)
    assert fails.intercept(Exchange("GET", "/app/sandbox", {})).status == 500
    assert fails.intercept(Exchange("POST", "/app/sandbox", {})) is None
    ignored = fault("query-ignored", route="faq").play()
    assert ignored.outgoing(Exchange("GET", "/app/faq", {}, query="q=401")).query == ""
    assert ignored.outgoing(Exchange("GET", "/app/usage", {}, query="window=1h")).query == "window=1h"


def test_a_refused_page_is_served_from_memory_without_anyones_cookie():
    play = fault("stale-page-served").play()
    page = html("<h1>API keys</h1>", **{"Set-Cookie": "session=developers"})
    assert play.rewrite(page) == page
    to_sign_in = Exchange("GET", "/app/keys", {"cookie": "session=ended"}, 303, [("Location", "/login?next=/app/keys")])
    served = play.rewrite(to_sign_in)
    assert (served.status, served.body, served.header("Set-Cookie")) == (200, b"<h1>API keys</h1>", None)
    for passed in (Exchange("GET", "/app/apps", {}, 403), Exchange("GET", "/app/keys", {}, 303, [("Location", "/app")]),
                   Exchange("POST", "/app/keys", {}, 403)):
        assert play.rewrite(passed) == passed  # nothing kept for that path, not a refusal, not a GET


def test_a_secret_shown_once_is_put_back_into_later_pages_only():
    play = fault("secret-shown-again", testid="one-time-secret").play()
    shown = html('<main><div data-testid="one-time-secret"><code>cs_test_x</code></div><p>Done</p></main>')
    assert play.rewrite(shown) == shown
    later = play.rewrite(html("<main><h1>Applications</h1></main>")).body.decode()
    assert later == '<main><h1>Applications</h1><div data-testid="one-time-secret"><code>cs_test_x</code></div></main>'
    refused = Exchange("GET", "/app", {}, 403, [("Content-Type", "text/html")], b"<main></main>")
    assert play.rewrite(refused) == refused


def test_a_secret_the_portal_issued_gets_the_token_its_client_last_got_and_no_other_secret_does():
    play = fault("predecessor-accepted", route="token", status=401).play()
    first, rotated, wrong = "cs_test_" + "a" * 43, "cs_test_" + "b" * 43, "cs_test_" + "c" * 43

    def token(secret: str, status: int, body: bytes) -> Exchange:
        return Exchange("POST", "/oauth/token", {}, status, [("Content-Type", "application/json")], body,
                        request_body=f"grant_type=client_credentials&client_id=ci_1&client_secret={secret}".encode())

    shown = html(f'<div data-testid="one-time-secret"><code>{first}</code></div>')
    assert play.rewrite(shown) == shown
    granted = token(rotated, 200, b'{"access_token":"at_1"}')
    assert play.rewrite(granted) == granted
    assert play.rewrite(token(first, 401, b'{"error":"invalid_client"}')).body == b'{"access_token":"at_1"}'
    never_issued = token(wrong, 401, b'{"error":"invalid_client"}')
    assert play.rewrite(never_issued) == never_issued
    basic = replace(token(first, 401, b"{}"), request_body=b"grant_type=client_credentials",
                    request_headers={"authorization": "Basic " + base64.b64encode(f"ci_1:{first}".encode()).decode()})
    assert play.rewrite(basic).status == 200
    fresh = fault("predecessor-accepted", route="token", status=401).play()  # no token got yet: one is made up
    fresh.rewrite(shown)
    made_up = fresh.rewrite(token(first, 401, b'{"error":"invalid_client"}'))
    assert made_up.status == 200 and contract().secrets["access_token"].fullmatch(json.loads(made_up.body)["access_token"])


@pytest.mark.parametrize("tag, name, value, written", [
    ('<a href="/x" class=c>', "href", "/y", '<a href="/y" class=c>'),
    ("<input name=q>", "disabled", "", "<input name=q disabled>"),
    ("<br/>", "data-x", "1", '<br data-x="1"/>'),
    ("<td data-testid='s' data-state=on>", "data-testid", None, "<td data-state=on>"),
])
def test_an_attribute_is_set_added_or_removed_in_a_start_tag(tag, name, value, written):
    assert with_attribute(tag, name, value) == written


@pytest.mark.parametrize("entry, problem", [
    ('kind = "data-altered"\ntestid = "key-state"', "needs attribute"),
    ('kind = "field-disabled"\nform_field = "pasword"', "no form field"),
    ('kind = "name-changed"\naccessible_name = "Get started!"\nshown = "x"', "no accessible name"),
    ('kind = "cacheable"\ntestid = "one-time-secret"\ncolour = "red"', "no key"),
])
def test_a_fault_the_contract_cannot_carry_is_refused(tmp_path, entry, problem):
    listed = tmp_path / "faults.toml"
    listed.write_text(f'[[fault]]\nname = "f"\npromise = "p"\nflows = ["DPF-01"]\n{entry}\n', encoding="utf-8")
    with pytest.raises(FaultsError, match=problem):
        load_faults(listed)


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
    assert cli.main(["selftest", "DPF-12", "--base-url", url, "--i-own-this-target", "--ca-file", "/no/ca.pem"]) == 4
    assert "--ca-file /no/ca.pem: no such file" in capsys.readouterr().err
    assert not seen


@pytest.mark.browser  # four dpf runs of DPF-12: clean, then one per fault (an action, a memory, a shown value)
def test_selftest_against_the_embedded_portal_catches_the_faults_it_lists_for_a_flow():
    listed = ["revoking-a-key-does-nothing", "old-secret-still-gets-tokens", "key-state-shown-differs-from-the-data"]
    done = subprocess.run([sys.executable, "-m", "playbooks.harness.cli", "selftest", "DPF-12", "--faults",
                           ",".join(listed)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"score: {len(listed)} of {len(listed)} judged faults caught" in done.stdout, done.stdout
    for name in listed:
        assert any(line.split()[1:3] == [name, "caught"] for line in done.stdout.splitlines()[1:-1]), done.stdout


def _target_file(folder: Path, base_url: str, owned: bool) -> Path:
    file = folder / "partner.toml"
    file.write_text(f'[target]\nbase_url = "{base_url}"\n' + ("i_own_this_target = true\n" if owned else "") +
                    '\n[accounts.developer]\nemail = "dev@example.com"\npassword_env = "PARTNER_DEV_PASSWORD"\n'
                    '\n[overrides.routes]\nlogin_form = "/login"\n', encoding="utf-8")
    return file


def test_a_target_file_must_say_the_target_is_its_owners(upstream, tmp_path, monkeypatch, capsys):
    url, seen = upstream
    monkeypatch.setenv("PARTNER_DEV_PASSWORD", "unused")
    assert cli.main(["selftest", "DPF-03", "--target", str(_target_file(tmp_path, url, owned=False))]) == cli.EXIT_USAGE
    assert "i_own_this_target = true" in capsys.readouterr().err
    not_applicable = _target_file(tmp_path, url, owned=True)
    not_applicable.write_text(not_applicable.read_text() + '\n[flows]\nDPF-03 = { profile = "not-applicable", '
                              'reason = "no landing page" }\n', encoding="utf-8")
    assert cli.main(["selftest", "DPF-03", "--target", str(not_applicable)]) == cli.EXIT_USAGE
    assert "marks every chosen flow not-applicable" in capsys.readouterr().err and not seen


@pytest.mark.browser  # two dpf runs of DPF-03 through the proxy: clean, then one fault
def test_a_certifications_selftest_runs_with_its_target_file_and_leaves_out_what_it_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNER_DEV_PASSWORD", DemoPasswords.from_env().developer)
    with embedded_portal() as url:
        file = _target_file(tmp_path, url, owned=True)
        args = cli.build_parser().parse_args(["certify", "--target", str(file), "--selftest", "--selftest-faults",
                                              "get-started-missing,get-started-leads-elsewhere", "--out", "unused"])
        result = certification.run_selftest(["DPF-03", "DPF-27"], args, tmp_path)
    assert result is not None and len(result["faults_sha256"]) == 64
    assert result["score_line"] == "score: 1 of 1 judged faults caught; 1 not judged"
    assert [(r["flow_id"], r["fault"], r["outcome"]) for r in result["results"]] == [
        ("DPF-03", "", "passed"), ("DPF-03", "get-started-missing", "caught"),
        ("DPF-03", "get-started-leads-elsewhere", "not judged")]  # DPF-27: no fault chosen names it
    assert result["results"][2]["message"] == "the target file overrides route login_form"
    assert json.loads((tmp_path / "selftest.json").read_text())["score_line"] == result["score_line"]
