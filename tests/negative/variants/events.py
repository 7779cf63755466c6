"""Benign variants of the webhooks pages, deliveries and events (DPF-19 to DPF-24, DPF-32)."""

from __future__ import annotations

from . import Variant

VARIANTS = [
    Variant("webhooks-newest-first", "endpoints listed newest first",
            ("DPF-19", "DPF-20", "DPF-21", "DPF-22", "DPF-23", "DPF-24", "DPF-32"),
            templates=(("webhooks/list.html", "{% for w in endpoints %}", "{% for w in endpoints|reverse %}"),)),
    Variant("deliveries-reversed", "the delivery log and each delivery's attempts in the other order", ("DPF-23", "DPF-32"),
            templates=(("webhooks/deliveries.html", "{% for d in deliveries %}", "{% for d in deliveries|reverse %}"),
                       ("webhooks/deliveries.html", "{% for a in attempts.get(d.id, []) %}",
                        "{% for a in attempts.get(d.id, [])|reverse %}"))),
]
