"""The one reader of numbers that come from outside: path segments, query strings, form fields, headers.

Only ASCII digits, within what SQLite's 64-bit integers hold. Python's int() and float() take far more (" 7", "1_0",
"５", "٥", "1e3", "nan") and raise on more than 4,300 digits; str.isdigit() takes "²", which int() then refuses;
SQLite overflows past 2**63 - 1. Reading never raises: anything else is None, and the caller answers 400 or 404."""

from __future__ import annotations

import re

LARGEST = 2**63 - 1  # SQLite's largest integer
_WHOLE = re.compile(r"[0-9]{1,19}")  # [0-9], not \d: \d matches the digits of every script
_DECIMAL = re.compile(r"([0-9]{1,15})(?:\.([0-9]{1,9}))?")


def whole_number(text: object, *, low: int = 0, high: int = LARGEST) -> int | None:
    """The number `text` writes in ASCII digits (no sign, space or underscore) if it is from low to high, else None."""
    if not isinstance(text, str) or not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def decimal_number(text: object, *, low: float = 0.0, high: float = float(LARGEST)) -> float | None:
    """A number of ASCII digits with an optional decimal point and fraction ("12", "0.5"), from low to high, else
    None: no sign, exponent, underscore, space, infinity or NaN."""
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    return value if low <= value <= high else None
