"""Sessions and devices, a section of the 2FA page: every active session of the account, removing one, and signing
out all the others. The security log page (/app/security/activity) lives here too."""

from __future__ import annotations

from ..core.account_sessions import active_sessions, end_other_sessions, end_session, leave_notice, take_notice
from ..core.audit import events_for, record_event
from ..core.handlers import signed_in_user
from ..core.http import NotFound, Request, Response, redirect

SECTION_PAGE = "/app/security/2fa"
MAX_SESSION_ID = 64


def sessions_context(request: Request) -> dict[str, object]:
    """What security/sessions_section.html needs; the page that includes it passes this on."""
    user = signed_in_user(request)
    session = request.session
    assert session is not None
    notice = take_notice(request.app.db, session.id_hash)
    if notice is None and request.arg("session_removed") == "1":
        notice = "The session was removed. That browser is signed out at its next request."
    return {
        "account_sessions": active_sessions(request.app.db, request.app.config, user.id, session.id_hash),
        "sessions_notice": notice,
    }


def revoke(request: Request, session_id: str) -> Response:
    """POST /app/security/sessions/<id>/revoke: that session ends; another account's session is not found."""
    user = signed_in_user(request)
    current = request.session
    assert current is not None
    with request.app.db.transaction() as conn:
        ended = len(session_id) <= MAX_SESSION_ID and end_session(conn, user.id, session_id)
        record_event(
            conn,
            user_id=user.id,
            kind="session_revoked" if ended else "session_revoke_refused",
            request=request,
            detail="" if ended else "no such session of this account",
        )
    if not ended:
        raise NotFound("There is no such session of your account. It may have ended already.")
    if session_id == current.public_id:
        request.session = None
        response = redirect("/login")
        request.app.sessions.clear_cookie(request, response)
        return response
    return redirect(f"{SECTION_PAGE}?session_removed=1#sessions")


def revoke_others(request: Request) -> Response:
    """POST /app/security/sessions/revoke-others: every session of the account but this one ends."""
    user = signed_in_user(request)
    current = request.session
    assert current is not None
    with request.app.db.transaction() as conn:
        count = end_other_sessions(conn, user.id, current.id_hash)
        record_event(conn, user_id=user.id, kind="other_sessions_revoked", request=request,
                     detail=f"{count} session{'' if count == 1 else 's'} signed out")
        leave_notice(conn, current.id_hash, f"Signed out {count} other session{'' if count == 1 else 's'}.")
    return redirect(f"{SECTION_PAGE}#sessions")


def activity(request: Request) -> Response:
    """GET /app/security/activity: the account's own security log, newest first."""
    user = signed_in_user(request)
    return request.app.render(request, "security/activity.html", events=events_for(request.app.db, user.id))
