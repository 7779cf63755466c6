"""Preflight and fail-fast: a bad target is one clear line and exit 3 within seconds; a refused sign-in is tried once."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playwright.sync_api import Error as PlaywrightError

from fixtures.browser import spki_hashes
from fixtures.personas import personas_from_env
from fixtures.preflight import PreflightFailed, is_connection_failure, needed_personas, run_preflight
from fixtures.redaction import SecretRegistry
from fixtures.signin import SignedInSessions, SignInError
from fixtures.target import Target
from playbooks.harness.cli import EXIT_PREFLIGHT, PROJECT_ROOT, main
from reference_portal import Config, Portal
from reference_portal.serve import serve_in_background

BAD_TARGET_SECONDS = 15


class Wrapped:
    """The reference portal behind a WSGI callable that watches or changes its answers."""

    def __init__(self, portal: Portal, handle: Callable[[dict, Callable], object]):
        self.portal, self.handle = portal, handle
        self.config, self.deliveries, self.db = portal.config, portal.deliveries, portal.db

    def __call__(self, environ: dict, start_response: Callable) -> object:
        return self.handle(environ, start_response)


def run_against(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *ids: str) -> tuple[int, float]:
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path / "reports"))
    started = time.monotonic()
    code = main(["run", *(ids or ("DPF-03", "DPF-04")), "--base-url", url, "--no-report"])
    return code, time.monotonic() - started


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound, so nothing else takes it meanwhile, but not listening."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    yield holder.getsockname()[1]
    holder.close()


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[str]:
    """`python -m http.server`: answers, but is no portal."""
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>hello</h1>")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def counting_portal(tmp_path: Path) -> Iterator[tuple[str, Callable[[], int]]]:
    """The reference portal, counting the sign-in attempts (POST /login) that reach it."""
    portal = Portal(Config(database=str(tmp_path / "portal.sqlite3")))
    attempts: list[str] = []

    def counted(environ: dict, start_response: Callable) -> object:
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/login":
            attempts.append(environ["PATH_INFO"])
        return portal(environ, start_response)

    running = serve_in_background(Wrapped(portal, counted))  # type: ignore[arg-type]
    yield running.url, lambda: len(attempts)
    running.stop()


def test_a_port_that_never_answers_is_one_line_and_exit_3(silent_port, tmp_path, monkeypatch, capsys):
    code, seconds = run_against(f"http://127.0.0.1:{silent_port}", tmp_path, monkeypatch)
    err = capsys.readouterr().err
    assert code == EXIT_PREFLIGHT and seconds < BAD_TARGET_SECONDS
    assert f"http://127.0.0.1:{silent_port}/healthz accepted the connection but did not answer" in err
    assert err.count("preflight failed") == 1


def test_a_closed_port_is_one_line_naming_the_url(closed_port, tmp_path, monkeypatch, capsys):
    code, seconds = run_against(f"http://127.0.0.1:{closed_port}", tmp_path, monkeypatch)
    out, err = capsys.readouterr()
    assert code == EXIT_PREFLIGHT and seconds < BAD_TARGET_SECONDS
    assert f"cannot reach http://127.0.0.1:{closed_port}/healthz" in err
    assert out == "" and len(err.splitlines()) == 1 and "--verbose" in err, out + err


def test_verbose_shows_the_flows_and_the_results_folder_of_an_unreachable_target(closed_port, tmp_path, monkeypatch,
                                                                                capsys):
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path / "reports"))
    code = main(["run", "DPF-03", "--base-url", f"http://127.0.0.1:{closed_port}", "--no-report", "--verbose"])
    out, err = capsys.readouterr()
    assert code == EXIT_PREFLIGHT
    assert "DPF-03  not run" in out and str(tmp_path / "reports") in out, out
    assert err.count("preflight failed (target unreachable)") == 1 and "--verbose" not in err, err


def test_a_refused_account_of_a_target_file_names_its_table_and_variable_once(counting_portal, tmp_path, monkeypatch,
                                                                             capsys):
    url, attempts = counting_portal
    file = tmp_path / "partner.toml"
    file.write_text(f'[target]\nbase_url = "{url}"\n\n[accounts.developer]\nemail = "dev@example.com"\n'
                    'password_env = "PARTNER_DEV_PASSWORD"\n')
    monkeypatch.setenv("PARTNER_DEV_PASSWORD", "not-the-password")
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path / "reports"))
    # set first, so that what the run puts in the environment is taken out again afterwards
    for variable in ("DPF_DEVELOPER_EMAIL", "DPF_DEVELOPER_PASSWORD", "DPF_DEVELOPER_SOURCE", "DPF_BASE_URL",
                     "DPF_TARGET_FILE"):
        monkeypatch.setenv(variable, "")
        monkeypatch.delenv(variable)
    code = main(["run", "DPF-04", "DPF-06", "--target", str(file), "--no-report"])
    out, err = capsys.readouterr()
    assert code == EXIT_PREFLIGHT and attempts() == 1
    assert out == "" and len(err.splitlines()) == 1, out + err
    assert "[accounts.developer] in partner.toml" in err and "PARTNER_DEV_PASSWORD" in err, err
    assert "DPF_DEVELOPER_PASSWORD" not in err and "not-the-password" not in err, err


def test_a_static_file_server_is_named_as_missing_the_contracts_routes(static_server, tmp_path, monkeypatch, capsys):
    code, seconds = run_against(static_server, tmp_path, monkeypatch)
    err = capsys.readouterr().err
    assert code == EXIT_PREFLIGHT and seconds < BAD_TARGET_SECONDS
    assert f"{static_server}/healthz answered HTTP 404" in err and "contract route missing" in err


def test_a_missing_openapi_description_is_named(tmp_path):
    portal = Portal(Config(database=str(tmp_path / "portal.sqlite3")))

    def no_openapi(environ: dict, start_response: Callable) -> object:
        if environ["PATH_INFO"] == "/openapi.json":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no"]
        return portal(environ, start_response)

    running = serve_in_background(Wrapped(portal, no_openapi))  # type: ignore[arg-type]
    try:
        with pytest.raises(PreflightFailed, match=r"/openapi.json answered HTTP 404"):
            run_preflight(running.url, [])
    finally:
        running.stop()


def test_a_wrong_password_is_tried_exactly_once_and_names_its_variable(counting_portal, tmp_path, monkeypatch, capsys):
    url, attempts = counting_portal
    monkeypatch.setenv("DPF_DEVELOPER_PASSWORD", "not-the-password")
    code, seconds = run_against(url, tmp_path, monkeypatch, "DPF-03", "DPF-04", "DPF-06", "DPF-09")
    err = capsys.readouterr().err
    assert code == EXIT_PREFLIGHT and seconds < BAD_TARGET_SECONDS
    assert attempts() == 1
    assert "sign-in refused" in err and "DPF_DEVELOPER_PASSWORD" in err and "not-the-password" not in err


def test_a_refused_sign_in_is_never_tried_again_by_the_run(counting_portal):
    url, attempts = counting_portal
    persona = personas_from_env()["developer"]
    wrong = type(persona)(persona.key, persona.email, "not-the-password")
    sessions = SignedInSessions(Target(url, embedded=False), SecretRegistry())
    for _ in range(3):
        with pytest.raises(SignInError):
            sessions.client_for(wrong)
    assert attempts() == 1


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An https static server on 127.0.0.1 with a self-signed certificate; its URL and the certificate's file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<title>behind a private CA</title>")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path / "site"), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", tmp_path / "cert.pem"
    server.shutdown()
    server.server_close()


def test_a_self_signed_certificate_is_named_with_the_way_to_trust_it(self_signed_server, tmp_path, monkeypatch,
                                                                      capsys):
    url, _ = self_signed_server
    code, seconds = run_against(url, tmp_path, monkeypatch)
    err = capsys.readouterr().err
    assert code == EXIT_PREFLIGHT and seconds < BAD_TARGET_SECONDS
    assert f"{url}/healthz: TLS failed" in err and "CERTIFICATE_VERIFY_FAILED" in err and "--ca-file" in err


def test_with_its_ca_file_the_same_certificate_is_trusted_and_recorded(self_signed_server, tmp_path, monkeypatch,
                                                                       capsys):
    url, certificate = self_signed_server
    monkeypatch.setenv("SSL_CERT_FILE", "")
    monkeypatch.setenv("DPF_CA_FILE", "")
    monkeypatch.setenv("DPF_REPORTS_DIR", str(tmp_path / "reports"))
    code = main(["run", "DPF-03", "--base-url", url, "--ca-file", str(certificate), "--no-report"])
    err = capsys.readouterr().err
    assert code == EXIT_PREFLIGHT and "TLS failed" not in err
    assert f"{url}/healthz answered HTTP 404" in err  # past TLS: a static server is still no portal
    environment = (tmp_path / "reports" / "allure-results" / "environment.properties").read_text()
    assert f"tls.ca_file={certificate.resolve()}" in environment


@pytest.mark.browser
def test_the_browser_trusts_the_ca_file_and_nothing_else(self_signed_server, playwright, browser_type_launch_args,
                                                         monkeypatch):
    url, certificate = self_signed_server
    trusting = [f"--ignore-certificate-errors-spki-list={','.join(spki_hashes(certificate))}"]
    for flags, trusted in (([], False), (trusting, True)):
        launch = {**browser_type_launch_args, "args": [*browser_type_launch_args.get("args", []), *flags]}
        browser = playwright.chromium.launch(**launch)
        try:
            page = browser.new_page()
            if trusted:
                page.goto(url + "/index.html")
                assert page.title() == "behind a private CA"
            else:
                with pytest.raises(PlaywrightError, match="ERR_CERT_AUTHORITY_INVALID"):
                    page.goto(url + "/index.html")
        finally:
            browser.close()


def test_only_the_personas_the_selection_names_sign_in():
    personas = personas_from_env()
    keys = [p.key for p in needed_personas(["DPF-04"], personas)]
    assert "developer" in keys and "operator" not in keys


def test_connection_failures_are_recognised_through_their_causes():
    try:
        try:
            raise httpx.ConnectError("refused")
        except httpx.ConnectError as error:
            raise AssertionError("set-up failed") from error
    except AssertionError as wrapped:
        assert is_connection_failure(wrapped)
    assert is_connection_failure(PlaywrightError("Page.goto: net::ERR_CONNECTION_REFUSED at http://x/"))
    assert not is_connection_failure(AssertionError("expected 'active', actual 'disabled'"))


FAIL_FAST_PLAYBOOKS = '''
import httpx
import pytest


@pytest.mark.dpf("DPF-03")
def test_first(target):
    httpx.get(target.url("/healthz"), timeout=2)


@pytest.mark.dpf("DPF-04")
def test_second(target):
    raise AssertionError("must not run: the target is gone")


@pytest.mark.dpf("DPF-05")
def test_third(target):
    raise AssertionError("must not run: the target is gone")
'''
PLUGINS = ["fixtures.personas", "fixtures.target", "fixtures.evidence", "fixtures.signin", "fixtures.flow",
           "fixtures.selection", "fixtures.preflight"]


def test_a_target_that_stops_answering_leaves_the_remaining_flows_not_run(closed_port, tmp_path):
    (tmp_path / "test_gone.py").write_text(FAIL_FAST_PLAYBOOKS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    plugins = [argument for plugin in PLUGINS for argument in ("-p", plugin)]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_gone.py"), "-c", str(tmp_path / "pytest.ini"),
         "--rootdir", str(tmp_path), "-p", "no:cacheprovider", *plugins, "-rs",
         "--base-url", f"http://127.0.0.1:{closed_port}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert "1 failed, 2 skipped" in done.stdout, done.stdout + done.stderr
    assert "SKIPPED [2]" in done.stdout and "not run: target unreachable since DPF-03" in done.stdout, done.stdout
    assert "must not run" not in done.stdout


@pytest.mark.slow  # a `dpf run` process against the embedded portal
def test_a_wrong_password_against_the_embedded_portal_stops_the_run_before_the_browser(tmp_path):
    env = {**os.environ, "DPF_REPORTS_DIR": str(tmp_path), "DPF_DEVELOPER_PASSWORD": "not-the-password"}
    env.pop("DPF_BASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "playbooks.harness.cli", "run", "DPF-04", "DPF-06", "--no-report"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == EXIT_PREFLIGHT, done.stdout + done.stderr
    assert "sign-in refused" in done.stderr and "DPF_DEVELOPER_PASSWORD" in done.stderr
    assert "DPF-04  not run" in done.stdout and "DPF-06  not run" in done.stdout
    assert "browser=not started" in (tmp_path / "allure-results" / "environment.properties").read_text()
