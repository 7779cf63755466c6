"""How the harness finds, reaches and reads what a person sees, the same way in every flow (the contract's "How
names and values are read"): names as the contract words them, controls inside closed disclosure widgets, and the
value an element shows, as text or in a field."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from playbooks.harness.contract import contract


def _spaced(words: str) -> str:
    return r"\s+".join(re.escape(word) for word in words.split())


def _longer_names(words: str, kinds: tuple[str, ...]) -> list[str]:
    """The rest of each contract name of these kinds that begins with `words` and says more ("all other sessions"
    of "Sign out all other sessions", for "Sign out")."""
    folded = " ".join(words.lower().split())
    rests = []
    for kind in kinds:
        for name in contract().names[kind]:
            other = " ".join(name.lower().split())
            if other.startswith(folded + " "):
                rests.append(other[len(folded):].strip())
    return rests


def named(words: str, *, kinds: tuple[str, ...] = ("buttons", "links")) -> re.Pattern[str]:
    """An accessible name (of a button, link or field) that begins with the contract's `words`, case and spacing
    aside, and may go on (a field's hint, the row an action is for), but is not a longer contract name."""
    others = "".join(rf"(?!\s+{_spaced(rest)}(?!\w))" for rest in _longer_names(words, kinds))
    return re.compile(rf"^\s*{_spaced(words)}(?!\w){others}", re.IGNORECASE)


def titled(words: str) -> re.Pattern[str]:
    """A heading's accessible name: the contract's `words` and nothing more, case and spacing aside."""
    return re.compile(rf"^\s*{_spaced(words)}\s*$", re.IGNORECASE)


def heading(scope: Page | Locator, words: str, *, level: int | None = 1) -> Locator:
    if level is None:
        return scope.get_by_role("heading", name=titled(words))
    return scope.get_by_role("heading", level=level, name=titled(words))


def label(scope: Page | Locator, words: str) -> Locator:
    return scope.get_by_label(named(words, kinds=("labels",)))


def _named_as(scope: Page | Locator, role: str, words: str) -> Locator:
    page = scope if isinstance(scope, Page) else scope.page
    whole = titled(words)
    begins = scope.get_by_role(role, name=named(words), include_hidden=True)
    return (scope.get_by_role(role, name=whole, include_hidden=True)
            .or_(begins.filter(has_text=whole))
            .or_(begins.filter(has=page.get_by_text(whole))))


def _control(scope: Page | Locator, role: str, words: str) -> Locator:
    """A control named by the contract's `words`: its name is the words, or begins with them while its text, or a
    part of it (a card's title), is the words: "Rotate secret" labelled "Rotate secret for Shop", a whole card
    "Applications" + its description; never "Sign in with SSO" for "Sign in". It may be an item of a menu (role
    menuitem) as well, and is found where a closed menu hides it."""
    return _named_as(scope, role, words).or_(_named_as(scope, "menuitem", words)).describe(f'{role} "{words}"')


def button(scope: Page | Locator, words: str) -> Locator:
    """A button, also where a closed menu hides it (reach it with revealed())."""
    return _control(scope, "button", words)


def link(scope: Page | Locator, words: str) -> Locator:
    """A link, also where a closed menu hides it (reach it with revealed())."""
    return _control(scope, "link", words)


def button_or_link(scope: Page | Locator, words: str) -> Locator:
    """An action the contract names, whether the portal makes it a button or a link."""
    return button(scope, words).or_(link(scope, words)).describe(f'button or link "{words}"')


# The disclosure widgets closed around an element, outermost first: a closed <details> (its summary opens it), a
# hidden element that a button with aria-expanded="false" controls (aria-controls) or follows (a menu button and
# its list).
_OPENERS = """target => {
  const rendered = element => element.getClientRects().length > 0;
  const openers = [];
  for (let element = target; element; element = element.parentElement) {
    if (element !== target && element.tagName === "DETAILS" && !element.open) {
      const summary = element.querySelector(":scope > summary");
      if (summary && !summary.contains(target)) openers.push(summary);
      continue;
    }
    if (rendered(element)) continue;
    let opener = element.id
      ? document.querySelector(`[aria-expanded="false"][aria-controls~="${CSS.escape(element.id)}"]`) : null;
    const before = element.previousElementSibling;
    if (!opener && before && before.getAttribute("aria-expanded") === "false") opener = before;
    if (opener) openers.push(opener);
  }
  return openers.reverse();
}"""


def revealed(control: Locator) -> Locator:
    """`control` as a person reaches it: a visible match, or else the first match once the closed disclosure widgets
    around it are opened by clicking them. Every flow clicks a contract control through this. A control that is not
    there, or stays hidden, is a failed check (AssertionError), as a missing one always was."""
    # A failure names the control as the contract does, on its first line, before Playwright's long locator.
    what = control.description or "the control"
    expect(control.first, f"{what} is not on the page").to_be_attached()
    visible = control.filter(visible=True)
    if visible.count():
        return visible.first
    target = control.first
    for opener in target.evaluate_handle(_OPENERS).get_properties().values():
        element = opener.as_element()
        if element is not None:
            element.click()
    expect(target, f"{what} is on the page but stays hidden").to_be_visible()
    return target


# What an element shows: the values of the fields it is or holds (a read-only <input>, a <textarea>), else its text.
_SHOWN = """element => {
  const field = "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit])"
    + ":not([type=button]):not([type=reset]):not([type=image]):not([type=file]), textarea";
  const fields = element.matches(field) ? [element] : [...element.querySelectorAll(field)];
  const shown = fields.length ? fields.map(f => f.value).join(" ") : element.innerText;
  return shown.split(/\\s+/).filter(Boolean).join(" ");
}"""


def says_state(element: Locator, state: str) -> bool:
    """Whether the words a person reads in a state cell name this state, in any letter case (not "inactive" for
    "active")."""
    return re.search(rf"\b{re.escape(state)}\b", shown_text(element), re.IGNORECASE) is not None


def shown_text(element: Locator) -> str:
    """The value `element` shows a person, whitespace folded: its text, or the value of the field it is or holds."""
    return element.evaluate(_SHOWN)
