"""A reverse proxy on loopback in front of a portal, playing at most one fault (playbooks/harness/faults.py) at a time.

The browser and the harness's HTTP clients reach the portal through it; webhooks still go from the portal to the
harness's receiver directly. It only forwards what it is sent, rewrites what it passes back, or answers a request
itself instead of forwarding it: it never sends a request of its own. The portal sees its own host in `Host` (so a
portal behind virtual hosting answers), and its absolute links in `Location` and in text and JSON answers (a testing
guide's commands, an OpenAPI `servers` entry) are turned to the proxy, so that what follows them goes through it too.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

from .faults import Exchange, Fault, Play

# Hop-by-hop headers, and those httpx sets itself or that no longer hold once it has decoded the body
NOT_FORWARDED = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                 "host", "content-length", "accept-encoding"}
NOT_PASSED_BACK = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
TEXTUAL = ("text/", "application/json")  # answers whose absolute links to the portal are turned to the proxy


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A browser dropping a kept-alive connection is not an error; anything else is one line, not a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            print(f"dpf selftest proxy: {type(error).__name__}: {error}", file=sys.stderr)


class FaultProxy:
    def __init__(self, upstream: str, *, verify: bool | str = True):
        self.upstream = upstream.rstrip("/")
        self.play: Play | None = None
        # A transport, not a client: a client would keep every answer's cookies and send them on with the next
        # request, whoever makes it (one persona's session given to another)
        self._transport = httpx.HTTPTransport(verify=verify)
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="dpf-fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._transport.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def fault(self) -> Fault | None:
        return self.play.fault if self.play else None

    @fault.setter
    def fault(self, fault: Fault | None) -> None:
        """Play this fault from now on (None: none), remembering nothing of what came before."""
        self.play = fault.play() if fault else None

    def exchange(self, request: Exchange) -> Exchange:
        """The answer to one request: the fault's own, or the portal's as the fault rewrites it."""
        play = self.play
        answer = play.intercept(request) if play else None
        if answer is not None:
            return answer
        sent = play.outgoing(request) if play else request
        headers = {k: v for k, v in sent.request_headers.items() if k not in NOT_FORWARDED}
        target = sent.path + (f"?{sent.query}" if sent.query else "")
        outgoing = httpx.Request(sent.method, self.upstream + target, headers=headers, content=sent.request_body,
                                 extensions={"timeout": httpx.Timeout(60).as_dict()})
        response = self._transport.handle_request(outgoing)
        try:
            response.read()
        finally:
            response.close()
        passed = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in NOT_PASSED_BACK]
        body = response.content
        if response.headers.get("Content-Type", "").startswith(TEXTUAL):
            body = body.replace(self.upstream.encode(), self.url.encode())
        answer = replace(request, status=response.status_code, body=body,
                         headers=[(k, self._to_proxy(v) if k.lower() == "location" else v) for k, v in passed])
        return play.rewrite(answer) if play else answer

    def _to_proxy(self, location: str) -> str:
        return self.url + location[len(self.upstream):] if location.startswith(self.upstream) else location

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Exchange(self.command, parts.path, {k.lower(): v for k, v in self.headers.items()},
                                   query=parts.query, request_body=body)
                try:
                    answer = proxy.exchange(request)
                except httpx.HTTPError as error:
                    answer = Exchange(self.command, parts.path, {}, 502, [("Content-Type", "text/plain")],
                                      f"dpf selftest proxy: the portal did not answer ({type(error).__name__})".encode())
                self.send_response(answer.status)
                for name, value in answer.headers:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _relay

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
                pass  # nothing is logged: a request line may carry a secret

        return Handler
