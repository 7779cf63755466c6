"""Benign variants of the sign-in, 2FA, sessions and account pages (DPF-01 to DPF-04, DPF-28 to DPF-30, DPF-33)."""

from __future__ import annotations

from . import Variant

VARIANTS = [
    Variant("totp-secret-in-groups", "the set-up secret in lower-case groups of four, as many authenticator set-ups show it",
            ("DPF-29", "DPF-33", "DPF-34"),
            templates=(("account/security.html", 'data-testid="totp-secret">{{ secret }}<',
                        'data-testid="totp-secret">{{ secret | lower | batch(4) | map("join") | join(" ") }}<'),)),
    Variant("sessions-other-order", "sessions and devices listed oldest last", ("DPF-30", "DPF-33"),
            templates=(("security/sessions_section.html", "{% for s in account_sessions %}",
                        "{% for s in account_sessions|reverse %}"),)),
    Variant("sign-in-more-options", "the sign-in page also offers single sign-on, a remember-me box and a reset link",
            ("DPF-01", "DPF-29", "DPF-30"),
            templates=(("auth/login.html", '<button type="submit" class="primary">Sign in</button>',
                        '<label><input type="checkbox" name="remember" value="1"> Keep me signed in</label>'
                        '<button type="submit" class="primary">Sign in</button>'
                        '<p><a href="/login?reset=1">Forgot your password?</a></p>'
                        '<button type="button" class="secondary">Sign in with SSO</button>'),)),
    Variant("access-denied-says-more", "the access-denied page says more below its heading", ("DPF-02",),
            templates=(("pages/forbidden.html", '<p role="alert" data-testid="access-denied">',
                        '<p class="lead">You are signed in, but this area is not open to your account.</p>'
                        '<p role="alert" data-testid="access-denied">'),)),
    Variant("totp-qr-on-the-svg", "the set-up QR code's test ID on the <svg> itself", ("DPF-29", "DPF-34"),
            templates=(("account/security.html",
                        '<figure role="img" aria-label="QR code for your authenticator app" data-testid="totp-qr">'
                        "{{ qr_svg | safe }}</figure>",
                        "<figure>{{ qr_svg | replace('<svg', '<svg data-testid=\"totp-qr\" role=\"img\" "
                        "aria-label=\"QR code for your authenticator app\"', 1) | safe }}</figure>"),)),
    Variant("authenticator-apps-in-a-sentence", "the authenticator apps named in a sentence, not a list",
            ("DPF-28", "DPF-29", "DPF-30", "DPF-33"),
            templates=(("security/two_factor.html", '<ul data-testid="authenticator-apps">\n'
                        "        {% for app in apps %}<li>{{ app }}</li>{% endfor %}\n      </ul>",
                        '<p data-testid="authenticator-apps">For example {{ apps | join(", ") }}.</p>'),)),
    Variant("lost-phone-in-other-words", "what to do when the phone is lost, in other words (backup codes)",
            ("DPF-28", "DPF-29", "DPF-30", "DPF-33"),
            templates=(("security/two_factor.html",
                        "Sign in with your password and one of your recovery codes instead of the app's code;",
                        "Lost your phone? Sign in with your password and one of the single-use backup codes you "
                        "saved;"),
                       ("security/two_factor.html",
                        "on your new phone, or make new recovery codes. Without your phone and without recovery codes,",
                        "on your new phone. Without your phone and without those codes,"))),
    Variant("current-session-only-marked", "data-current only on the viewing session's row, written True",
            ("DPF-28", "DPF-30", "DPF-33"),
            templates=(("security/sessions_section.html",
                        'data-current="{{ \'true\' if s.is_current else \'false\' }}"',
                        "{% if s.is_current %}data-current=\"True\"{% endif %}"),)),
    Variant("two-factor-state-in-words", "the 2FA state shown as Enabled or Not enabled (data-state stays on/off)",
            ("DPF-28", "DPF-29", "DPF-33"),
            templates=(("security/two_factor.html", '{{ "On" if enabled else "Off" }}</dd>',
                        '{{ "Enabled" if enabled else "Not enabled" }}</dd>'),)),
]
