"""Benign variants of the usage, FAQ and go-live pages (DPF-25 to DPF-27, DPF-34)."""

from __future__ import annotations

from . import Variant

VARIANTS: list[Variant] = []
