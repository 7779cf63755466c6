"""DPF-11 must fail when Copy copies something other than the values shown, the copied secret does not work, or the page may be cached."""

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
    routes = replace_route_endpoint("/app/keys/<key:credential_id>/rotate", make_cacheable(keys.rotate), method="POST")
    outcome = run_playbook("DPF-11", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_copy_client_id_copies_the_secret(start_portal, run_playbook, patched_template):
    templates = patched_template(
        "apps/secret.html",
        '<button type="button" data-copy="client-id-value">',
        '<button type="button" data-copy="secret-value">',
    )
    outcome = run_playbook("DPF-11", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_shown_and_copied_is_not_the_one_stored(monkeypatch, start_portal, run_playbook):
    # the dialog shows (and copies) a well-formed secret, but the portal kept the hash of another one
    from reference_portal.areas import credentials

    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate",
        lambda conn, cid, environment, grace, now: (rotate(conn, cid, environment, grace, now), credentials.new_client_secret(environment))[1],
    )
    outcome = run_playbook("DPF-11", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_keys_page_shows_a_garbled_client_id(start_portal, run_playbook, patched_template):
    templates = patched_template("keys/list.html", '<code data-testid="client-id">{{ c.client_id }}</code>',
                                 '<code data-testid="client-id">{{ c.client_id[:-2] }}xx</code>')
    outcome = run_playbook("DPF-11", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
