"""The developer dashboard, and the empty states of the areas later issues fill."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..core.http import Request, Response
from .go_live import Readiness, readiness_of
from .navigation import AREAS

QUICK_LINKS = AREAS


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    href: str


def onboarding_checklist(readiness: Readiness) -> list[ChecklistItem]:
    """The go-live checks, as the dashboard lists them: the same computation as /app/go-live."""
    return [ChecklistItem(check.title, check.passed, check.href) for check in readiness.checks]


def index(request: Request) -> Response:
    readiness = readiness_of(request)
    return request.app.render(
        request,
        "dashboard/index.html",
        quick_links=QUICK_LINKS,
        checklist=onboarding_checklist(readiness),
        readiness=readiness,
    )


def empty_area(title: str, empty_message: str, intro: str) -> Callable[[Request], Response]:
    """A page of an area that has no content yet: its heading, what it is for, and an honest empty state."""

    def page(request: Request) -> Response:
        return request.app.render(request, "dashboard/empty_area.html", title=title, intro=intro, empty=empty_message)

    page.__name__ = f"empty_area_{title.lower().replace(' ', '_')}"
    return page
