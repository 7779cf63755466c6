"""What a text field from outside may hold: printable text. Control characters (NUL, escape, the C1 set) would reach
pages, logs and exports raw; a description may keep its line breaks and tabs."""

from __future__ import annotations

import unicodedata

_LINE_BREAKS = frozenset("\t\n\r")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether `text` holds a control character (or a lone surrogate), line breaks and tabs allowed with `multiline`."""
    return any(
        unicodedata.category(char) in ("Cc", "Cs") and not (multiline and char in _LINE_BREAKS) for char in text
    )


def shown_safely(text: str, *, multiline: bool = False) -> str:
    """`text` to show back on a refused form: each control character as U+FFFD, so none reaches the page raw."""
    return "".join(
        "\ufffd" if unicodedata.category(char) in ("Cc", "Cs") and not (multiline and char in _LINE_BREAKS) else char
        for char in text
    )
