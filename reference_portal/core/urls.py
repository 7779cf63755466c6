"""The one way the portal takes a URL apart. urllib.parse raises ValueError on some text (an unclosed "[::1" IPv6
literal, a port that is not a number); here such a URL is None and the caller refuses it, never a 500."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit


@dataclass(frozen=True)
class Url:
    parts: SplitResult
    hostname: str  # lower case, "" when there is none
    port: int | None  # as written; None when the URL names none

    @property
    def scheme(self) -> str:
        return self.parts.scheme


def parse_url(text: str) -> Url | None:
    """The URL's parts, or None when urllib cannot take it apart (a bad IPv6 literal, a port out of range)."""
    try:
        parts = urlsplit(text)
        return Url(parts, parts.hostname or "", parts.port)
    except ValueError:
        return None
