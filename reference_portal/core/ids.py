"""Public identifiers: how a row's number is shown in pages, addresses, forms and JSON, and read back.

Two styles. "integer" shows the number itself. "opaque" shows `<kind>_<number in hex><tag>`, the tag 8 hex digits of
an HMAC of kind and number under the portal's secret key, so one ID tells nothing about another and none can be
guessed. Reading never raises: text the portal would not have rendered is None, and the caller answers 400 or 404."""

from __future__ import annotations

import hashlib
import hmac
import re

from .numbers import LARGEST as LARGEST_ROW, whole_number

STYLES = ("integer", "opaque")
# The kinds of row that have public IDs, as each prefixes its opaque IDs.
KINDS = ("app", "key", "sbx", "sub", "wh", "dlv", "rule")
# What the contract allows any ID to look like (playbooks/contract.toml [ids]): URL-path-safe, at most 128 characters.
ID_TEXT = re.compile(r"[A-Za-z0-9._~-]{1,128}")
_HEX_NUMBER = re.compile(r"[1-9a-f][0-9a-f]{0,15}")
_TAG_LENGTH = 8


class PublicIds:
    def __init__(self, style: str = "integer", key: bytes = b""):
        if style not in STYLES:
            raise ValueError(f"public IDs are {' or '.join(STYLES)}, not {style!r}")
        self.style = style
        self._key = hmac.new(key, b"public-ids", hashlib.sha256).digest()

    def encode(self, kind: str, number: int) -> str:
        if kind not in KINDS:
            raise ValueError(f"no public IDs for {kind!r}")
        if self.style == "integer":
            return str(number)
        return f"{kind}_{number:x}{self._tag(kind, number)}"

    def decode(self, kind: str, text: object) -> int | None:
        """The row number `text` names, or None when it is not an ID this portal rendered for `kind`."""
        if not isinstance(text, str) or kind not in KINDS or not ID_TEXT.fullmatch(text):
            return None
        if self.style == "integer":
            return whole_number(text)
        prefix = f"{kind}_"
        body = text[len(prefix):]
        if not text.startswith(prefix) or len(body) <= _TAG_LENGTH:
            return None
        digits, tag = body[:-_TAG_LENGTH], body[-_TAG_LENGTH:]
        if not _HEX_NUMBER.fullmatch(digits):
            return None
        number = int(digits, 16)
        if number > LARGEST_ROW:
            return None
        return number if hmac.compare_digest(tag, self._tag(kind, number)) else None

    def _tag(self, kind: str, number: int) -> str:
        return hmac.new(self._key, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()[:_TAG_LENGTH]
