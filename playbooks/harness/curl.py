"""Runs the cURL commands a portal's testing guide shows, safely: parsed, never given to a shell.

Only a small set of curl options is accepted, only the target's own origin may be called, and $VARIABLES are filled
in from what the flow provides (secrets come from the vault). Secrets reach curl through its standard input, never
its command line. Without curl on the machine, the same request is made with httpx.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

VARIABLE = re.compile(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))")
QUIET_FLAGS = {"-s", "--silent", "-S", "--show-error", "-sS"}


class UnsafeCommand(ValueError):
    pass


@dataclass
class CurlRequest:
    method: str = "GET"
    url: str = ""
    headers: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    user: str | None = None


def _fill(value: str, variables: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise UnsafeCommand(f"the command needs ${name}, which the flow does not provide")
        return variables[name]

    return VARIABLE.sub(replace, value)


def parse(command: str, variables: dict[str, str], *, origin: str) -> CurlRequest:
    words = shlex.split(command)
    if not words or words[0] != "curl":
        raise UnsafeCommand(f"not a curl command: {command[:60]!r}")
    request = CurlRequest()
    index = 1
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else None
        if word in QUIET_FLAGS:
            index += 1
            continue
        if word in ("-X", "--request", "-H", "--header", "-d", "--data", "--data-urlencode", "-u", "--user", "--url"):
            if value is None:
                raise UnsafeCommand(f"{word} has no value")
            filled = _fill(value, variables)
            if word in ("-X", "--request"):
                request.method = filled.upper()
            elif word in ("-H", "--header"):
                request.headers.append(filled)
            elif word in ("-u", "--user"):
                request.user = filled
            elif word == "--url":
                request.url = filled
            else:
                request.data.append(filled)
            index += 2
            continue
        if word.startswith("-"):
            raise UnsafeCommand(f"curl option {word} is not one the harness runs")
        if request.url:
            raise UnsafeCommand("more than one URL")
        request.url = _fill(word, variables)
        index += 1
    target = urlsplit(origin)
    asked = urlsplit(request.url)
    if (asked.scheme, asked.netloc) != (target.scheme, target.netloc):
        raise UnsafeCommand(f"the command calls {asked.scheme}://{asked.netloc}, not the portal under test")
    if request.data and request.method == "GET":
        request.method = "POST"
    return request


def _config_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_with_curl(request: CurlRequest, curl: str) -> tuple[int, str]:
    config = [f"url = {_config_string(request.url)}", f"request = {_config_string(request.method)}"]
    config += [f"header = {_config_string(h)}" for h in request.headers]
    config += [f"data = {_config_string(d)}" for d in request.data]
    if request.user is not None:
        config.append(f"user = {_config_string(request.user)}")
    done = subprocess.run(
        [curl, "-sS", "--max-time", "30", "-K", "-", "-w", "\n%{http_code}"],
        input="\n".join(config) + "\n", capture_output=True, text=True, timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"curl failed with exit code {done.returncode}: {done.stderr.strip()[:200]}")
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def run_with_httpx(request: CurlRequest) -> tuple[int, str]:
    headers = dict(h.split(":", 1) for h in request.headers)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    content = "&".join(request.data) if request.data else None
    if content is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    auth = tuple(request.user.split(":", 1)) if request.user else None
    answer = httpx.request(request.method, request.url, headers=headers, content=content, auth=auth, timeout=30)  # type: ignore[arg-type]
    return answer.status_code, answer.text


def run(command: str, variables: dict[str, str], *, origin: str) -> tuple[int, str]:
    """(HTTP status, body) of a guide's curl command, with curl where installed, else httpx."""
    request = parse(command, variables, origin=origin)
    curl = shutil.which("curl")
    return run_with_curl(request, curl) if curl else run_with_httpx(request)
