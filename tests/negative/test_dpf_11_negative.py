"""DPF-11 must fail when Copy copies something other than the secret shown, or the page may be cached."""

from reference_portal.areas import keys


def test_fails_when_copy_copies_the_wrong_value(start_portal, run_playbook, patched_template):
    templates = patched_template(
        "macros.html",
        '<button type="button" data-copy="secret-value">',
        '<button type="button" data-copy="client-id-value">',
    )
    outcome = run_playbook("DPF-11", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_page_may_be_cached(start_portal, run_playbook, make_cacheable, replace_route_endpoint):
    # DPF-11 sees the secret after a rotation
    routes = replace_route_endpoint("/app/keys/<int:credential_id>/rotate", make_cacheable(keys.rotate), method="POST")
    outcome = run_playbook("DPF-11", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
