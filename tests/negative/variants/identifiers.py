"""Benign variants: how the portal names things (opaque identifiers)."""

from __future__ import annotations

from . import Variant

VARIANTS: list[Variant] = []
