"""DPF-30 must fail when the sessions list leaves a session out or mislabels "this session", when the browser and OS
are not read from the User-Agent, when removing a session does not sign exactly that browser out, and when signing the
other sessions out leaves one."""

from dataclasses import replace

from reference_portal.areas import account_sessions
from reference_portal.core import account_sessions as session_store
from reference_portal.core.handlers import signed_in_user
from reference_portal.core.http import redirect
from reference_portal.core.user_agents import Device

REVOKE = "/app/security/sessions/<session_id>/revoke"
REVOKE_OTHERS = "/app/security/sessions/revoke-others"
LISTED = account_sessions.active_sessions


def test_fails_when_the_list_shows_only_this_session(monkeypatch, start_portal, run_playbook):
    def only_this_one(db, config, user_id, current_id_hash):
        return [s for s in LISTED(db, config, user_id, current_id_hash) if s.is_current]

    monkeypatch.setattr(account_sessions, "active_sessions", only_this_one)
    outcome = run_playbook("DPF-30", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_every_session_is_labelled_this_session(monkeypatch, start_portal, run_playbook):
    def all_current(db, config, user_id, current_id_hash):
        return [replace(s, is_current=True) for s in LISTED(db, config, user_id, current_id_hash)]

    monkeypatch.setattr(account_sessions, "active_sessions", all_current)
    outcome = run_playbook("DPF-30", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_this_session_is_the_oldest_rather_than_the_viewer(monkeypatch, start_portal, run_playbook):
    def oldest_is_current(db, config, user_id, current_id_hash):
        found = LISTED(db, config, user_id, current_id_hash)
        oldest = min(found, key=lambda s: s.signed_in_at).public_id if found else None
        return [replace(s, is_current=s.public_id == oldest) for s in found]

    monkeypatch.setattr(account_sessions, "active_sessions", oldest_is_current)
    outcome = run_playbook("DPF-30", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_browser_and_os_are_not_read_from_the_user_agent(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(session_store, "describe_device", lambda user_agent: Device("Unknown", "Unknown"))
    outcome = run_playbook("DPF-30", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_removing_only_hides_the_row(monkeypatch, start_portal, run_playbook, replace_route_endpoint):
    hidden: set[str] = set()

    def hide(request, session_id):
        signed_in_user(request)
        hidden.add(session_id)
        return redirect("/app/security/2fa?session_removed=1")

    def without_hidden(db, config, user_id, current_id_hash):
        return [s for s in LISTED(db, config, user_id, current_id_hash) if s.public_id not in hidden]

    monkeypatch.setattr(account_sessions, "active_sessions", without_hidden)
    routes = replace_route_endpoint(REVOKE, hide, method="POST")
    outcome = run_playbook("DPF-30", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_removing_ends_the_session_doing_it(start_portal, run_playbook, replace_route_endpoint):
    def end_this_one(request, session_id):
        request.app.sessions.end(request.session)
        return redirect("/app/security/2fa?session_removed=1")

    routes = replace_route_endpoint(REVOKE, end_this_one, method="POST")
    outcome = run_playbook("DPF-30", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_removing_one_session_ends_every_session(start_portal, run_playbook, replace_route_endpoint):
    def end_all(request, session_id):
        user = signed_in_user(request)
        with request.app.db.transaction() as conn:
            session_store.end_other_sessions(conn, user.id, keep_session_id="")
        return redirect("/app/security/2fa?session_removed=1")

    routes = replace_route_endpoint(REVOKE, end_all, method="POST")
    outcome = run_playbook("DPF-30", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_removing_one_session_ends_every_other_session(start_portal, run_playbook, replace_route_endpoint):
    def end_all_others(request, session_id):
        user = signed_in_user(request)
        with request.app.db.transaction() as conn:
            session_store.end_other_sessions(conn, user.id, keep_session_id=request.session.id_hash)
        return redirect("/app/security/2fa?session_removed=1")

    routes = replace_route_endpoint(REVOKE, end_all_others, method="POST")
    outcome = run_playbook("DPF-30", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_signing_the_others_out_leaves_one(start_portal, run_playbook, replace_route_endpoint):
    def all_but_the_newest_other(request):
        user = signed_in_user(request)
        with request.app.db.transaction() as conn:
            spared = conn.execute(
                "SELECT id_hash FROM sessions WHERE user_id = ? AND id_hash != ? ORDER BY created_at DESC LIMIT 1",
                (user.id, request.session.id_hash),
            ).fetchone()
            conn.execute(
                "DELETE FROM sessions WHERE user_id = ? AND id_hash NOT IN (?, ?)",
                (user.id, request.session.id_hash, spared[0] if spared else ""),
            )
        return redirect("/app/security/2fa#sessions")

    routes = replace_route_endpoint(REVOKE_OTHERS, all_but_the_newest_other, method="POST")
    outcome = run_playbook("DPF-30", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
