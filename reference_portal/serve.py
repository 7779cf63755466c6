"""Serving with the standard library: wsgiref behind a bounded pool of worker threads, with read timeouts.

The accept loop hands each connection to one of `workers` threads and waits when all are busy, so connections
beyond that wait in the listen backlog instead of each costing a thread. A client that stops sending is dropped
after `read_timeout` seconds of silence. For production, a server that buffers whole requests before they reach a
worker (waitress, see the README) also shrugs off clients that send one byte at a time.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .app import Portal

log = logging.getLogger("reference_portal.access")

LISTEN_BACKLOG = 1024
READ_TIMEOUT_SECONDS = 10.0  # the longest silence while a client sends its request
REQUEST_DEADLINE_SECONDS = 30.0  # the longest a client may take to send its whole request, however it drips
SENDS_GRACE_SECONDS = 5.0  # on stopping, how long webhook sends under way may take to finish and be recorded
STOP_POLL_SECONDS = 0.05  # how often a portal serving in the background checks whether it should stop


class PooledWSGIServer(WSGIServer):
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], handler: type[WSGIRequestHandler], *, workers: int):
        super().__init__(address, handler)
        self._connections: queue.Queue[tuple[socket.socket, Any] | None] = queue.Queue()
        self._idle = threading.Semaphore(workers)
        self._workers = [
            threading.Thread(target=self._work, name=f"portal-http-{n}", daemon=True) for n in range(workers)
        ]
        for worker in self._workers:
            worker.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        self._idle.acquire()  # all workers busy: stop accepting, the kernel's backlog holds the rest
        self._connections.put((request, client_address))

    def _work(self) -> None:
        while (item := self._connections.get()) is not None:
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
                self._idle.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("connection from %s failed", client_address[0] if client_address else "?")

    def server_close(self) -> None:
        super().server_close()
        for _ in self._workers:
            self._connections.put(None)


class _DeadlineReader:
    """The request stream, read so that every receive waits at most the read timeout and the whole request
    at most the deadline: a client dripping one byte at a time cannot hold a worker for longer."""

    def __init__(self, stream: Any, sock: socket.socket):
        self._stream, self._sock = stream, sock
        self._deadline = time.monotonic() + REQUEST_DEADLINE_SECONDS

    def _arm(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request took longer than the deadline")
        self._sock.settimeout(min(READ_TIMEOUT_SECONDS, remaining))

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            self._arm()
            return self._stream.read()
        chunks = []
        while size > 0:
            self._arm()
            chunk = self._stream.read1(min(size, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def readline(self, limit: int = -1) -> bytes:
        line = bytearray()
        while limit < 0 or len(line) < limit:
            self._arm()
            available = self._stream.peek(1)
            if not available:
                break
            wanted = len(available) if limit < 0 else min(len(available), limit - len(line))
            newline = available.find(b"\n", 0, wanted)
            line += self._stream.read(wanted if newline < 0 else newline + 1)
            if newline >= 0:
                break
        return bytes(line)

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def __getattr__(self, name: str) -> Any:  # close, closed: the stream's own
        return getattr(self._stream, name)


class _TimedWriter:
    """The response stream: each write may wait the read timeout again, whatever the request's deadline left."""

    def __init__(self, stream: Any, sock: socket.socket):
        self._stream, self._sock = stream, sock

    def write(self, data: bytes) -> int:
        self._sock.settimeout(READ_TIMEOUT_SECONDS)
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class QuietRequestHandler(WSGIRequestHandler):
    """Logs method, path and status through logging; never the query string, which may carry secrets.
    A client silent for READ_TIMEOUT_SECONDS, or still sending after REQUEST_DEADLINE_SECONDS, is disconnected."""

    timeout = READ_TIMEOUT_SECONDS

    def setup(self) -> None:
        super().setup()
        self.rfile = _DeadlineReader(self.rfile, self.connection)  # type: ignore[assignment]
        self.wfile = _TimedWriter(self.wfile, self.connection)  # type: ignore[assignment]

    def handle(self) -> None:
        try:
            super().handle()
        except (TimeoutError, ConnectionError) as gone:
            log.info("%s dropped: %s", self.address_string(), type(gone).__name__)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s %s", self.address_string(), self.command, path, code)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)


@dataclass
class RunningPortal:
    app: Portal
    server: PooledWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.app.deliveries.stop()
        self.app.deliveries.wait_for_sends(SENDS_GRACE_SECONDS)  # recorded now rather than retried after a restart
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.app.db.close()


def make_portal_server(app: Portal, host: str = "127.0.0.1", port: int = 8000) -> PooledWSGIServer:
    server = PooledWSGIServer((host, port), QuietRequestHandler, workers=app.config.http_workers)
    server.set_app(app)
    return server


def serve_in_background(app: Portal, host: str = "127.0.0.1", port: int = 0) -> RunningPortal:
    """Start the portal on a thread; port 0 picks a free port. Returns once it accepts connections."""
    server = make_portal_server(app, host, port)
    # stop() waits for serve_forever to notice, which it checks every poll interval (0.5 s by default)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS},
                              name="reference-portal", daemon=True)
    thread.start()
    app.deliveries.start()
    return RunningPortal(app, server, thread)


def serve_forever(app: Portal, host: str, port: int) -> None:
    server = make_portal_server(app, host, port)
    print(f"Reference portal on http://{host}:{server.server_address[1]}  (Ctrl+C stops it)", flush=True)
    app.deliveries.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.deliveries.stop()
        app.deliveries.wait_for_sends(SENDS_GRACE_SECONDS)
        server.server_close()
