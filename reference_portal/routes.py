"""Every route the portal serves, declared once."""

from __future__ import annotations

from .areas import (
    applications,
    auth,
    dashboard,
    docs,
    faq,
    keys,
    oauth,
    products,
    products_api,
    public,
    sandbox,
    two_factor,
    usage,
    webhooks_ui,
)
from .core.routing import Access, Rule

D = Access.DEVELOPER
API = {"csrf": False}  # authenticated by client credentials or bearer tokens, never by cookies

ROUTES = [
    Rule("GET", "/", public.landing),
    Rule("GET", "/healthz", public.healthz),
    Rule("GET", "/static/<name>", public.static),
    Rule("GET", "/forbidden", public.forbidden),
    Rule("GET", "/login", auth.login_form),
    Rule("POST", "/login", auth.login),
    Rule("GET", "/login/2fa", auth.second_factor_form),
    Rule("POST", "/login/2fa", auth.second_factor),
    Rule("POST", "/logout", auth.logout),
    Rule("GET", "/app", dashboard.index, D),
    # Applications and their credentials
    Rule("GET", "/app/apps", applications.index, D),
    Rule("GET", "/app/apps/new", applications.new, D),
    Rule("POST", "/app/apps", applications.create, D),
    Rule("GET", "/app/apps/<int:application_id>", applications.show, D),
    Rule("POST", "/app/apps/<int:application_id>", applications.update, D),
    Rule("GET", "/app/apps/<int:application_id>/delete", applications.confirm_delete, D),
    Rule("POST", "/app/apps/<int:application_id>/delete", applications.delete, D),
    Rule("GET", "/app/keys", keys.index, D),
    Rule("POST", "/app/keys/policy", keys.set_policy, D),
    Rule("POST", "/app/keys/<int:credential_id>/rotate", keys.rotate, D),
    Rule("POST", "/app/keys/<int:credential_id>/deactivate", keys.deactivate, D),
    Rule("POST", "/app/keys/<int:credential_id>/reactivate", keys.reactivate, D),
    Rule("GET", "/app/keys/<int:credential_id>/revoke", keys.confirm_revoke, D),
    Rule("POST", "/app/keys/<int:credential_id>/revoke", keys.revoke, D),
    # Discovery and the sandbox
    Rule("GET", "/app/products", products.index, D),
    Rule("POST", "/app/products/<slug>/subscribe", products.subscribe, D),
    Rule("GET", "/app/docs", docs.reference, D),
    Rule("GET", "/app/how-to-test", docs.how_to_test, D),
    Rule("GET", "/app/how-to-test/postman.json", docs.postman_collection, D),
    Rule("GET", "/openapi.json", docs.openapi_json),
    Rule("GET", "/app/sandbox", sandbox.index, D),
    Rule("POST", "/app/sandbox", sandbox.create, D),
    Rule("GET", "/app/sandbox/<int:account_id>/delete", sandbox.confirm_delete, D),
    Rule("POST", "/app/sandbox/<int:account_id>/delete", sandbox.delete, D),
    Rule("GET", "/admin/subscriptions", products.pending, Access.OPERATOR),
    Rule("POST", "/admin/subscriptions/<int:subscription_id>/approve", products.approve, Access.OPERATOR),
    Rule("POST", "/admin/subscriptions/<int:subscription_id>/reject", products.reject, Access.OPERATOR),
    # Areas still to come
    Rule("GET", "/app/usage", usage.index, D),
    Rule("GET", "/app/usage.csv", usage.export_csv, D),
    Rule("GET", "/app/faq", faq.index, D),
    # Webhooks
    Rule("GET", "/app/webhooks", webhooks_ui.index, D),
    Rule("POST", "/app/webhooks", webhooks_ui.create, D),
    Rule("POST", "/app/webhooks/<int:endpoint_id>/toggle", webhooks_ui.toggle, D),
    Rule("POST", "/app/webhooks/<int:endpoint_id>/rotate", webhooks_ui.rotate, D),
    Rule("POST", "/app/webhooks/<int:endpoint_id>/test", webhooks_ui.send_test, D),
    Rule("GET", "/app/webhooks/<int:endpoint_id>/deliveries", webhooks_ui.deliveries, D),
    Rule("POST", "/app/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", webhooks_ui.redeliver, D),
    Rule("GET", "/app/webhooks/<int:endpoint_id>/delete", webhooks_ui.confirm_delete, D),
    Rule("POST", "/app/webhooks/<int:endpoint_id>/delete", webhooks_ui.delete, D),
    # Account security: two-factor authentication
    Rule("GET", "/app/security/2fa", two_factor.page, D),
    Rule("GET", "/account/security", two_factor.settings, D),
    Rule("POST", "/account/security/2fa/enable", two_factor.enable, D),
    Rule("POST", "/account/security/2fa/disable", two_factor.disable, D),
    Rule("POST", "/account/security/recovery-codes", two_factor.regenerate, D),
    Rule("GET", "/admin", public.operator_home, Access.OPERATOR),
    # The public API
    Rule("POST", "/oauth/token", oauth.token, **API),
    Rule("POST", "/api/v1/payments", products_api.create_payment, **API),
    Rule("GET", "/api/v1/payments", products_api.list_payments, **API),
    Rule("GET", "/api/v1/payments/<payment_id>", products_api.get_payment, **API),
    Rule("GET", "/api/v1/accounts/balances", products_api.balances, **API),
    Rule("GET", "/api/v1/fx/quotes", products_api.quote, **API),
    Rule("GET", "/api/v1/sandbox/account", sandbox.api_account, **API),
]
