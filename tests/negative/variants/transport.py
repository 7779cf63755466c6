"""Benign variants of how the portal treats clients and sessions (every flow that signs in)."""

from __future__ import annotations

from . import Variant

VARIANTS: list[Variant] = []
