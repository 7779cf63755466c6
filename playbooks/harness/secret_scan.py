"""The leak scan: every secret a run captured or used, looked for in everything the run wrote.

A run registers each secret it sees (fixtures/redaction.py's SecretRegistry, with its kind). When the run ends,
every file it wrote is searched for each of them in the forms a secret takes on its way into an artifact: raw,
base64 (at any alignment inside a longer base64 text), URL-encoded, JSON-escaped, XML-escaped (JUnit, HTML), and
HTTP Basic (base64 of `id:secret`). Zip archives (Playwright traces, attachments), gzip files and long base64 runs (the single-file Allure
report embeds every attachment that way) are opened and searched too. Secrets of a shape the contract defines are
also found when nobody registered them. A finding names the file and the secret's kind, never the secret.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import html
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator
from urllib.parse import quote, quote_plus

import ahocorasick_rs

# The kinds of secret the harness handles; a finding names one of them.
CLIENT_SECRET = "client secret"
SANDBOX_KEY = "sandbox API key"
WEBHOOK_SECRET = "webhook signing secret"
ACCESS_TOKEN = "access token"
TOTP_SECRET = "TOTP secret"
TOTP_CODE = "TOTP code"
RECOVERY_CODE = "recovery code"
PASSWORD = "password"
SESSION_ID = "session id"
COOKIE = "cookie"
SECRET = "secret"
KINDS = (CLIENT_SECRET, SANDBOX_KEY, WEBHOOK_SECRET, ACCESS_TOKEN, TOTP_SECRET, TOTP_CODE, RECOVERY_CODE, PASSWORD,
         SESSION_ID, COOKIE, SECRET)

# The contract's secret formats: the prefix says the kind.
SHAPE_KINDS = {"cs_test_": CLIENT_SECRET, "cs_live_": CLIENT_SECRET, "sk_test_": SANDBOX_KEY,
               "whsec_": WEBHOOK_SECRET, "at_": ACCESS_TOKEN}
SECRET_SHAPES = re.compile(
    rb"(?<![A-Za-z0-9_\-])(cs_test_|cs_live_|sk_test_|at_)[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])"
    rb"|(?<![A-Za-z0-9_\-])(whsec_)[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])"
)
# Words in a vault name that say what it holds, for values of no contract shape.
NAME_KINDS = (("webhook", WEBHOOK_SECRET), ("signing", WEBHOOK_SECRET), ("api_key", SANDBOX_KEY),
              ("access_token", ACCESS_TOKEN), ("token", ACCESS_TOKEN), ("client_secret", CLIENT_SECRET),
              ("recovery", RECOVERY_CODE), ("totp", TOTP_SECRET), ("password", PASSWORD), ("session", SESSION_ID))

BASIC_CREDENTIALS = re.compile(rb"Basic\s+([A-Za-z0-9+/]{8,}={0,2})")
BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{64,}={0,2}")
EMBEDDED_NAME = re.compile(rb'd\("([^"]{1,300})",\s*"$')  # the single-file Allure report: d("data/x.png","<base64>")
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
MIN_BASE64_CORE = 8  # shorter stable cores of a base64 encoding would match by chance
MAX_DEPTH = 4


def kind_of(value: str, name: str = "") -> str:
    """A secret's kind from its shape, else from the name it is kept under."""
    for prefix, kind in SHAPE_KINDS.items():
        if value.startswith(prefix):
            return kind
    lowered = name.lower()
    return next((kind for word, kind in NAME_KINDS if word in lowered), SECRET)


@dataclass(frozen=True, order=True)
class Finding:
    where: str
    kind: str
    form: str

    def __str__(self) -> str:
        return f"{self.where}: {_a(self.kind)} ({self.form})"


def base64_cores(raw: bytes) -> set[bytes]:
    """The part of the secret's base64 encoding that is the same wherever it starts in a longer encoded text."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        start = 4 if offset else 0  # the first group mixes in what came before
        end = ((offset + len(raw)) // 3) * 4  # the last partial group mixes in what comes after
        core = encoded[start:end]
        if len(core) >= MIN_BASE64_CORE:
            cores.add(core)
            cores.add(core.translate(bytes.maketrans(b"+/", b"-_")))
    return cores


def encoded_forms(value: str) -> dict[bytes, str]:
    """Each byte string the value can appear as, and the name of that form."""
    raw = value.encode("utf-8")
    forms: dict[bytes, str] = {}
    for core in base64_cores(raw):
        forms.setdefault(core, "base64")
    forms.setdefault(html.escape(value).encode("utf-8"), "XML-escaped")
    forms.setdefault(html.escape(value, quote=False).encode("utf-8"), "XML-escaped")
    escaped = json.dumps(value)[1:-1]
    for variant in (escaped, escaped.replace("/", "\\/"), json.dumps(value, ensure_ascii=False)[1:-1]):
        forms.setdefault(variant.encode("utf-8"), "JSON-escaped")
        forms.setdefault(html.escape(variant).encode("utf-8"), "JSON-escaped")  # JSON inside XML or HTML
    for variant in (quote(value, safe=""), quote_plus(value, safe=""), quote(value)):
        forms.setdefault(variant.encode("ascii"), "URL-encoded")
        forms.setdefault(re.sub(rb"%[0-9A-F]{2}", lambda m: m.group().lower(), variant.encode("ascii")), "URL-encoded")
    forms[raw] = "raw"
    return forms


@dataclass
class _Pattern:
    kind: str
    form: str
    digits_only: bool


@dataclass
class LeakScanner:
    """Searches bytes, files and folders for a set of secrets; builds its automaton once."""

    secrets: Iterable[tuple[str, str]]
    _patterns: list[_Pattern] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        by_bytes: dict[bytes, _Pattern] = {}
        for value, kind in self.secrets:
            digits_only = value.isdigit()
            for encoded, form in encoded_forms(value).items():
                if digits_only and form == "base64":
                    continue
                by_bytes.setdefault(encoded, _Pattern(kind, form, digits_only))
        self._needles = list(by_bytes)
        self._patterns = list(by_bytes.values())
        self._automaton = ahocorasick_rs.BytesAhoCorasick(self._needles) if self._needles else None

    # ------------------------------------------------------------ bytes

    def scan_bytes(self, data: bytes, where: str, depth: int = 0) -> set[Finding]:
        findings: set[Finding] = set()
        if depth < MAX_DEPTH:
            inner = _container(data)
            if inner is not None:
                for name, content in inner:
                    findings |= self.scan_bytes(content, f"{where}!{name}", depth + 1)
                return findings
            for match in BASE64_RUN.finditer(data):
                content = _decoded(match.group())
                if content is not None:
                    findings |= self.scan_bytes(content, f"{where}{_embedded_name(data, match.start())}", depth + 1)
        findings |= self._matches(data, where)
        for match in BASIC_CREDENTIALS.finditer(data):
            credentials = _decoded(match.group(1))
            if credentials and b":" in credentials:
                findings |= {Finding(where, f.kind, "HTTP Basic") for f in self._matches(credentials, where)}
        for match in SECRET_SHAPES.finditer(data):
            prefix = (match.group(1) or match.group(2)).decode()
            findings.add(Finding(where, SHAPE_KINDS[prefix], "contract shape"))
        return findings

    def _matches(self, data: bytes, where: str) -> set[Finding]:
        if self._automaton is None:
            return set()
        findings = set()
        binary = _is_binary(data) or _is_static_code(where)
        for index, start, end in self._automaton.find_matches_as_indexes(data, overlapping=True):
            pattern = self._patterns[index]
            if pattern.digits_only and (binary or _is_alphanumeric_at(data, start - 1) or _is_alphanumeric_at(data, end)):
                # a code stands on its own as text, not as six digits inside a longer number or ID, nor as six
                # bytes of an image that happen to be digits
                continue
            findings.add(Finding(where, pattern.kind, pattern.form))
        return findings

    # ------------------------------------------------------------ files

    def scan_paths(self, paths: Iterable[Path], root: Path | None = None) -> list[Finding]:
        """Every file under each path (a file or a folder), by its path relative to root."""
        findings: set[Finding] = set()
        for file in _files(paths):
            try:
                data = file.read_bytes()
            except OSError:
                continue
            findings |= self.scan_bytes(data, _shown(file, root))
        return sorted(findings)


def _is_static_code(where: str) -> bool:
    """The report's own scripts and styles: numbers in them are constants, never a code the run typed."""
    last = where.rsplit("!", 1)[-1].rsplit("#", 1)[-1]
    return last.startswith("script@") or last.endswith((".js", ".css", ".mjs"))


def _is_binary(data: bytes) -> bool:
    return b"\x00" in data[:1024] or data.startswith(IMAGE_MAGIC) or data[8:12] == b"WEBP"


def _is_alphanumeric_at(data: bytes, index: int) -> bool:
    return 0 <= index < len(data) and chr(data[index]).isalnum() and data[index] < 128


def _decoded(text: bytes) -> bytes | None:
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _embedded_name(data: bytes, start: int) -> str:
    before = data[max(0, start - 310):start]
    named = EMBEDDED_NAME.search(before)
    if named:
        return f"#{named.group(1).decode('utf-8', 'replace')}"
    return f"#script@{start}" if before.endswith((b"data:text/javascript;base64,", b"data:text/css;base64,")) \
        else f"#base64@{start}"


def _container(data: bytes) -> list[tuple[str, bytes]] | None:
    """The members of a zip archive, or the content of a gzip file; None for anything else."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
            return None
    if data[:2] == b"\x1f\x8b":
        try:
            return [("(gzip)", gzip.decompress(data))]
        except (OSError, EOFError):
            return None
    return None


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def describe(findings: list[Finding]) -> str:
    """One line per file and kind, with the forms found; never the secret."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        forms = grouped.setdefault((finding.where, finding.kind), [])
        if finding.form not in forms:
            forms.append(finding.form)
    return "\n".join(f"  {where}: {_a(kind)} ({', '.join(forms)})" for (where, kind), forms in grouped.items())


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


class OutputRecorder:
    """Tees what is written to a stream into memory (never to disk), so the run's own output can be scanned too."""

    def __init__(self, stream: IO[str]):
        self._stream = stream
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return self._stream.write(text)

    def text(self) -> str:
        return "".join(self._parts)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


class LeakGate:
    """`dpf run`'s scan: handed the run's secrets when the pytest session ends, it scans once the report is made."""

    def __init__(self) -> None:
        self.secrets: list[tuple[str, str]] = []
        self._outputs: list[tuple[str, OutputRecorder]] = []

    def record_output(self) -> None:
        """From now on, what the run prints goes to the terminal and into memory, to be scanned with its files."""
        sys.stdout = recorder_out = OutputRecorder(sys.stdout)
        sys.stderr = recorder_err = OutputRecorder(sys.stderr)
        self._outputs = [("the run's standard output", recorder_out), ("the run's standard error", recorder_err)]

    def stop_recording(self) -> None:
        for _, recorder in self._outputs:
            if sys.stdout is recorder:
                sys.stdout = recorder._stream  # type: ignore[assignment]
            if sys.stderr is recorder:
                sys.stderr = recorder._stream  # type: ignore[assignment]

    def check(self, out: Path) -> list[Finding]:
        """Scan everything the run wrote under `out` and its output; print what was found (never the secret)."""
        self.stop_recording()
        scanner = LeakScanner(self.secrets)
        findings = scanner.scan_paths([out], root=out.parent)
        for where, recorder in self._outputs:
            findings += sorted(scanner.scan_bytes(recorder.text().encode("utf-8", "replace"), where))
        if findings:
            print(f"dpf: FAILED: secrets reached what the run wrote ({len(self.secrets)} secrets checked):\n"
                  + describe(findings), file=sys.stderr, flush=True)
        else:
            print(f"dpf: leak scan: none of the run's {len(self.secrets)} secrets is in {out} or its output", flush=True)
        return findings
