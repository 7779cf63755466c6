"""The reference developer portal: a plain WSGI application over SQLite and Jinja2."""

from __future__ import annotations

from typing import Any

from .core.config import Config

__all__ = ["Config", "Portal", "create_app"]


def __getattr__(name: str) -> Any:
    """The application is imported when first asked for: an installed harness reads the demo accounts' settings
    (core.config) where the portal's own libraries, the `portal` extra, are not installed."""
    if name in ("Portal", "create_app"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
