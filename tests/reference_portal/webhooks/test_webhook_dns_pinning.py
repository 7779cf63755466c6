"""DNS rebinding: the portal connects to an address it checked, never to a second lookup of the name, while the
Host header, the TLS server name (SNI) and the certificate check still go by the name."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reference_portal.areas import webhook_urls

NAME = "hooks.partner.test"


class Recorder(ThreadingHTTPServer):
    """A local HTTP(S) server that answers 200 and keeps each request's path and Host header."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], tls: ssl.SSLContext | None = None):
        self.seen: list[tuple[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the base class's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.seen.append((self.path, self.headers.get("Host", "")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(address, Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(5)


class RebindingDns:
    """socket.getaddrinfo for one name that answers `checked` at the first lookup and `rebound` at every later
    one, as a hostile DNS server with a zero TTL does; other names resolve as usual."""

    def __init__(self, name: str, checked: str, rebound: str):
        self.name, self.checked, self.rebound = name, checked, rebound
        self.lookups = 0
        self._getaddrinfo = socket.getaddrinfo

    def getaddrinfo(self, host, port, *args, **kwargs):
        if host != self.name:
            return self._getaddrinfo(host, port, *args, **kwargs)
        self.lookups += 1
        return self._getaddrinfo(self.checked if self.lookups == 1 else self.rebound, port, *args, **kwargs)


def test_a_name_rebound_after_the_check_is_not_followed(portal, ui, servers, clock, wh, monkeypatch):
    partner = Recorder(("127.0.0.1", 0))
    servers.append(partner)
    # In development loopback counts as allowed, so 127.0.0.2 stands for a service inside the network.
    internal = Recorder(("127.0.0.2", partner.port))
    servers.append(internal)
    url = f"http://{NAME}:{partner.port}/hook"
    portal.deliveries.resolver = lambda host, port: ["127.0.0.1"]
    endpoint_id, _ = ui.add_endpoint(url)

    dns = RebindingDns(NAME, checked="127.0.0.1", rebound="127.0.0.2")
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    portal.deliveries.resolver = webhook_urls.resolve
    wh.publish(portal)
    assert portal.deliveries.deliver_due() == 1

    assert internal.seen == [], "the send followed the rebound name"
    assert partner.seen == [("/hook", f"{NAME}:{partner.port}")], "sent to the checked address, Host kept"
    assert dns.lookups == 1, "the name is looked up once per send, by the check"
    assert wh.deliveries(portal, endpoint_id)[0]["state"] == "delivered"


def test_the_next_checked_address_is_tried_when_the_first_refuses(portal, ui, servers, wh):
    partner = Recorder(("127.0.0.1", 0))
    servers.append(partner)
    portal.deliveries.resolver = lambda host, port: ["127.0.0.3", "127.0.0.1"]  # nothing listens on the first
    endpoint_id, _ = ui.add_endpoint(f"http://{NAME}:{partner.port}/hook")
    wh.publish(portal)
    portal.deliveries.deliver_due()
    assert partner.seen == [("/hook", f"{NAME}:{partner.port}")]
    assert wh.deliveries(portal, endpoint_id)[0]["state"] == "delivered"


# -- https: the certificate is checked against the name, not the address connected to


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key, issuer: str, issuer_key, *, authority: bool, dns_name: str | None = None):
    now = datetime.now(timezone.utc)
    builder = (
        x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if authority:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    if dns_name:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _tls_server_and_trust(folder: Path, certified_name: str) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str]]:
    """A server context with a certificate for `certified_name` from a throwaway authority, a client context
    trusting only that authority, and the list the server adds each handshake's SNI name to."""
    authority_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority = _certificate("Webhook test CA", authority_key, "Webhook test CA", authority_key, authority=True)
    server = _certificate(certified_name, server_key, "Webhook test CA", authority_key, authority=False,
                          dns_name=certified_name)
    (folder / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM) + server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "server.pem")
    sni_names: list[str] = []
    server_context.sni_callback = lambda connection, name, context: sni_names.append(name)
    client_context = ssl.create_default_context(cadata=authority.public_bytes(serialization.Encoding.PEM).decode())
    return server_context, client_context, sni_names


def _deliver_over_https(portal, ui, servers, wh, folder: Path, certified_name: str):
    """One delivery to https://NAME, which resolves to a loopback TLS server holding a certificate for
    `certified_name`; the server, the endpoint's id and the SNI names the server saw."""
    server_context, trusted, sni_names = _tls_server_and_trust(folder, certified_name)
    partner = Recorder(("127.0.0.1", 0), tls=server_context)
    servers.append(partner)
    portal.deliveries.resolver = lambda host, port: ["127.0.0.1"]
    portal.deliveries.tls_verify = trusted
    endpoint_id, _ = ui.add_endpoint(f"https://{NAME}:{partner.port}/hook")
    wh.publish(portal)
    portal.deliveries.deliver_due()
    return partner, endpoint_id, sni_names


def test_https_goes_to_the_checked_address_with_the_name_for_sni_and_the_certificate(portal, ui, servers, wh,
                                                                                        tmp_path):
    partner, endpoint_id, sni_names = _deliver_over_https(portal, ui, servers, wh, tmp_path, NAME)

    assert partner.seen == [("/hook", f"{NAME}:{partner.port}")]
    assert sni_names == [NAME]
    assert wh.deliveries(portal, endpoint_id)[0]["state"] == "delivered"


def test_https_refuses_a_certificate_for_another_name(portal, ui, servers, wh, tmp_path):
    partner, endpoint_id, _ = _deliver_over_https(portal, ui, servers, wh, tmp_path, "someone-else.test")

    assert partner.seen == []
    [delivery] = wh.deliveries(portal, endpoint_id)
    assert delivery["state"] == "pending"
    assert [a["error"] for a in wh.attempts(portal, delivery["id"])] == ["connection failed"]
