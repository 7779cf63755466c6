"""Benign variants of the pages that hold credentials: applications and keys (DPF-05 to DPF-12), sandbox
credentials (DPF-16 to DPF-18) and webhook endpoints (DPF-19 to DPF-22)."""

from __future__ import annotations

from typing import Any

from . import TEMPLATES, Variant, WSGIApp

# A menu button as many portals write one: <button aria-expanded="false"> shows and hides the list it controls
# (aria-controls) or, without aria-controls, the element right after it.
MENU_BUTTON_SCRIPT = """document.addEventListener("click", (event) => {
  const toggle = event.target.closest("button[aria-expanded]");
  if (!toggle) return;
  const controls = toggle.getAttribute("aria-controls");
  const menu = controls ? document.getElementById(controls) : toggle.nextElementSibling;
  if (!menu) return;
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  menu.hidden = !open;
});
"""
MENU_BUTTON_SCRIPT_PATH = "/static/menu-button.js"
# The portal's own copy script, made to copy a field's value as well as an element's text.
PORTAL_SCRIPT = (TEMPLATES.parent / "static" / "portal.js").read_text(encoding="utf-8")
assert "source.textContent.trim()" in PORTAL_SCRIPT, "portal.js no longer copies source.textContent"
COPY_FIELDS_SCRIPT = PORTAL_SCRIPT.replace("source.textContent.trim()",
                                           '("value" in source ? source.value : source.textContent).trim()')


def serving(path: str, script: str):
    """A middleware that answers GET `path` with `script` (a script of the portal's own origin, as its CSP wants)."""

    def wrap(app: WSGIApp) -> WSGIApp:
        def served(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("PATH_INFO") != path:
                return app(environ, start_response)
            body = script.encode("utf-8")
            start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"),
                                      ("Content-Length", str(len(body))), ("X-Content-Type-Options", "nosniff")])
            return [body]

        return served

    return wrap


MENU_SCRIPT_TAG = f'<script src="{MENU_BUTTON_SCRIPT_PATH}"></script>'

VARIANTS = [
    Variant("done-goes-to-dashboard", "the one-time secret dialog's Done leads to the dashboard",
            ("DPF-06", "DPF-10", "DPF-11", "DPF-12", "DPF-17", "DPF-20", "DPF-22", "DPF-31", "DPF-33", "DPF-34"),
            templates=(("macros.html", 'href="{{ done_href }}">Done</a>', 'href="/app">Done</a>'),)),
    Variant("applications-newest-first", "applications listed newest first", ("DPF-05", "DPF-06", "DPF-07", "DPF-08"),
            templates=(("apps/list.html", "{% for app in applications %}", "{% for app in applications|reverse %}"),)),
    Variant("keys-newest-first", "credentials listed newest first", ("DPF-09", "DPF-10", "DPF-11", "DPF-12", "DPF-33"),
            templates=(("keys/list.html", "{% for c in credentials %}", "{% for c in credentials|reverse %}"),)),
    Variant("capitalised-application-cells", "the environment and status cells say Sandbox, Production, Active",
            ("DPF-05", "DPF-06", "DPF-07", "DPF-08"),
            templates=(("apps/list.html", '<td data-testid="environment">{{ app.environment }}</td>',
                        '<td data-testid="environment">{{ app.environment | capitalize }}</td>'),
                       ("apps/list.html", '<td data-testid="status">{{ app.status }}</td>',
                        '<td data-testid="status">{{ app.status | capitalize }}</td>'),
                       ("apps/detail.html", '<dd data-testid="environment">{{ application.environment }}</dd>',
                        '<dd data-testid="environment">{{ application.environment | capitalize }}</dd>'))),
    Variant("create-application-in-menu",
            "Create application sits in a 'New' menu button (aria-expanded, aria-controls)",
            ("DPF-05", "DPF-06", "DPF-07", "DPF-08"),
            templates=(("apps/list.html",
                        '<p><a class="button primary" href="/app/apps/new">Create application</a></p>',
                        '<div class="menu">'
                        '<button type="button" aria-expanded="false" aria-controls="new-menu">New</button>'
                        '<ul id="new-menu" hidden><li><a href="/app/apps/new">Create application</a></li>'
                        '<li><a href="/app/sandbox">Sandbox credential</a></li></ul></div>' + MENU_SCRIPT_TAG),),
            middleware=serving(MENU_BUTTON_SCRIPT_PATH, MENU_BUTTON_SCRIPT)),
    Variant("key-actions-in-closed-details", "each key's actions sit in a closed <details> 'Actions' menu",
            ("DPF-09", "DPF-10", "DPF-11", "DPF-12", "DPF-31", "DPF-33", "DPF-34"),
            templates=(("keys/list.html", '<td class="actions">\n        {% if c.state == "active" %}',
                        '<td class="actions"><details class="menu"><summary>Actions</summary>'
                        '\n        {% if c.state == "active" %}'),
                       ("keys/list.html", "        {% endif %}\n      </td>\n    </tr>",
                        "        {% endif %}\n      </details></td>\n    </tr>"))),
    Variant("capitalised-key-states",
            "key states read Active, Deactivated, Revoked (data-state stays as the contract says)",
            ("DPF-09", "DPF-10", "DPF-11", "DPF-12"),
            templates=(("keys/list.html", 'data-state="{{ c.state }}">{{ c.state }}',
                        'data-state="{{ c.state }}">{{ c.state | capitalize }}'),)),
    Variant("one-time-values-in-readonly-fields",
            "the one-time dialog shows the secret, client ID and merchant ID in read-only fields; Copy copies "
            "their value",
            ("DPF-05", "DPF-06", "DPF-07", "DPF-08", "DPF-09", "DPF-10", "DPF-11", "DPF-12", "DPF-16", "DPF-17",
             "DPF-18", "DPF-19", "DPF-20", "DPF-21", "DPF-22", "DPF-31", "DPF-32", "DPF-33", "DPF-34"),
            templates=(("macros.html", '<code id="secret-value" data-testid="one-time-secret">{{ secret }}</code>',
                        '<input id="secret-value" data-testid="one-time-secret" readonly size="64" value="{{ secret }}"'
                        ' aria-label="{{ secret_label }}">'),
                       ("apps/secret.html", '<code id="client-id-value" data-testid="client-id">{{ client_id }}</code>',
                        '<input id="client-id-value" data-testid="client-id" readonly size="30" value="{{ client_id }}"'
                        ' aria-label="Client ID">'),
                       ("sandbox/created.html",
                        '<code id="merchant-id-value" data-testid="sandbox-merchant-id">{{ merchant_id }}</code>',
                        '<input id="merchant-id-value" data-testid="sandbox-merchant-id" readonly'
                        ' value="{{ merchant_id }}" aria-label="Merchant ID">')),
            middleware=serving("/static/portal.js", COPY_FIELDS_SCRIPT)),
    Variant("credentials-in-other-words", "the applications, keys and secret pages word their explanations otherwise",
            ("DPF-05", "DPF-06", "DPF-07", "DPF-08", "DPF-09", "DPF-10", "DPF-11", "DPF-12"),
            templates=(("apps/list.html", "Applications hold the client credentials your code uses.",
                        "Every integration you build gets its own application and client credential."),
                       ("apps/list.html", '<th scope="col">Environment</th><th scope="col">Status</th>',
                        '<th scope="col">Env.</th><th scope="col">State</th>'),
                       ("keys/list.html",
                        "Each application has one client credential. Secrets are shown once, when created or rotated.",
                        "One credential per application. We show a secret only once: copy it when you see it."),
                       ("keys/list.html", "<td><code>…{{ c.secret_last4 }}</code></td>",
                        "<td>ends in <code>{{ c.secret_last4 }}</code></td>"),
                       ("macros.html", "It is shown only this once.", "You will not see it again."))),
    Variant("sandbox-delete-in-closed-details",
            "each sandbox credential's Delete sits in a closed <details> 'More' menu", ("DPF-16", "DPF-17", "DPF-18"),
            templates=(("sandbox/list.html", '<td><a href="/app/sandbox/',
                        '<td><details><summary>More</summary><a href="/app/sandbox/'),
                       ("sandbox/list.html", ">Delete</a></td>", ">Delete</a></details></td>"))),
    Variant("sandbox-in-other-words", "the sandbox page words things otherwise and shows balances as 'EUR 10,000.00'",
            ("DPF-16", "DPF-17", "DPF-18"),
            templates=(("sandbox/list.html",
                        '<td data-testid="balance">{{ "%.2f" | format(a.balance / 100) }} {{ a.currency }}</td>',
                        '<td data-testid="balance">{{ a.currency }} {{ "{:,.2f}".format(a.balance / 100) }}</td>'),
                       ("sandbox/list.html", "They reach sandbox data only.", "Nothing they do touches live money."),
                       ("sandbox/list.html", "New sandbox credential</h2>", "Another test merchant</h2>"),
                       ("sandbox/created.html", '"Copy the API key now."', '"Keep this key somewhere safe."'))),
    Variant("sandbox-last-use-as-a-time-element",
            "a sandbox key's last use reads 'recently' over a machine-readable <time datetime>, or 'not yet'",
            ("DPF-16", "DPF-17", "DPF-18"),
            templates=(("sandbox/list.html", '<td data-testid="last-used">{{ a.last_used_at | when }}</td>',
                        '<td data-testid="last-used">{% if a.last_used_at %}{% set at = a.last_used_at | when %}'
                        '<time datetime="{{ at[:10] }}T{{ at[11:16] }}Z">recently</time>{% else %}not yet{% endif %}'
                        "</td>"),)),
    Variant("webhook-actions-in-menu-button",
            "each endpoint's actions are the items (role menuitem) of a 'Manage' menu button (aria-expanded, the menu "
            "right after it)",
            ("DPF-19", "DPF-20", "DPF-21", "DPF-22", "DPF-23", "DPF-24", "DPF-32", "DPF-33"),
            templates=(("webhooks/list.html", '<td class="actions">',
                        '<td class="actions">'
                        '<button type="button" aria-expanded="false" aria-haspopup="menu">Manage</button>'
                        '<div class="menu" role="menu" hidden>'),
                       ("webhooks/list.html", '<button type="submit" aria-label="{{',
                        '<button type="submit" role="menuitem" aria-label="{{'),
                       ("webhooks/list.html", '<button type="submit" aria-label="Rotate secret',
                        '<button type="submit" role="menuitem" aria-label="Rotate secret'),
                       ("webhooks/list.html", '<button type="submit" aria-label="Send test event',
                        '<button type="submit" role="menuitem" aria-label="Send test event'),
                       ("webhooks/list.html", 'aria-label="Delivery logs for',
                        'role="menuitem" aria-label="Delivery logs for'),
                       ("webhooks/list.html", 'aria-label="Delete {{ w.url }}"',
                        'role="menuitem" aria-label="Delete {{ w.url }}"'),
                       ("webhooks/list.html", "Delete</a>\n      </td>", "Delete</a>\n      </div></td>"),
                       ("webhooks/list.html", "</table>", "</table>" + MENU_SCRIPT_TAG)),
            middleware=serving(MENU_BUTTON_SCRIPT_PATH, MENU_BUTTON_SCRIPT)),
    Variant("webhooks-in-other-words",
            "endpoint states read Active/Inactive, events are a list, the last delivery reads 'Delivered 200' or "
            "'No deliveries yet'",
            ("DPF-19", "DPF-20", "DPF-21", "DPF-22"),
            templates=(("webhooks/list.html", 'data-state="{{ w.state }}">{{ w.state }}',
                        'data-state="{{ w.state }}">{{ w.state | capitalize }}'),
                       ("webhooks/list.html",
                        '<td data-testid="webhook-events">{{ w.event_types.split() | join(", ") }}</td>',
                        '<td data-testid="webhook-events"><ul>{% for t in w.event_types.split() %}<li>{{ t }}</li>'
                        "{% endfor %}</ul></td>"),
                       ("webhooks/list.html", '{{ w.last_result or "none yet" }}',
                        '{% set said = w.last_result or "no deliveries yet" %}{{ said[:1] | upper }}{{ said[1:] }}'))),
]
