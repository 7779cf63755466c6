"""Benign variants of how the portal treats clients and sessions (every flow that signs in)."""

from __future__ import annotations

import threading
from http.cookies import CookieError, SimpleCookie
from typing import Any

from reference_portal.core.sessions import COOKIE

from . import Variant, WSGIApp

SIGNED_IN_FLOWS = tuple(f"DPF-{n:02d}" for n in range(1, 35) if n != 3)  # DPF-03 stays signed out


def _session_id(environ: dict[str, Any]) -> str | None:
    try:
        morsel = SimpleCookie(environ.get("HTTP_COOKIE", "")).get(COOKIE)
    except CookieError:
        return None
    return morsel.value if morsel is not None and morsel.value else None


def _without_session_cookie(cookie_header: str) -> str:
    return "; ".join(part for part in cookie_header.split(";") if part.strip().split("=", 1)[0] != COOKIE)


def sessions_bound_to_user_agent(app: WSGIApp) -> WSGIApp:
    """A session is bound to the User-Agent of the request it was issued to; a request that brings it with another
    User-Agent ends it (a stolen cookie, as the portal sees it): that request and every later one is signed out."""
    bound: dict[str, str] = {}
    ended: set[str] = set()
    lock = threading.Lock()

    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        user_agent = environ.get("HTTP_USER_AGENT", "")
        session_id = _session_id(environ)
        if session_id is not None:
            with lock:
                if session_id in ended or bound.get(session_id, user_agent) != user_agent:
                    ended.add(session_id)
                    environ["HTTP_COOKIE"] = _without_session_cookie(environ.get("HTTP_COOKIE", ""))

        def bind_new_sessions(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            for name, value in headers:
                issued = value.split(";", 1)[0].partition("=")
                if name.lower() == "set-cookie" and issued[0] == COOKIE and issued[2]:
                    with lock:
                        bound.setdefault(issued[2], user_agent)
            return start_response(status, headers, exc_info)

        return app(environ, bind_new_sessions)

    return middleware


VARIANTS: list[Variant] = [
    Variant("sessions-bound-to-user-agent", "a session works only for the User-Agent it was issued to; another one "
            "ends it, as portals that guard against stolen cookies do", SIGNED_IN_FLOWS,
            middleware=sessions_bound_to_user_agent),
]
