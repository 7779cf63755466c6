"""Usage alerts: rules per organisation ("error rate over X% within N minutes", "more than N 5xx within N minutes"),
evaluated by the portal on its own clock, shown on the usage page while they fire, and sent once per breach as a
signed webhook event `usage.alert` to the endpoints that subscribe to it.

When rules are evaluated: after an API call of the organisation is logged (at most once per EVALUATE_EVERY_SECONDS
per organisation, so a flood of calls costs one evaluation a second), and whenever the usage or alerts page is
shown. A breach is caused by calls, so it is seen within a second of the call that caused it, with no scheduler to
run; a rule whose window empties while no call comes and nobody looks is cleared at the next call or page view.

A rule fires once per breach: the state moves from clear to firing in one conditional UPDATE (so two evaluations
at once cannot both fire it), which is when the event is queued, and back to clear when the condition no longer
holds; only then can it fire again.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from ..core.db import Database
from ..core.ids import PublicIds
from .usage_stats import Scope, counts
from .webhooks import publish

KINDS = {"error_rate": "Error rate above (percent)", "server_errors": "More than this many 5xx answers"}
WINDOW_CHOICES = (5, 15, 60, 360, 1440)  # minutes offered by the form; any 1..1440 is accepted
MAX_WINDOW_MINUTES = 1440
MAX_RULES = 50
MAX_NAME = 80
MAX_SERVER_ERRORS = 1_000_000_000
EVALUATE_EVERY_SECONDS = 1.0
EVENT_TYPE = "usage.alert"

log = logging.getLogger("reference_portal.alerts")


@dataclass(frozen=True)
class AlertRule:
    id: int
    organisation_id: int
    application_id: int | None
    name: str
    kind: str  # error_rate | server_errors
    threshold: float  # percent for error_rate, a number of calls for server_errors
    window_minutes: int
    created_at: float
    firing_since: float | None = None
    last_value: float | None = None
    evaluated_at: float | None = None

    @property
    def firing(self) -> bool:
        return self.firing_since is not None

    def condition(self) -> str:
        window = f"{self.window_minutes} minute{'s' if self.window_minutes != 1 else ''}"
        if self.kind == "error_rate":
            return f"error rate above {self.threshold:g}% within {window}"
        return f"more than {self.threshold:g} 5xx answers within {window}"

    def breached_by(self, measured: Measure) -> bool:
        if self.kind == "error_rate":
            return measured.calls > 0 and measured.value > self.threshold
        return measured.value > self.threshold


@dataclass(frozen=True)
class Measure:
    value: float  # the error rate in percent, or the number of 5xx answers
    calls: int


@dataclass(frozen=True)
class Firing:
    rule: AlertRule
    fired_at: float
    value: float
    calls: int
    event_id: str | None


def _rule(row: sqlite3.Row) -> AlertRule:
    return AlertRule(row["id"], row["organisation_id"], row["application_id"], row["name"], row["kind"],
                     float(row["threshold"]), int(row["window_minutes"]), row["created_at"], row["firing_since"],
                     row["last_value"], row["evaluated_at"])


def rules_for(conn: sqlite3.Connection, organisation_id: int) -> list[AlertRule]:
    """The organisation's alert rules, oldest first."""
    rows = conn.execute("SELECT * FROM usage_alert_rules WHERE organisation_id = ? ORDER BY created_at, id",
                        (organisation_id,)).fetchall()
    return [_rule(row) for row in rows]


def firing_for(conn: sqlite3.Connection, organisation_id: int, now: float) -> list[Firing]:
    """The organisation's rules firing at `now`, as last evaluated (evaluate() moves them), with their breach."""
    rows = conn.execute(
        "SELECT r.*, f.fired_at, f.value, f.calls, f.event_id FROM usage_alert_rules r"
        " JOIN usage_alert_firings f ON f.rule_id = r.id AND f.cleared_at IS NULL"
        " WHERE r.organisation_id = ? AND r.firing_since IS NOT NULL AND r.firing_since <= ?"
        " ORDER BY f.fired_at, r.id",
        (organisation_id, now),
    ).fetchall()
    return [Firing(_rule(row), row["fired_at"], row["value"], row["calls"], row["event_id"]) for row in rows]


def measure(conn: sqlite3.Connection, rule: AlertRule, now: float) -> Measure:
    """What the rule watches, over the `window_minutes` up to and including `now`."""
    found = counts(conn, Scope(rule.organisation_id, rule.application_id), now - rule.window_minutes * 60,
                   now + 0.001, with_p95=False)
    if rule.kind == "error_rate":
        return Measure(round(found.error_rate, 2), found.calls)
    return Measure(float(found.server_errors), found.calls)


def event_data(rule: AlertRule, measured: Measure, fired_at: float, ids: PublicIds | None = None) -> dict[str, Any]:
    """The usage.alert event's data; IDs in their public form, as the pages show them."""
    ids = ids or PublicIds()
    application_id = ids.encode("app", rule.application_id) if rule.application_id is not None else None
    return {"rule_id": ids.encode("rule", rule.id), "name": rule.name, "kind": rule.kind, "threshold": rule.threshold,
            "window_minutes": rule.window_minutes, "application_id": application_id, "value": measured.value,
            "calls": measured.calls, "state": "firing", "condition": rule.condition(), "fired_at": fired_at}


def evaluate(db: Database, organisation_id: int, now: float, ids: PublicIds | None = None) -> list[Firing]:
    """Evaluate the organisation's rules at `now`: fire those newly breached (queueing a usage.alert event each)
    and clear those no longer breached. Returns the rules that fired now."""
    fired: list[Firing] = []
    for rule in rules_for(db.connection(), organisation_id):
        measured = measure(db.connection(), rule, now)
        breached = rule.breached_by(measured)
        with db.transaction() as conn:
            if breached and not rule.firing:
                changed = conn.execute(
                    "UPDATE usage_alert_rules SET firing_since = ?, last_value = ?, evaluated_at = ?"
                    " WHERE id = ? AND firing_since IS NULL", (now, measured.value, now, rule.id)).rowcount
                if changed:
                    event_id = publish(conn, organisation_id, EVENT_TYPE, event_data(rule, measured, now, ids), now)
                    conn.execute("INSERT INTO usage_alert_firings (rule_id, fired_at, value, calls, event_id)"
                                 " VALUES (?, ?, ?, ?, ?)", (rule.id, now, measured.value, measured.calls, event_id))
                    fired.append(Firing(rule, now, measured.value, measured.calls, event_id))
            elif not breached and rule.firing:
                changed = conn.execute(
                    "UPDATE usage_alert_rules SET firing_since = NULL, last_value = ?, evaluated_at = ?"
                    " WHERE id = ? AND firing_since IS NOT NULL", (measured.value, now, rule.id)).rowcount
                if changed:
                    conn.execute("UPDATE usage_alert_firings SET cleared_at = ? WHERE rule_id = ? AND cleared_at IS NULL",
                                 (now, rule.id))
            else:
                conn.execute("UPDATE usage_alert_rules SET last_value = ?, evaluated_at = ? WHERE id = ?",
                             (measured.value, now, rule.id))
    return fired


class Throttle:
    """At most one evaluation per organisation per EVALUATE_EVERY_SECONDS of the portal's clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[str, int], float] = {}

    def due(self, db: Database, organisation_id: int, now: float) -> bool:
        key = (db.path, organisation_id)
        with self._lock:
            last = self._last.get(key)
            if last is not None and 0 <= now - last < EVALUATE_EVERY_SECONDS:
                return False
            self._last[key] = now
            return True


_throttle = Throttle()


def after_call(db: Database, application_id: int | None, now: float, ids: PublicIds | None = None) -> list[Firing]:
    """Called once an API call is logged: evaluate its organisation's rules, if it has any and is due."""
    if application_id is None:
        return []
    try:
        return _after_call(db, application_id, now, ids)
    except Exception:  # the call itself succeeded and is logged: an evaluation that fails must not change its answer
        log.exception("usage alert evaluation failed after a call of application %s", application_id)
        return []


def _after_call(db: Database, application_id: int, now: float, ids: PublicIds | None) -> list[Firing]:
    row = db.one("SELECT a.organisation_id FROM applications a WHERE a.id = ?"
                 " AND EXISTS (SELECT 1 FROM usage_alert_rules r WHERE r.organisation_id = a.organisation_id)",
                 (application_id,))
    if row is None or not _throttle.due(db, row[0], now):
        return []
    return evaluate(db, row[0], now, ids)
