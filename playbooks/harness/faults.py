"""The faults `dpf selftest` plays in front of a portal (playbooks/faults.toml), as rules on one request and its answer.

Each fault names the contract promise it breaks and the flows that must catch it, and acts only through what the
contract fixes: a route, a data-testid, a form field, an accessible name, a status. A rule either answers a request
itself without forwarding it (`intercept`), forwards it with less than it asked (`outgoing`), or rewrites the answer
the portal gave (`rewrite`); it never makes a request of its own. Each rule changes what it names and nothing else:
the rest of a page is passed on byte for byte. A few rules remember what they saw earlier in the run (`Play.memory`):
a secret shown once, a page a session was given, a credential's token; that memory is the run's and dies with it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from .catalog import flows as catalog_flows
from .contract import contract

FAULTS_FILE = Path(__file__).resolve().parents[1] / "faults.toml"
CACHEABLE = "private, max-age=600"
LEADING = ("href", "action")  # the attributes by which a link or a form leads to a path
FAILED_PAGE = b"<!doctype html><title>Internal Server Error</title><h1>Internal Server Error</h1>"


@dataclass(frozen=True)
class Exchange:
    """A request and the portal's answer to it, as the proxy passes them on."""

    method: str
    path: str  # without the query
    request_headers: dict[str, str]  # lower-case names
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    query: str = ""
    request_body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def with_header(self, name: str, value: str | None) -> Exchange:
        kept = [(key, v) for key, v in self.headers if key.lower() != name.lower()]
        return replace(self, headers=kept + ([(name, value)] if value is not None else []))

    @property
    def is_html(self) -> bool:
        return (self.header("Content-Type") or "").startswith("text/html")

    @property
    def page(self) -> str:
        return self.body.decode("utf-8", errors="surrogateescape")

    def with_page(self, page: str) -> Exchange:
        return replace(self, body=page.encode("utf-8", errors="surrogateescape"))


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
    shown: str = ""  # what a person reads, or the attribute holds, instead (else the same text, altered)
    attribute: str = ""  # data-altered: the data-* attribute of the test ID's elements
    to_status: int = 0  # status-changed: the status given instead
    to_route: str = ""  # link-retargeted: the contract route links lead to instead
    form_field: str = ""  # field-disabled: a contract form field
    accessible_name: str = ""  # name-changed: a contract accessible name

    def play(self) -> Play:
        return Play(self)

    # One request or answer on its own, as a run's first would be (a rule with memory needs one `play()` for the run)
    def intercept(self, request: Exchange) -> Exchange | None:
        return self.play().intercept(request)

    def rewrite(self, answer: Exchange) -> Exchange:
        return self.play().rewrite(answer)


@dataclass
class Play:
    """One fault played through one run: the rules, and what they remember of the run so far."""

    fault: Fault
    memory: dict[str, Any] = field(default_factory=dict)

    def intercept(self, request: Exchange) -> Exchange | None:
        """An answer the proxy gives instead of forwarding the request, or None to forward it."""
        rule = INTERCEPTS.get(self.fault.kind)
        return rule(self, request) if rule else None

    def outgoing(self, request: Exchange) -> Exchange:
        """The request as it is forwarded."""
        rule = OUTGOING.get(self.fault.kind)
        return rule(self, request) if rule else request

    def rewrite(self, answer: Exchange) -> Exchange:
        rule = REWRITES.get(self.fault.kind)
        return rule(self, answer) if rule else answer


# --------------------------------------------------------------------------------------------------- requests

def post_not_forwarded(play: Play, request: Exchange) -> Exchange | None:
    """The action silently does nothing: the POST is answered as a form post usually is (303 back to the page it came
    from) and never reaches the portal."""
    if not contract().route(play.fault.route).matches(request.method, request.path):
        return None
    referer = urlsplit(request.request_headers.get("referer", ""))
    back = (referer.path or "/") + (f"?{referer.query}" if referer.query else "")
    return replace(request, status=303, headers=[("Location", back)], body=b"")


def page_fails(play: Play, request: Exchange) -> Exchange | None:
    """The route's page is broken: answered with a server error, never forwarded."""
    if not contract().route(play.fault.route).matches(request.method, request.path):
        return None
    return replace(request, status=play.fault.status or 500, headers=[("Content-Type", "text/html; charset=utf-8")],
                   body=FAILED_PAGE)


def query_ignored(play: Play, request: Exchange) -> Exchange:
    """A search or a filter that is ignored: the route's page is asked for without its query (the browser keeps it)."""
    if contract().route(play.fault.route).matches(request.method, request.path):
        return replace(request, query="")
    return request


# ---------------------------------------------------------------------------------------------------- answers

def cacheable(play: Play, answer: Exchange) -> Exchange:
    """A page holding the test ID (a secret shown once) is served for browsers and proxies to keep."""
    if not answer.is_html or not _holds_testid(answer.body, play.fault.testid):
        return answer
    return answer.with_header("Cache-Control", CACHEABLE).with_header("Pragma", None)


def refusal_accepted(play: Play, answer: Exchange) -> Exchange:
    """A refusal (the status) of a call under the path prefix becomes a 200 with an empty JSON object."""
    if answer.status != play.fault.status or not answer.path.startswith(play.fault.path_prefix):
        return answer
    kept = [(k, v) for k, v in answer.headers if k.lower() not in ("content-type", "content-length", "www-authenticate")]
    return replace(answer, status=200, headers=[*kept, ("Content-Type", "application/json")], body=b"{}")


def status_changed(play: Play, answer: Exchange) -> Exchange:
    """The route's (or the path prefix's) answers with the status carry another status; the rest is as it was."""
    fault = play.fault
    at = (contract().route(fault.route).matches(answer.method, answer.path) if fault.route
          else answer.path.startswith(fault.path_prefix))
    return replace(answer, status=fault.to_status) if at and answer.status == fault.status else answer


def shown_text_altered(play: Play, answer: Exchange) -> Exchange:
    """What a person reads in each element with the test ID changes; its data-* attributes stay as they were."""
    fault = play.fault
    if not answer.is_html or not _holds_testid(answer.body, fault.testid):
        return answer
    change = (lambda _: fault.shown) if fault.shown else alter
    return answer.with_page(alter_text_inside(answer.page, fault.testid, change))


def data_altered(play: Play, answer: Exchange) -> Exchange:
    """The reverse: the data attribute of each element with the test ID changes, what a person reads does not."""
    fault = play.fault
    if not answer.is_html or not _holds_testid(answer.body, fault.testid):
        return answer

    def change(tag: str) -> str:  # `shown` is written on every element, also where the attribute was left out
        value = attribute_of(tag, fault.attribute)
        if fault.shown:
            return with_attribute(tag, fault.attribute, fault.shown)
        return tag if value is None else with_attribute(tag, fault.attribute, alter(value))

    return answer.with_page(rewrite_start_tags(answer.page, lambda attrs: ("data-testid", fault.testid) in attrs, change))


def testid_dropped(play: Play, answer: Exchange) -> Exchange:
    """An element the contract names is missing: its elements stay, without the data-testid."""
    fault = play.fault
    if not answer.is_html or not _holds_testid(answer.body, fault.testid):
        return answer
    return answer.with_page(rewrite_start_tags(answer.page, lambda attrs: ("data-testid", fault.testid) in attrs,
                                               lambda tag: with_attribute(tag, "data-testid", None)))


def link_retargeted(play: Play, answer: Exchange) -> Exchange:
    """Every link to the route's path, and every form sent there, leads to another route of the contract instead."""
    if not answer.is_html:
        return answer
    path, to = _plain_path(play.fault.route).rstrip("/"), _plain_path(play.fault.to_route)

    def leads_there(value: str | None) -> bool:
        return value is not None and urlsplit(value).path.rstrip("/") == path

    def retarget(tag: str) -> str:
        return next(with_attribute(tag, name, to) for name in LEADING if leads_there(attribute_of(tag, name)))

    return answer.with_page(rewrite_start_tags(
        answer.page, lambda attrs: any(name in LEADING and leads_there(value) for name, value in attrs), retarget))


def field_disabled(play: Play, answer: Exchange) -> Exchange:
    """A form's field (a contract field name) cannot be used: every control of that name is disabled."""
    if not answer.is_html:
        return answer
    name = play.fault.form_field

    def control(attrs: list[tuple[str, str | None]]) -> bool:
        return ("name", name) in attrs

    return answer.with_page(rewrite_start_tags(answer.page, control, lambda tag: with_attribute(tag, "disabled", "")))


def name_changed(play: Play, answer: Exchange) -> Exchange:
    """A heading, button, link or label the contract names reads another name: each text that is the name (in any
    letter case and spacing), and each aria-label that is, says `shown` instead."""
    if not answer.is_html:
        return answer
    name, shown = _words(play.fault.accessible_name), play.fault.shown
    page = rewrite_start_tags(answer.page, lambda attrs: _words(dict(attrs).get("aria-label") or "") == name,
                              lambda tag: with_attribute(tag, "aria-label", shown))
    return answer.with_page(alter_texts(page, lambda text: _words(text) == name, lambda text: shown))


def stale_page_served(play: Play, answer: Exchange) -> Exchange:
    """A page kept regardless of who asks: a GET the portal refuses (401, 403, or a redirect to the sign-in or the
    access-denied page) is answered with the last page the portal gave for that path, to anyone."""
    if answer.method != "GET":
        return answer
    if answer.status == 200 and answer.is_html:
        play.memory[answer.path] = answer.with_header("Set-Cookie", None)  # never anyone's session
        return answer
    location = urlsplit(answer.header("Location") or "").path
    refused = answer.status in (401, 403) or (300 <= answer.status < 400 and location in _refusal_pages())
    kept = play.memory.get(answer.path)
    return replace(kept, request_headers=answer.request_headers) if refused and kept is not None else answer


def secret_shown_again(play: Play, answer: Exchange) -> Exchange:
    """A secret shown once is shown again: the elements with the test ID the portal showed are put back into every
    later page (before </main>, else </body>) that does not hold them."""
    fault = play.fault
    if not answer.is_html or answer.status != 200:
        return answer
    page = answer.page
    if _holds_testid(answer.body, fault.testid):
        play.memory["shown"] = [page[start:end] for start, end in _Marked(fault.testid).feed_page(page).elements]
        return answer
    if not play.memory.get("shown"):
        return answer
    again = "".join(play.memory["shown"])
    for closing in ("</main>", "</body>"):
        at = page.rfind(closing)
        if at >= 0:
            return answer.with_page(page[:at] + again + page[at:])
    return answer.with_page(page + again)


def predecessor_accepted(play: Play, answer: Exchange) -> Exchange:
    """A secret the portal issued keeps getting tokens: a token request the route refuses with the status, for a
    client secret the portal showed or honoured earlier in the run (rotated out, deactivated, revoked), is answered
    with the token the same client ID last got, as if still valid (or, when it got none, one in the contract's
    format). A secret the portal never issued is still refused."""
    fault = play.fault
    issued: set[str] = play.memory.setdefault("issued", set())
    for secret in _client_secrets().findall(answer.body.decode("utf-8", "replace")):
        issued.add(_digest(secret))
    if not contract().route(fault.route).matches(answer.method, answer.path):
        return answer
    client_id, secret = _credentials(answer)
    if not client_id:
        return answer
    if answer.status == 200:
        issued.add(_digest(secret))
        play.memory[f"token {client_id}"] = answer
    elif answer.status == fault.status and _digest(secret) in issued:
        kept = play.memory.get(f"token {client_id}")
        if kept is not None:
            return replace(kept, request_headers=answer.request_headers)
        made_up = json.dumps({"access_token": "at_" + secrets.token_urlsafe(32), "token_type": "Bearer",
                              "expires_in": contract().api["token_lifetime_seconds"]}).encode()
        return replace(answer, status=200, headers=[("Content-Type", "application/json"),
                                                    ("Cache-Control", "no-store")], body=made_up)
    return answer


def _credentials(request: Exchange) -> tuple[str, str]:
    """The client ID and secret a token request carries (form fields, or HTTP Basic), or ("", "")."""
    form = parse_qs(request.request_body.decode("utf-8", "replace"))
    client_id, secret = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
    authorization = request.request_headers.get("authorization", "")
    if not (client_id and secret) and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
        except ValueError:
            return "", ""
        client_id, _, secret = (unquote(part) for part in decoded.partition(":"))
    return (client_id, secret) if client_id and secret else ("", "")


@functools.cache
def _client_secrets() -> re.Pattern[str]:
    formats = contract().secrets
    return re.compile("|".join(f"(?:{formats[name].pattern})" for name in ("client_secret_sandbox",
                                                                             "client_secret_production")))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _refusal_pages() -> set[str]:
    return {_plain_path("login_form"), _plain_path("forbidden"), _plain_path("reauth_form")}


def _plain_path(route_name: str) -> str:
    return contract().route(route_name).path


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def alter(text: str) -> str:
    """The same length, visibly different: every digit one more (9 becomes 0), else every letter's case swapped."""
    if any(ch.isdigit() for ch in text):
        return "".join(str((int(ch) + 1) % 10) if ch.isdigit() else ch for ch in text)
    return text.swapcase()


# ---------------------------------------------------------------------------------------- reading pages unchanged

class _Marked(HTMLParser):
    """Where things are in a page, found without changing a byte of it: the text inside elements with a data-testid
    (`ranges`) and the read-only fields that are or sit in them (`fields`: their start tags), those elements whole
    (`elements`), every text (`texts`) and every start tag (`tags`)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, testid: str = ""):
        super().__init__(convert_charrefs=False)
        self.testid = testid
        self.open: list[tuple[str, int | None]] = []  # (tag, start offset when it is one of the elements)
        self.inside = 0
        self.ranges: list[tuple[int, int]] = []
        self.elements: list[tuple[int, int]] = []
        self.fields: list[tuple[int, int]] = []
        self.texts: list[tuple[int, int]] = []
        self.tags: list[tuple[int, int, list[tuple[str, str | None]]]] = []
        self._text = ""
        self._line_starts: list[int] = [0]

    def feed_page(self, text: str) -> _Marked:
        self._text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.feed(text)
        self.close()
        return self

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        end = start + len(self.get_starttag_text() or "")
        self.tags.append((start, end, attrs))
        mine = bool(self.testid) and ("data-testid", self.testid) in attrs
        if tag == "input" and (mine or self.inside):
            self.fields.append((start, end))
        if tag in self.VOID:
            if mine:
                self.elements.append((start, end))
            return
        self.open.append((tag, start if mine else None))
        self.inside += mine

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # as a browser reads it: "/>" closes no HTML element

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                closed = self.open[index:]
                self.inside -= sum(start is not None for _, start in closed)
                if closed[0][1] is not None:
                    end = self._text.find(">", self._offset())
                    self.elements.append((closed[0][1], end + 1 if end >= 0 else len(self._text)))
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not data.strip() or self.cdata_elem is not None:
            return
        start = self._offset()
        self.texts.append((start, start + len(data)))
        if self.inside:
            self.ranges.append((start, start + len(data)))


def _replaced(page: str, spans: list[tuple[int, int]], change: Callable[[str], str]) -> str:
    for start, end in sorted(spans, reverse=True):
        page = page[:start] + change(page[start:end]) + page[end:]
    return page


def alter_text_inside(page: str, testid: str, change: Callable[[str], str] = alter) -> str:
    """The page with what a person reads in each element with the test ID changed: its text, and the value of a
    read-only field it is or holds; every other byte as it was."""
    marked = _Marked(testid).feed_page(page)

    def field_value(tag: str) -> str:
        value = attribute_of(tag, "value")
        return tag if value is None else with_attribute(tag, "value", change(value))

    spans = [(start, end, change) for start, end in marked.ranges] + \
            [(start, end, field_value) for start, end in marked.fields]
    for start, end, changed in sorted(spans, key=lambda span: span[0], reverse=True):
        page = page[:start] + changed(page[start:end]) + page[end:]
    return page


def alter_texts(page: str, which: Callable[[str], bool], change: Callable[[str], str]) -> str:
    """The page with each text `which` picks changed (its surrounding spaces kept), every other byte as it was."""
    spans = [(start, end) for start, end in _Marked().feed_page(page).texts if which(page[start:end])]

    def keep_spacing(text: str) -> str:
        core = text.strip()
        at = text.index(core)
        return text[:at] + change(core) + text[at + len(core):]

    return _replaced(page, spans, keep_spacing)


def rewrite_start_tags(page: str, which: Callable[[list[tuple[str, str | None]]], bool],
                       change: Callable[[str], str]) -> str:
    """The page with each start tag whose attributes `which` picks changed, every other byte as it was."""
    return _replaced(page, [(start, end) for start, end, attrs in _Marked().feed_page(page).tags if which(attrs)],
                     change)


_ATTRIBUTE = r"""(\s{name})(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?(?=[\s/>])"""


def attribute_of(tag: str, name: str) -> str | None:
    found = re.search(_ATTRIBUTE.format(name=re.escape(name)), tag, re.IGNORECASE)
    if found is None:
        return None
    value = found.group(2) or ""
    return value[1:-1] if value[:1] in "\"'" and value else value


def with_attribute(tag: str, name: str, value: str | None) -> str:
    """The start tag with the attribute set to value (added before the tag's end if missing), or removed (None)."""
    pattern = re.compile(_ATTRIBUTE.format(name=re.escape(name)), re.IGNORECASE)
    written = "" if value is None else f' {name}="{value.replace(chr(34), "&quot;")}"' if value else f" {name}"
    if pattern.search(tag):
        return pattern.sub(lambda _: written, tag, count=1)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end].rstrip() + written + tag[end:]


def _holds_testid(body: bytes, testid: str) -> bool:
    return re.search(rb"""data-testid\s*=\s*["']?""" + re.escape(testid.encode()) + rb"""(["'\s>])""", body) is not None


INTERCEPTS: dict[str, Callable[[Play, Exchange], Exchange | None]] = {
    "post-not-forwarded": post_not_forwarded,
    "page-fails": page_fails,
}
OUTGOING: dict[str, Callable[[Play, Exchange], Exchange]] = {"query-ignored": query_ignored}
REWRITES: dict[str, Callable[[Play, Exchange], Exchange]] = {
    "cacheable": cacheable,
    "refusal-accepted": refusal_accepted,
    "status-changed": status_changed,
    "shown-text-altered": shown_text_altered,
    "data-altered": data_altered,
    "testid-dropped": testid_dropped,
    "link-retargeted": link_retargeted,
    "field-disabled": field_disabled,
    "name-changed": name_changed,
    "stale-page-served": stale_page_served,
    "secret-shown-again": secret_shown_again,
    "predecessor-accepted": predecessor_accepted,
}
KINDS = (*INTERCEPTS, *OUTGOING, *REWRITES)
# What each kind needs, beside its name, promise and flows
NEEDS: dict[str, tuple[str, ...]] = {
    "post-not-forwarded": ("route",), "page-fails": ("route",), "query-ignored": ("route",), "cacheable": ("testid",),
    "refusal-accepted": ("path_prefix", "status"), "status-changed": ("status", "to_status"),
    "shown-text-altered": ("testid",), "data-altered": ("testid", "attribute"), "testid-dropped": ("testid",),
    "link-retargeted": ("route", "to_route"), "field-disabled": ("form_field",),
    "name-changed": ("accessible_name", "shown"), "stale-page-served": (), "secret-shown-again": ("testid",),
    "predecessor-accepted": ("route", "status"),
}


class FaultsError(ValueError):
    """playbooks/faults.toml names something the contract or the catalog does not."""


def load_faults(path: Path = FAULTS_FILE) -> list[Fault]:
    known_flows = {flow.id for flow in catalog_flows()}
    known_keys = {f.name for f in fields(Fault)}
    faults = []
    for entry in tomllib.loads(path.read_text(encoding="utf-8"))["fault"]:
        name = entry.get("name", "?")
        if set(entry) - known_keys:
            raise FaultsError(f"fault {name}: no key {sorted(set(entry) - known_keys)}")
        fault = Fault(**{**entry, "flows": tuple(entry["flows"])})
        if fault.kind not in KINDS:
            raise FaultsError(f"fault {name}: no kind {fault.kind!r} (one of {', '.join(KINDS)})")
        if missing := [key for key in NEEDS[fault.kind] if not getattr(fault, key)]:
            raise FaultsError(f"fault {name}: a {fault.kind} fault needs {', '.join(missing)}")
        if set(fault.flows) - known_flows:
            raise FaultsError(f"fault {name}: no flow {sorted(set(fault.flows) - known_flows)}")
        for route in (fault.route, fault.to_route):
            if route:
                contract().route(route)  # raises, naming it, when the contract has no such route
        if fault.testid:
            contract().testid(fault.testid)
        if fault.form_field and not any(fault.form_field in names for names in contract().fields.values()):
            raise FaultsError(f"fault {name}: no form field {fault.form_field!r} in the contract")
        if fault.accessible_name and fault.accessible_name not in {n for names in contract().names.values() for n in names}:
            raise FaultsError(f"fault {name}: no accessible name {fault.accessible_name!r} in the contract")
        faults.append(fault)
    names = [fault.name for fault in faults]
    if len(names) != len(set(names)):
        raise FaultsError("two faults share a name")
    return faults
