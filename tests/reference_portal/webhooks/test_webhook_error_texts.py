"""The delivery log tells a developer only what anyone could tell from outside (connection failed, timed out,
invalid response), never refused from reset from TLS failure, so it is no port scanner for addresses the
developer does not own; the details go to the server log at debug level."""

from __future__ import annotations

import logging
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from reference_portal.areas import webhooks


def _read_request(connection: socket.socket) -> None:
    connection.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return
        data += chunk


def _close_without_answer(connection: socket.socket, closing: threading.Event) -> None:
    _read_request(connection)


def _reset(connection: socket.socket, closing: threading.Event) -> None:
    _read_request(connection)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST


def _answer_another_protocol(connection: socket.socket, closing: threading.Event) -> None:
    _read_request(connection)
    connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    # An orderly end after the banner: closing with the request's body unread would reset the connection instead.
    connection.shutdown(socket.SHUT_WR)
    with contextlib.suppress(OSError):
        while connection.recv(4096):
            pass


def _never_answer(connection: socket.socket, closing: threading.Event) -> None:
    _read_request(connection)
    closing.wait(30)


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Case:
    shown: str  # in the delivery log
    detail: str  # in the server log's debug line
    behaviour: Callable[[socket.socket, threading.Event], None] | None = None  # of a TCP server the URL points at
    url: Callable[[Any], str] | None = None  # or a URL of its own, given the receiver
    # Only the server that never answers needs a short wait; the others get one a loaded machine cannot run out.
    send_timeout: float = 10.0


CASES = {
    "refused": Case("connection failed", "ConnectError", url=lambda receiver: f"http://127.0.0.1:{_closed_port()}/"),
    "tls-failure": Case("connection failed", "ConnectError", url=lambda receiver: "https" + receiver.url()[4:]),
    "closed-without-answer": Case("invalid response", "RemoteProtocolError", _close_without_answer),
    "reset": Case("invalid response", "Error", _reset),  # ReadError or RemoteProtocolError, as the RST lands
    "another-protocol": Case("invalid response", "RemoteProtocolError", _answer_another_protocol),
    "no-answer": Case("timed out", "ReadTimeout", _never_answer, send_timeout=0.5),
}


@pytest.mark.parametrize("name", CASES)
def test_connection_failures_read_alike_in_the_log_and_in_detail_only_in_the_server_log(
        portal, ui, receiver, tcp_server, wh, monkeypatch, caplog, name):
    case = CASES[name]
    if case.url is not None:
        url = case.url(receiver)
    else:
        url = f"http://127.0.0.1:{tcp_server(case.behaviour).port}/hook"
    monkeypatch.setattr(webhooks, "SEND_DEADLINE_SECONDS", case.send_timeout)
    endpoint_id, _ = ui.add_endpoint(url)
    wh.publish(portal)
    caplog.set_level(logging.DEBUG, logger="reference_portal")

    assert portal.deliveries.deliver_due() == 1

    [delivery] = wh.deliveries(portal, endpoint_id)
    [attempt] = wh.attempts(portal, delivery["id"])
    assert attempt["error"] == case.shown
    page = ui.get(f"/app/webhooks/{endpoint_id}/deliveries").text
    [cell] = [part.split("</code>", 1)[0] for part in page.split('data-testid="attempt-response">')[1:]]
    assert cell == case.shown
    details = [r.getMessage() for r in caplog.records if f"webhook delivery {delivery['id']} " in r.getMessage()]
    assert details and case.detail in details[0], details
    assert {r.levelno for r in caplog.records if f"webhook delivery {delivery['id']} " in r.getMessage()} == {
        logging.DEBUG}
