"""Benign variants every page meets: layout, wording, a slow server (every flow)."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

from playbooks.harness import catalog

from . import EVERY_ROUTE, Variant

SLOW_SECONDS = 0.05
EVERY_FLOW = tuple(flow.id for flow in catalog.flows())


def slowly(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    def slow(request: Any, **values: Any) -> Any:
        time.sleep(SLOW_SECONDS)  # the variant under test is a slow server, not a wait in the harness
        return endpoint(request, **values)

    return functools.update_wrapper(slow, endpoint)  # keeps what the OpenAPI document is made from


VARIANTS = [
    Variant("slow-server", f"every answer {SLOW_SECONDS * 1000:.0f} ms later", EVERY_FLOW,
            routes={EVERY_ROUTE: slowly}),
    Variant("other-layout", "another page layout, with a notice above every page's content", EVERY_FLOW,
            templates=(("base.html", "{% block main %}{% endblock %}",
                        '<div class="layout"><section class="content"><p class="notice">Maintenance on Sunday.</p>'
                        "{% block main %}{% endblock %}</section></div>"),)),
    Variant("other-welcome", "the dashboard greets in other words", ("DPF-03", "DPF-04"),
            templates=(("dashboard/index.html", "Welcome, ", "Hello again, "),)),
]
