"""How the harness finds, reaches and reads what a person sees (playbooks/harness/controls.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import button, button_or_link, heading, label, link, named, revealed, shown_text, titled


@pytest.mark.parametrize("name", ["Sign out", "sign  OUT", "Sign out and use another account", "Sign out →"])
def test_a_name_says_the_contract_words_and_may_go_on(name):
    assert named("Sign out").search(name)


@pytest.mark.parametrize("name", ["Sign out all other sessions", "Signed out", "Please sign out", "Sign outside"])
def test_a_name_that_is_a_longer_contract_name_or_other_words_is_not_it(name):
    assert not named("Sign out").search(name)


def test_longer_contract_names_of_every_kind_are_kept_apart():
    assert not named("Revoke").search("Revoke permanently")
    assert not named("Delete").search("Delete permanently")
    assert not named("Create").search("Create sandbox credential")
    assert named("Revoke").search("Revoke Payments app")
    assert named("Applications").search("Applications Register an application and get its client credentials.")
    assert not named("Applications").search("API keys See, rotate and revoke the credentials of your applications.")


def test_a_heading_is_the_contract_words_and_nothing_more():
    assert titled("API keys").search("API Keys") and titled("API keys").search(" API  keys ")
    assert not titled("API keys").search("API keys and secrets")


PAGE = """
<h1>API Keys</h1>
<label for="e">Email address</label><input id="e">
<details><summary>Actions</summary>
  <form><button type="submit" aria-label="Rotate secret for Shop">Rotate secret</button></form></details>
<div><button type="button" aria-expanded="false" aria-controls="m">New</button>
  <ul id="m" hidden><li><a href="#created">Create application</a></li></ul></div>
<div><button type="button" aria-expanded="false" aria-haspopup="menu">Manage</button>
  <div role="menu" hidden><form><button type="button" role="menuitem" id="del">Delete</button></form></div></div>
<button>Sign out all other sessions</button>
<dd data-testid="secret"><input readonly value="cs_test_1"><button>Copy client secret</button></dd>
<p data-testid="text"> ci_2 </p>
<script>
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("button[aria-expanded]");
    if (!toggle) return;
    const id = toggle.getAttribute("aria-controls");
    const menu = id ? document.getElementById(id) : toggle.nextElementSibling;
    toggle.setAttribute("aria-expanded", "true");
    menu.hidden = false;
  });
</script>
"""


def test_controls_in_closed_disclosure_widgets_are_opened_before_use(page):
    page.set_content(PAGE)
    assert heading(page, "API keys").count() == 1
    assert label(page, "Email").count() == 1
    assert not page.get_by_role("button", name="Rotate secret").count()  # hidden from the accessibility tree
    assert revealed(button_or_link(page, "Rotate secret")).is_visible()
    assert revealed(link(page, "Create application")).is_visible()
    assert revealed(button(page, "Delete")).is_visible()
    assert page.get_by_role("button", name="New").get_attribute("aria-expanded") == "true"
    assert button(page, "Sign out").count() == 0


def test_shown_text_reads_a_fields_value_or_the_text(page):
    page.set_content(PAGE)
    assert shown_text(page.get_by_test_id("secret")) == "cs_test_1"
    assert shown_text(page.get_by_test_id("text")) == "ci_2"


def test_a_control_that_only_begins_with_the_words_is_another_control(page):
    page.set_content("""<form><button>Sign in</button><button type="button">Sign in with SSO</button></form>
      <nav data-testid="quick-links"><a href="/app/apps"><strong>Applications</strong> Register an application.</a>
      <a href="/app/keys"><strong>API keys</strong> Rotate the secrets of your applications.</a></nav>""")
    assert button(page, "Sign in").count() == 1
    assert link(page, "Applications").get_attribute("href") == "/app/apps"
    assert link(page, "API keys").get_attribute("href") == "/app/keys"


def test_a_missing_or_hidden_control_fails_naming_it_as_the_contract_does(page):
    previous = expect._timeout  # the session's own check timeout; Playwright has no getter for it
    expect.set_options(timeout=300)
    try:
        page.set_content('<details><summary>More</summary><p>nothing</p></details><button hidden>Revoke</button>')
        with pytest.raises(AssertionError) as missing:
            revealed(button_or_link(page, "Get started"))
        assert str(missing.value).splitlines()[0] == 'button or link "Get started" is not on the page'
        with pytest.raises(AssertionError) as hidden:
            revealed(button(page, "Revoke"))
        assert str(hidden.value).splitlines()[0] == 'button "Revoke" is on the page but stays hidden'
    finally:
        expect.set_options(timeout=previous)
