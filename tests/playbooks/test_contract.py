"""The portal contract as data: it loads, refuses a malformed file with the key's name, and holds the playbooks,
the reference portal and the README to the same names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import playbooks
from playbooks.harness import contract as contract_module
from playbooks.harness.contract import ContractError, parse
from reference_portal.routes import ROUTES

PROJECT = Path(playbooks.__file__).resolve().parents[1]
CONTRACT = contract_module.contract()
TEMPLATES = PROJECT / "reference_portal" / "areas" / "templates"
PORTAL_PATH = re.compile(r"^/(?:app|login|logout|forbidden|admin|api/|oauth/|openapi\.json|healthz)[^\s]*$")
TESTID_IN_TEXT = re.compile(r'data-testid="([a-z0-9-]+)"')
TESTID_CALLS = {"get_by_test_id", "elements_by_testid", "_one"}


def shipped_text() -> str:
    return (PROJECT / "playbooks" / "contract.toml").read_text(encoding="utf-8")


# --- the loader ---------------------------------------------------------------------------------------------------


def test_the_shipped_contract_loads():
    assert CONTRACT.route("applications").path == "/app/apps"
    assert CONTRACT.route("key_rotate").url(id=7) == "/app/keys/7/rotate"
    assert CONTRACT.has_path("GET", "/app/apps/12") and not CONTRACT.has_path("GET", "/app/nowhere")
    assert CONTRACT.secrets["client_secret_sandbox"].fullmatch("cs_test_" + "a" * 43)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text + '\n[colours]\nred = "#f00"\n', "colours: unknown key"),
        (lambda text: text.replace('landing = "GET /"', 'landing = "FETCH /"'), "routes.landing: 'FETCH /' is not"),
        (lambda text: text.replace('token_lifetime_seconds = 3600', 'token_lifetime_seconds = "an hour"'),
         "api.token_lifetime_seconds: must be a int"),
        (lambda text: text.replace("revocation_is_final = true", "revocation_is_final = true\nrevocation_is_fast = true"),
         "promises.revocation_is_fast: unknown key"),
        (lambda text: text.replace("headings = [", "titles = ["), "names.titles: unknown kind"),
        (lambda text: text.replace('version = "1.3"\n', ""), "version: missing"),
        (lambda text: text.replace("[fields]\n", "[fields]\nnowhere = [\"x\"]\n"), "fields.nowhere: a form is named after"),
    ],
)
def test_a_malformed_contract_is_refused_naming_the_key(change, message):
    with pytest.raises(ContractError, match=re.escape(message)):
        parse(change(shipped_text()))


def test_the_error_gives_the_line():
    with pytest.raises(ContractError, match=r"\(line \d+\): routes.landing"):
        parse(shipped_text().replace('landing = "GET /"', 'landing = "GET nowhere"'))


def test_an_unknown_name_asked_of_the_contract_is_an_error():
    with pytest.raises(ContractError, match="no data-testid 'key-colour'"):
        CONTRACT.testid("key-colour")
    assert CONTRACT.testid("field-error-name") == "field-error-name"


# --- the playbooks use only what the contract names ---------------------------------------------------------------


def names_used(source: str) -> tuple[set[str], set[str]]:
    """(test IDs, portal paths) a harness source file relies on: test-ID arguments, data-testid="..." in strings,
    and string constants that are portal paths (f-string parts filled with 1)."""
    testids: set[str] = set()
    paths: set[str] = set()
    tree = ast.parse(source)
    inside_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if id(node) in inside_fstrings:
            continue
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in TESTID_CALLS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.fullmatch(r"[a-z0-9-]+", arg.value):
                        testids.add(arg.value)
        text = None
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "1" for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        if text:
            testids |= set(TESTID_IN_TEXT.findall(text))
            candidate = text.split("?", 1)[0].split("#", 1)[0]
            if PORTAL_PATH.match(candidate):
                paths.add(candidate)
    return testids, paths


def harness_sources() -> list[Path]:
    return sorted((PROJECT / "playbooks").glob("dpf_*.py")) + [
        PROJECT / "playbooks" / "harness" / "pages.py",
        PROJECT / "playbooks" / "harness" / "api_calls.py",
        PROJECT / "playbooks" / "harness" / "two_factor.py",
        PROJECT / "fixtures" / "portal.py",
        PROJECT / "fixtures" / "signin.py",
    ]


@pytest.mark.parametrize("path", harness_sources(), ids=lambda p: p.name)
def test_harness_code_uses_only_names_the_contract_gives(path: Path):
    testids, paths = names_used(path.read_text(encoding="utf-8"))
    unknown_ids = {t for t in testids if t not in CONTRACT.testids and not t.startswith("field-error-")}
    unknown_paths = {p for p in paths if not any(CONTRACT.has_path(m, p) for m in ("GET", "POST"))}
    assert not unknown_ids, f"{path.name} uses test IDs the contract does not name: {sorted(unknown_ids)}"
    assert not unknown_paths, f"{path.name} uses routes the contract does not name: {sorted(unknown_paths)}"


def test_the_check_finds_a_name_the_contract_lacks():
    source = 'page.get_by_test_id("key-colour")\npage.goto(f"/app/keys/{key}/paint")\nx = \'[data-testid="odd"]\'\n'
    testids, paths = names_used(source)
    assert {"key-colour", "odd"} <= testids and paths == {"/app/keys/1/paint"}
    assert not CONTRACT.has_path("POST", "/app/keys/1/paint") and "key-colour" not in CONTRACT.testids


# --- ... and only accessible names the contract gives -------------------------------------------------------------

# The kinds of contract name each way of finding by name looks in: Playwright's own (get_by_role by role) and the
# harness's controls (playbooks/harness/controls.py), which take the contract's words.
ROLE_KINDS = {"heading": ("headings",), "button": ("buttons",), "link": ("links",), "textbox": ("labels",),
              "checkbox": ("labels",), "radio": ("labels",), "combobox": ("labels",)}
FINDER_KINDS = {"get_by_label": ("labels",), "get_by_placeholder": ("labels",), "heading": ("headings",),
                "titled": ("headings",), "label": ("labels",), "button": ("buttons",), "link": ("links",),
                "button_or_link": ("buttons", "links"), "named": ("buttons", "links")}
ANY_KIND = ("headings", "buttons", "links", "labels")
# Names the contract gives by a pattern rather than a list: the webhooks form's checkbox per event type.
PATTERNED = {("labels", event_type) for event_type in CONTRACT.webhooks["event_types"]}


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def names_asked(source: str) -> set[tuple[tuple[str, ...], str]]:
    """(kinds, name) for every accessible name a harness source finds something by as a literal string: get_by_role
    with name=, get_by_label, get_by_placeholder, get_by_text, and the harness's controls (heading, label, button,
    link, button_or_link, named, titled). Names built at run time (an application's own name) are data, not asked."""
    asked: set[tuple[tuple[str, ...], str]] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        finder = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if finder == "get_by_role":
            role = _literal(node.args[0]) if node.args else _literal(_keyword(node, "role"))
            name = _literal(_keyword(node, "name"))
            if name is not None:
                asked.add((ROLE_KINDS.get(role or "", ANY_KIND), name))
        elif finder == "get_by_text":
            name = _literal(node.args[0]) if node.args else _literal(_keyword(node, "text"))
            if name is not None:
                asked.add((ANY_KIND, name))
        elif finder in FINDER_KINDS:
            positional = [_literal(arg) for arg in node.args]
            literal = [text for text in positional if text is not None]
            kinds = FINDER_KINDS[finder]
            chosen = _keyword(node, "kinds")
            if isinstance(chosen, ast.Tuple):
                kinds = tuple(k for k in (_literal(e) for e in chosen.elts) if k)
            # the controls take (scope, words) or (words); get_by_label and get_by_placeholder take (text)
            words = literal[-1] if literal and positional[-1] is not None else None
            if words is not None:
                asked.add((kinds, words))
    return asked


def unknown_names(asked: set[tuple[tuple[str, ...], str]]) -> set[tuple[str, str]]:
    return {("/".join(kinds), name) for kinds, name in asked
            if not any(name in CONTRACT.names.get(kind, []) or (kind, name) in PATTERNED for kind in kinds)}


def name_sources() -> list[Path]:
    return sorted((PROJECT / "playbooks").glob("dpf_*.py")) + sorted((PROJECT / "playbooks" / "harness").glob("*.py"))


@pytest.mark.parametrize("path", name_sources(), ids=lambda p: p.name)
def test_harness_code_finds_things_only_by_names_the_contract_gives(path: Path):
    unknown = unknown_names(names_asked(path.read_text(encoding="utf-8")))
    assert not unknown, f"{path.name} finds things by names the contract does not give ([names]): {sorted(unknown)}"


def test_the_name_check_finds_a_made_up_name():
    source = (
        'page.get_by_role("button", name="Paint it blue").click()\n'
        'page.get_by_role("heading", level=1, name="Sign in")\n'
        'page.get_by_label("Favourite colour")\n'
        'heading(page, "Colours")\n'
        'button_or_link(row, "Repaint")\n'
        'label(page, "Endpoint URL")\n'
        'page.get_by_role("checkbox", name="payment.succeeded")\n'
        'page.get_by_role("link", name=application.name)\n'
    )
    assert unknown_names(names_asked(source)) == {
        ("buttons", "Paint it blue"), ("labels", "Favourite colour"), ("headings", "Colours"),
        ("buttons/links", "Repaint"),
    }


# --- the reference portal keeps the contract --------------------------------------------------------------------


def portal_routes() -> set[tuple[str, str]]:
    return {(rule.method, re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "<>", rule.pattern)) for rule in ROUTES}


def template_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in TEMPLATES.rglob("*.html"))


def test_the_reference_portal_serves_every_contract_route():
    missing = {(r.method, r.path) for r in CONTRACT.routes.values()
               if (r.method, re.sub(r"<[a-z_]+>", "<>", r.path)) not in portal_routes()}
    assert missing == set()


def test_the_reference_portal_pages_carry_every_contract_test_id_and_field():
    text = template_text()
    missing_ids = {t for t in CONTRACT.testids if f'data-testid="{t}' not in text}
    assert missing_ids == set()
    missing_fields = {(form, field) for form, fields in CONTRACT.fields.items() for field in fields
                      if f'name="{field}"' not in text}
    assert missing_fields == set()


def test_the_reference_portal_shows_every_contract_name():
    text = template_text()
    missing = {(kind, name) for kind, names in CONTRACT.names.items() for name in names if name not in text}
    assert missing == set()


# --- the README says what the contract says ------------------------------------------------------------------------


def readme_contract_section() -> str:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    return readme[readme.index("## The portal contract"):readme.index("## The reference portal")]


def test_the_readme_names_every_contract_route_and_test_id():
    section = readme_contract_section()
    paths = {re.sub(r"<[a-z_]+>", "<id>", r.path) for r in CONTRACT.routes.values()}
    in_readme = re.sub(r"<[a-z_]+>", "<id>", section.replace("…/deliveries", "/app/webhooks/<id>/deliveries"))
    assert {p for p in paths if p not in in_readme} == set()
    assert {t for t in CONTRACT.testids if t not in section} == set()


def test_every_test_id_the_readme_promises_is_in_the_contract():
    section = readme_contract_section()
    promised = set(TESTID_IN_TEXT.findall(section))
    assert {t for t in promised if t not in CONTRACT.testids and not t.startswith("field-error-")} == set()


def test_the_readme_gives_the_id_pattern_of_the_contract():
    assert f"`{CONTRACT.id_pattern.pattern}`" in readme_contract_section()
    assert all(CONTRACT.is_id(value) for value in ("17", "app_02989bb2e50b", "7f0c3c1e-5b7a-4a43-9d51-1f8f3c2a9b10"))
    assert not any(CONTRACT.is_id(value) for value in ("", "a/b", "a b", "x" * 129, 17, None))
