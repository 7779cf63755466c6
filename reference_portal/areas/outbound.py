"""Calls the portal makes to partners' servers (webhook deliveries, the go-live signature check) with one deadline
for the whole call: connecting, sending and reading the whole answer. httpx's timeouts count each read on its own,
so a receiver that sends one byte a second would hold a sender (or a page's worker) for as long as it liked; here
every connect, read and write gets only what is left of the call's deadline, then the call times out."""

from __future__ import annotations

import ssl
import time
from typing import Any

import httpcore
import httpx


class Deadline:
    """When one outbound call must be over, every attempt of it included."""

    def __init__(self, seconds: float):
        self.ends_at = time.monotonic() + seconds

    @property
    def left(self) -> float:
        return self.ends_at - time.monotonic()

    def clamp(self, timeout: float | None, timed_out: type[Exception]) -> float:
        left = self.left
        if left <= 0:
            raise timed_out("the call's deadline has passed")
        return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline):
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: Deadline):
        self._backend, self._deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("outbound calls go to TCP addresses only")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def deadline(seconds: float) -> Deadline:
    """A deadline `seconds` from now, for every attempt of one call (each address tried included)."""
    return Deadline(seconds)


def client(until: Deadline, *, connect_seconds: float, verify: ssl.SSLContext) -> httpx.Client:
    """An httpx client whose every connect, read and write ends by `until` (a connect by `connect_seconds` too)."""
    transport = httpx.HTTPTransport(verify=verify, trust_env=False)
    # httpx takes no network backend of its own: its pool, made the same way, with the deadline's backend.
    transport._pool = httpcore.ConnectionPool(ssl_context=verify, max_connections=1, retries=0,
                                              network_backend=DeadlineBackend(until))
    timeout = httpx.Timeout(max(until.left, 0.001), connect=connect_seconds)
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
