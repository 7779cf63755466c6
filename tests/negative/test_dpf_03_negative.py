"""DPF-03 must fail when Get Started does not hand over to the sign-in form."""

import pytest

LANDING_GET_STARTED_TO_ROOT = """{% extends "base.html" %}{% block main %}
<h1>Build on our APIs</h1><p><a href="/">Get Started</a></p>{% endblock %}"""
LANDING_WITHOUT_GET_STARTED = """{% extends "base.html" %}{% block main %}
<h1>Build on our APIs</h1><p>Coming soon.</p>{% endblock %}"""


@pytest.mark.parametrize(
    "landing",
    [LANDING_GET_STARTED_TO_ROOT, LANDING_WITHOUT_GET_STARTED],
    ids=["get-started-loops-back", "no-get-started"],
)
def test_fails_when_the_landing_page_does_not_hand_over(landing, start_portal, run_playbook):
    outcome = run_playbook("DPF-03", start_portal(templates={"pages/landing.html": landing}))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_sign_in_form_cannot_be_used(start_portal, run_playbook, patched_template):
    templates = patched_template("auth/login.html", '<input id="email" name="email"', '<input id="email" disabled name="email"')
    outcome = run_playbook("DPF-03", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
