"""Serving with the standard library: a threading wsgiref server, in the foreground or in a background thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import Portal

log = logging.getLogger("reference_portal.access")


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietRequestHandler(WSGIRequestHandler):
    """Logs method, path and status through logging; never the query string, which may carry secrets."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s %s", self.address_string(), self.command, path, code)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)


@dataclass
class RunningPortal:
    app: Portal
    server: ThreadingWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.app.deliveries.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.app.db.close()


def make_portal_server(app: Portal, host: str = "127.0.0.1", port: int = 8000) -> ThreadingWSGIServer:
    return make_server(host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietRequestHandler)


def serve_in_background(app: Portal, host: str = "127.0.0.1", port: int = 0) -> RunningPortal:
    """Start the portal on a thread; port 0 picks a free port. Returns once it accepts connections."""
    server = make_portal_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, name="reference-portal", daemon=True)
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
        server.server_close()
