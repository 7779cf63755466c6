"""Benign variants: which products exist and how each is approved."""

from __future__ import annotations

from . import Variant

VARIANTS: list[Variant] = []
