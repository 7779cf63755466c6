"""The alert rules page (/app/usage/alerts): list the organisation's rules with their state, add and delete them."""

from __future__ import annotations

from ..core.handlers import organisation_of, owned_row, requires_recent_sign_in
from ..core.http import Request, Response, redirect
from ..core.numbers import decimal_number, whole_number
from ..core.text import has_control_characters, shown_safely
from . import alerts


def _page(request: Request, *, form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    organisation_id = organisation_of(request)
    now = request.app.config.clock()
    alerts.evaluate(request.app.db, organisation_id, now, request.app.ids)
    conn = request.app.db.connection()
    applications = request.app.db.query(
        "SELECT id, name FROM applications WHERE organisation_id = ? ORDER BY name", (organisation_id,))
    return request.app.render(
        request, "alerts/index.html", status=status, rules=alerts.rules_for(conn, organisation_id),
        applications={row["id"]: row["name"] for row in applications}, kinds=alerts.KINDS,
        window_choices=alerts.WINDOW_CHOICES, errors=errors or {},
        form={name: shown_safely(value) for name, value in form.items()} if form else {"name": "", "kind": "error_rate", "threshold": "", "window_minutes": "15", "application": ""},
        created=request.arg("created") == "1", deleted=request.arg("deleted") == "1",
    )


def index(request: Request) -> Response:
    return _page(request)


def create(request: Request) -> Response:
    organisation_id = organisation_of(request)
    form = {name: request.field(name).strip() for name in ("name", "kind", "threshold", "window_minutes",
                                                             "application")}
    errors: dict[str, str] = {}
    if not form["name"] or len(form["name"]) > alerts.MAX_NAME:
        errors["name"] = f"Give the rule a name of 1 to {alerts.MAX_NAME} characters."
    elif has_control_characters(form["name"]):
        errors["name"] = "The name may not contain control characters."
    kind = form["kind"]
    if kind not in alerts.KINDS:
        errors["kind"] = "Choose what the rule watches: the error rate or the number of 5xx answers."
    threshold = decimal_number(form["threshold"])
    if kind == "error_rate" and (threshold is None or not 0 <= threshold < 100):
        errors["threshold"] = "The error rate threshold is a percentage from 0 up to (not including) 100."
    elif kind == "server_errors" and (threshold is None or threshold != int(threshold)
                                      or not 0 <= threshold <= alerts.MAX_SERVER_ERRORS):
        errors["threshold"] = "The number of 5xx answers is a whole number, 0 or more."
    window = whole_number(form["window_minutes"], low=1, high=alerts.MAX_WINDOW_MINUTES)
    if window is None:
        errors["window_minutes"] = f"The window is a whole number of minutes from 1 to {alerts.MAX_WINDOW_MINUTES}."
    application_id = None
    if form["application"]:
        application_id = request.app.ids.decode("app", form["application"])
        row = None
        if application_id is not None:
            row = request.app.db.one("SELECT id FROM applications WHERE id = ? AND organisation_id = ?",
                                     (application_id, organisation_id))
        if row is None:
            errors["application"] = "Choose one of your applications, or all of them."
            application_id = None
    if errors:
        return _page(request, form=form, errors=errors, status=422)
    now = request.app.config.clock()
    with request.app.db.transaction() as conn:
        if conn.execute("SELECT COUNT(*) FROM usage_alert_rules WHERE organisation_id = ?",
                        (organisation_id,)).fetchone()[0] >= alerts.MAX_RULES:
            errors["name"] = f"An organisation may have at most {alerts.MAX_RULES} alert rules: delete one first."
        else:
            conn.execute(
                "INSERT INTO usage_alert_rules (organisation_id, application_id, name, kind, threshold, window_minutes,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (organisation_id, application_id, form["name"], kind, threshold, window, now),
            )
    if errors:
        return _page(request, form=form, errors=errors, status=422)
    return redirect("/app/usage/alerts?created=1")


@requires_recent_sign_in
def delete(request: Request, rule_id: int) -> Response:
    owned_row(request, "SELECT id FROM usage_alert_rules WHERE id = ? AND organisation_id = ?", rule_id,
              missing="There is no such alert rule in your organisation.")
    with request.app.db.transaction() as conn:
        conn.execute("DELETE FROM usage_alert_rules WHERE id = ? AND organisation_id = ?",
                     (rule_id, organisation_of(request)))
    return redirect("/app/usage/alerts?deleted=1")
