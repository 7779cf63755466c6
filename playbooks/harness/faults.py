"""The faults `dpf selftest` plays in front of a portal (playbooks/faults.toml), as rules on one request and its answer.

Each fault names the contract promise it breaks and the flows that must catch it, and acts only through what the
contract fixes: a route, a data-testid, a status. A rule either answers a request itself without forwarding it
(`intercept`), or rewrites the answer the portal gave (`rewrite`); it never makes a request of its own. Each rule
changes what it names and nothing else: the rest of a page is passed on byte for byte.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .catalog import flows as catalog_flows
from .contract import contract

FAULTS_FILE = Path(__file__).resolve().parents[1] / "faults.toml"
CACHEABLE = "private, max-age=600"


@dataclass(frozen=True)
class Exchange:
    """A request and the portal's answer to it, as the proxy passes them on."""

    method: str
    path: str  # without the query
    request_headers: dict[str, str]  # lower-case names
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def with_header(self, name: str, value: str | None) -> Exchange:
        kept = [(key, v) for key, v in self.headers if key.lower() != name.lower()]
        return replace(self, headers=kept + ([(name, value)] if value is not None else []))

    @property
    def is_html(self) -> bool:
        return (self.header("Content-Type") or "").startswith("text/html")


@dataclass(frozen=True)
class Fault:
    name: str
    promise: str
    flows: tuple[str, ...]
    kind: str
    route: str = ""  # a contract route name
    testid: str = ""  # a contract data-testid
    path_prefix: str = ""  # of the contract's API paths (/api/v1/)
    status: int = 0
    shown: str = ""  # shown-text-altered: this text instead of each element's own (else the same text, altered)

    def intercept(self, request: Exchange) -> Exchange | None:
        """An answer the proxy gives instead of forwarding the request, or None to forward it."""
        rule = INTERCEPTS.get(self.kind)
        return rule(self, request) if rule else None

    def rewrite(self, answer: Exchange) -> Exchange:
        rule = REWRITES.get(self.kind)
        return rule(self, answer) if rule else answer


def post_not_forwarded(fault: Fault, request: Exchange) -> Exchange | None:
    """The action silently does nothing: the POST is answered as a form post usually is (303 back to the page it came
    from) and never reaches the portal."""
    if not contract().route(fault.route).matches(request.method, request.path):
        return None
    referer = urlsplit(request.request_headers.get("referer", ""))
    back = (referer.path or "/") + (f"?{referer.query}" if referer.query else "")
    return replace(request, status=303, headers=[("Location", back)], body=b"")


def cacheable(fault: Fault, answer: Exchange) -> Exchange:
    """A page holding the test ID (a secret shown once) is served for browsers and proxies to keep."""
    if not answer.is_html or not _holds_testid(answer.body, fault.testid):
        return answer
    return answer.with_header("Cache-Control", CACHEABLE).with_header("Pragma", None)


def refusal_accepted(fault: Fault, answer: Exchange) -> Exchange:
    """A refusal (the status) of a call under the path prefix becomes a 200 with an empty JSON object."""
    if answer.status != fault.status or not answer.path.startswith(fault.path_prefix):
        return answer
    kept = [(k, v) for k, v in answer.headers if k.lower() not in ("content-type", "content-length", "www-authenticate")]
    return replace(answer, status=200, headers=[*kept, ("Content-Type", "application/json")], body=b"{}")


def shown_text_altered(fault: Fault, answer: Exchange) -> Exchange:
    """What a person reads in each element with the test ID changes; its data-* attributes stay as they were."""
    if not answer.is_html or not _holds_testid(answer.body, fault.testid):
        return answer
    charset = "utf-8"
    text = answer.body.decode(charset, errors="surrogateescape")
    altered = alter_text_inside(text, fault.testid, (lambda _: fault.shown) if fault.shown else alter)
    return replace(answer, body=altered.encode(charset, errors="surrogateescape"))


def alter(text: str) -> str:
    """The same length, visibly different: every digit one more (9 becomes 0), else every letter's case swapped."""
    if any(ch.isdigit() for ch in text):
        return "".join(str((int(ch) + 1) % 10) if ch.isdigit() else ch for ch in text)
    return text.swapcase()


class _TextInside(HTMLParser):
    """The offsets of the text inside elements with a data-testid, found without changing a byte of the page."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, testid: str):
        super().__init__(convert_charrefs=False)
        self.testid = testid
        self.open: list[tuple[str, bool]] = []  # (tag, is one of the elements)
        self.inside = 0
        self.ranges: list[tuple[int, int]] = []
        self._line_starts: list[int] = [0]

    def feed_page(self, text: str) -> list[tuple[int, int]]:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.feed(text)
        self.close()
        return self.ranges

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        mine = ("data-testid", self.testid) in attrs
        self.open.append((tag, mine))
        self.inside += mine

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                self.inside -= sum(mine for _, mine in self.open[index:])
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.inside and data.strip() and self.cdata_elem is None:
            start = self._offset()
            self.ranges.append((start, start + len(data)))


def alter_text_inside(page: str, testid: str, change: Callable[[str], str] = alter) -> str:
    """The page with the text inside each element with the test ID changed, every other byte as it was."""
    for start, end in reversed(_TextInside(testid).feed_page(page)):
        page = page[:start] + change(page[start:end]) + page[end:]
    return page


def _holds_testid(body: bytes, testid: str) -> bool:
    return re.search(rb"""data-testid\s*=\s*["']?""" + re.escape(testid.encode()) + rb"""(["'\s>])""", body) is not None


INTERCEPTS: dict[str, Callable[[Fault, Exchange], Exchange | None]] = {"post-not-forwarded": post_not_forwarded}
REWRITES: dict[str, Callable[[Fault, Exchange], Exchange]] = {
    "cacheable": cacheable,
    "refusal-accepted": refusal_accepted,
    "shown-text-altered": shown_text_altered,
}
KINDS = (*INTERCEPTS, *REWRITES)


class FaultsError(ValueError):
    """playbooks/faults.toml names something the contract or the catalog does not."""


def load_faults(path: Path = FAULTS_FILE) -> list[Fault]:
    known_flows = {flow.id for flow in catalog_flows()}
    faults = []
    for entry in tomllib.loads(path.read_text(encoding="utf-8"))["fault"]:
        fault = Fault(entry["name"], entry["promise"], tuple(entry["flows"]), entry["kind"], entry.get("route", ""),
                      entry.get("testid", ""), entry.get("path_prefix", ""), int(entry.get("status", 0)),
                      entry.get("shown", ""))
        if fault.kind not in KINDS:
            raise FaultsError(f"fault {fault.name}: no kind {fault.kind!r} (one of {', '.join(KINDS)})")
        if set(fault.flows) - known_flows:
            raise FaultsError(f"fault {fault.name}: no flow {sorted(set(fault.flows) - known_flows)}")
        if fault.kind == "post-not-forwarded":
            contract().route(fault.route)  # raises, naming it, when the contract has no such route
        if fault.testid:
            contract().testid(fault.testid)
        faults.append(fault)
    names = [fault.name for fault in faults]
    if len(names) != len(set(names)):
        raise FaultsError("two faults share a name")
    return faults
