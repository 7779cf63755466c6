"""Benign variants of the usage, FAQ and go-live pages (DPF-25 to DPF-27, DPF-34)."""

from __future__ import annotations

from typing import Any, Callable

from reference_portal.areas import alerts, api, oauth, usage

from . import Variant, WSGIApp

ERROR_RATE_VALUE = "data-value=\"{{ card.value if card.value is not none else '' }}\""
ERROR_RATE_PREVIOUS = "data-previous=\"{{ card.previous if card.previous is not none else '' }}\""


def token_requests_outside_usage(request: Any, work: Callable[..., Any], *, scope: str | None = None) -> Any:
    """The token endpoint run as before, but its call logged as no application's: an authorisation server that is
    not the API gateway, whose requests the usage log never sees."""
    return api.run_call(request, lambda conn, record: work(conn, api.CallRecord()), scope=scope)


def token_answers_without_request_id(app: WSGIApp) -> WSGIApp:
    def without_request_id(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if environ.get("PATH_INFO", "").startswith("/oauth/"):
                headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            return start_response(status, headers, *rest)

        return app(environ, start)

    return without_request_id


def alert_payload_with_more(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """The promised rule_id and kind, among fields of the portal's own, some nested."""

    def payload(*args: Any, **kwargs: Any) -> dict[str, Any]:
        data = original(*args, **kwargs)
        return {"kind": data["kind"], "rule_id": data["rule_id"], "severity": "warning",
                "rule": {key: value for key, value in data.items() if key not in ("kind", "rule_id")},
                "links": {"usage": "/app/usage", "rules": "/app/usage/alerts"}}

    return payload


VARIANTS = [
    Variant("token-requests-outside-usage",
            "the token endpoint is a separate authorisation server: its answers carry no X-Request-Id and its "
            "requests are not in the usage log", ("DPF-25", "DPF-26", "DPF-27", "DPF-34"),
            patches=((oauth, "run_call", token_requests_outside_usage),),
            middleware=token_answers_without_request_id),
    Variant("usage-application-labels", "the usage filter's applications labelled in the portal's own words",
            ("DPF-26",),
            templates=(("usage/index.html", ">{{ a.name }}</option>",
                        ">Application “{{ a.name }}” (all environments)</option>"),)),
    Variant("usage-filter-button-words", "the usage filter submitted by a button named in other words",
            ("DPF-26",),
            templates=(("usage/index.html", '<button type="submit">Apply filters</button>',
                        '<button type="submit" class="primary">Show usage</button>'),)),
    Variant("error-rate-as-fraction", "the error rate card's data-value and data-previous as a fraction of 1",
            ("DPF-25",),
            templates=(("usage/index.html", ERROR_RATE_VALUE,
                        "data-value=\"{{ ((card.value / 100) if card.metric == 'error_rate' else card.value) "
                        "if card.value is not none else '' }}\""),
                       ("usage/index.html", ERROR_RATE_PREVIOUS,
                        "data-previous=\"{{ ((card.previous / 100) if card.metric == 'error_rate' else card.previous) "
                        "if card.previous is not none else '' }}\""))),
    Variant("error-heavy-over-a-quarter", "error-heavy periods are those where more than 25 % of calls failed",
            ("DPF-26",), patches=((usage, "ERROR_HEAVY_RATE", 0.25),)),
    Variant("usage-periods-newest-first", "the chart's table and the error-heavy periods newest first",
            ("DPF-25", "DPF-26"),
            templates=(("usage/index.html", "{% for p in points %}", "{% for p in points|reverse %}"),
                       ("usage/index.html", "{% for p in heavy %}", "{% for p in heavy|reverse %}"))),
    Variant("failing-route-with-method", "top failing routes name the method with the path, and link to the FAQ "
            "in words", ("DPF-26",),
            templates=(("usage/index.html", 'data-route="{{ f.route }}"', 'data-route="{{ f.method }} {{ f.route }}"'),
                       ("usage/index.html", '<a href="/app/faq#{{ f.code }}" data-testid="faq-link">{{ f.code }}</a>',
                        '<code>{{ f.code }}</code> (<a href="/app/faq#{{ f.code }}">how to fix it</a>)'))),
    Variant("faq-plain-search-field", "the FAQ search is a plain text field in a form with no action, no search "
            "role, and a Go button", ("DPF-27",),
            templates=(("faq/index.html", '<form method="get" action="/app/faq" role="search" class="card">',
                        '<form method="get" class="card faq-search">'),
                       ("faq/index.html", '<input id="faq-q" type="search" name="q"',
                        '<input id="faq-q" type="text" name="q"'),
                       ("faq/index.html", '<button type="submit">Search</button>',
                        '<button type="submit">Go</button>'))),
    Variant("faq-codes-with-commas", "an article's error codes separated by commas, and header names capitalised "
            "as HTTP allows", ("DPF-27",),
            templates=(("faq/index.html", "data-codes=\"{{ a.codes | join(' ') }}\"",
                        "data-codes=\"{{ a.codes | join(', ') }}\""),
                       ("faq/index.html", "{% for p in hit.paragraphs %}<p>{{ p }}</p>{% endfor %}",
                        "{% for p in hit.paragraphs %}<p>{{ p | replace('webhook-id', 'Webhook-Id')"
                        " | replace('webhook-timestamp', 'Webhook-Timestamp')"
                        " | replace('webhook-signature', 'Webhook-Signature') }}</p>{% endfor %}"))),
    Variant("usage-alert-payload-shape", "the usage.alert event's data holds rule_id and kind among fields and "
            "objects of the portal's own", ("DPF-34",),
            patches=((alerts, "event_data", alert_payload_with_more(alerts.event_data)),)),
    Variant("alert-rule-form-radios", "the alert rule form offers its kinds as radio buttons and is submitted by "
            "a button in other words", ("DPF-34",),
            templates=(("alerts/index.html", '<label for="rule-kind">Fires on</label>', ""),
                       ("alerts/index.html", '<select id="rule-kind" name="kind"{{ described_by(errors, "kind") }}>\n'
                        '      {% for key, label in kinds.items() %}<option value="{{ key }}"{% if form.kind == key %}'
                        ' selected{% endif %}>{{ label }}</option>{% endfor %}\n    </select>',
                        '<fieldset><legend>Fires on</legend>{% for key, label in kinds.items() %}<label><input '
                        'type="radio" name="kind" value="{{ key }}"{% if form.kind == key %} checked{% endif %}> '
                        '{{ label }}</label>{% endfor %}</fieldset>'),
                       ("alerts/index.html", '<button type="submit" class="primary">Add rule</button>',
                        '<button type="button" class="secondary">Preview</button>'
                        '<button type="submit" class="primary">Save alert rule</button>'))),
    Variant("go-live-summary-title-case", "the go-live summary in title case, after other words", ("DPF-34",),
            templates=(("go_live/index.html", "<strong>{{ readiness.summary }}</strong>",
                        "Readiness: <strong>{{ readiness.summary | title }}</strong>"),)),
]
