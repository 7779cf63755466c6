"""Benign variants of the applications and keys pages (DPF-05 to DPF-12)."""

from __future__ import annotations

from . import Variant

VARIANTS = [
    Variant("done-goes-to-dashboard", "the one-time secret dialog's Done leads to the dashboard",
            ("DPF-06", "DPF-10", "DPF-11", "DPF-12", "DPF-17", "DPF-20", "DPF-22", "DPF-31", "DPF-33", "DPF-34"),
            templates=(("macros.html", 'href="{{ done_href }}">Done</a>', 'href="/app">Done</a>'),)),
    Variant("applications-newest-first", "applications listed newest first", ("DPF-05", "DPF-06", "DPF-07", "DPF-08"),
            templates=(("apps/list.html", "{% for app in applications %}", "{% for app in applications|reverse %}"),)),
    Variant("keys-newest-first", "credentials listed newest first", ("DPF-09", "DPF-10", "DPF-11", "DPF-12", "DPF-33"),
            templates=(("keys/list.html", "{% for c in credentials %}", "{% for c in credentials|reverse %}"),)),
]
