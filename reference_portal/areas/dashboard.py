"""The developer dashboard, and the empty states of the areas later issues fill."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..core.accounts import User
from ..core.db import Database
from ..core.handlers import signed_in_user
from ..core.http import Request, Response
from .navigation import AREAS

QUICK_LINKS = AREAS


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    href: str


def onboarding_checklist(db: Database, user: User) -> list[ChecklistItem]:
    org = (user.organisation_id,)
    has_app = db.scalar("SELECT EXISTS (SELECT 1 FROM applications WHERE organisation_id = ?)", org)
    has_call = db.scalar(
        "SELECT EXISTS (SELECT 1 FROM api_calls c JOIN applications a ON a.id = c.application_id"
        " WHERE a.organisation_id = ?)",
        org,
    )
    has_webhook = db.scalar("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE organisation_id = ?)", org)
    return [
        ChecklistItem("Create an application", bool(has_app), "/app/apps"),
        ChecklistItem("Make your first API call", bool(has_call), "/app/docs"),
        ChecklistItem("Configure a webhook", bool(has_webhook), "/app/webhooks"),
        ChecklistItem("Turn on two-factor authentication", user.totp_enabled, "/app/security/2fa"),
    ]


def index(request: Request) -> Response:
    user = signed_in_user(request)
    return request.app.render(
        request,
        "dashboard/index.html",
        quick_links=QUICK_LINKS,
        checklist=onboarding_checklist(request.app.db, user),
    )


def empty_area(title: str, empty_message: str, intro: str) -> Callable[[Request], Response]:
    """A page of an area that has no content yet: its heading, what it is for, and an honest empty state."""

    def page(request: Request) -> Response:
        return request.app.render(request, "dashboard/empty_area.html", title=title, intro=intro, empty=empty_message)

    page.__name__ = f"empty_area_{title.lower().replace(' ', '_')}"
    return page
