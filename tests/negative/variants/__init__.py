"""Benign variants: the reference portal changed only where the contract allows it. Each variant names the
contract-keeping difference it makes and the flows whose own pages or calls meet it; every flow must meet at least
three (tests/negative/test_positive_variants.py checks the count and runs every flow against all of them at once).

A variant acts through any of: swapped route endpoints, template edits (each an exact piece of the real source and
its replacement), Config values, a WSGI middleware around the served portal, and attributes patched in the portal's
process for the test's duration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import reference_portal

WSGIApp = Callable[..., Any]
TEMPLATES = Path(reference_portal.__file__).parent / "areas" / "templates"


@dataclass(frozen=True)
class Variant:
    name: str
    why: str  # the difference, in the words a partner's portal would have it
    flows: tuple[str, ...]  # the flows whose own pages or calls meet the difference
    routes: dict[tuple[str, str], Callable[[Callable[..., Any]], Callable[..., Any]]] = field(default_factory=dict)
    templates: tuple[tuple[str, str, str], ...] = ()  # (template, real source, variant source)
    config: dict[str, Any] = field(default_factory=dict)
    middleware: Callable[[WSGIApp], WSGIApp] | None = None
    patches: tuple[tuple[Any, str, Any], ...] = ()  # (object, attribute, value) in the portal's process


def all_variants() -> list[Variant]:
    from . import accounts, approvals, catalog, credentials, events, identifiers, insights, screens, transport

    variants = [*identifiers.VARIANTS, *approvals.VARIANTS, *catalog.VARIANTS, *credentials.VARIANTS, *screens.VARIANTS,
                *events.VARIANTS, *insights.VARIANTS, *accounts.VARIANTS, *transport.VARIANTS]
    names = [v.name for v in variants]
    assert len(names) == len(set(names)), f"two variants share a name: {names}"
    return variants


def chosen_variants() -> list[Variant]:
    """All variants, or only those named in DPF_VARIANTS (comma-separated names), to narrow a failure down."""
    names = {name.strip() for name in os.environ.get("DPF_VARIANTS", "").split(",") if name.strip()}
    variants = all_variants()
    unknown = names - {v.name for v in variants}
    assert not unknown, f"DPF_VARIANTS names no variant: {sorted(unknown)}"
    return [v for v in variants if v.name in names] if names else variants


def combined_templates(variants: list[Variant]) -> dict[str, str]:
    """Every variant's template edits applied in order to the real sources: an edit whose source is gone fails."""
    sources: dict[str, str] = {}
    for variant in variants:
        for name, old, new in variant.templates:
            source = sources.get(name) or (TEMPLATES / name).read_text(encoding="utf-8")
            assert old in source, f"variant {variant.name}: {name} no longer contains {old!r}"
            sources[name] = source.replace(old, new)
    return sources


def combined_config(variants: list[Variant]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for variant in variants:
        clash = set(config) & set(variant.config)
        assert not clash, f"variant {variant.name} sets {clash} that another variant sets too"
        config.update(variant.config)
    return config


def wrapped(app: WSGIApp, variants: list[Variant]) -> WSGIApp:
    for variant in variants:
        if variant.middleware is not None:
            app = variant.middleware(app)
    return app


EVERY_ROUTE = ("*", "*")


def combined_routes(variants: list[Variant]) -> list[Any]:
    """The route table with each variant's endpoint wrappers applied (EVERY_ROUTE wraps them all)."""
    from reference_portal.core.routing import Rule
    from reference_portal.routes import ROUTES

    wanted = {key for variant in variants for key in variant.routes if key != EVERY_ROUTE}
    known = {(rule.method, rule.pattern) for rule in ROUTES}
    assert wanted <= known, f"variants wrap routes the portal does not have: {wanted - known}"
    rules = []
    for rule in ROUTES:
        endpoint = rule.endpoint
        for variant in variants:
            for key, wrap in variant.routes.items():
                if key in (EVERY_ROUTE, (rule.method, rule.pattern)):
                    endpoint = wrap(endpoint)
        rules.append(Rule(rule.method, rule.pattern, endpoint, rule.access, rule.csrf))
    return rules
