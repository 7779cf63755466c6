"""The portal's layers: the core imports no area, no module imports in a circle (type-only imports included),
and only the route table imports the modules that hold handlers."""

from __future__ import annotations

import ast
from pathlib import Path

import reference_portal
from reference_portal.routes import ROUTES

PACKAGE = Path(reference_portal.__file__).parent


def module_files() -> dict[str, Path]:
    return {
        ".".join(path.with_suffix("").relative_to(PACKAGE.parent).parts).removesuffix(".__init__"): path
        for path in PACKAGE.rglob("*.py")
    }


def import_graph() -> dict[str, set[str]]:
    """Every import between the package's modules, whether or not it runs only for type checkers."""
    modules = module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(parts + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for candidate in [target, *(f"{target}.{alias.name}" for alias in node.names)]:
                if candidate in modules and candidate != name:
                    graph[name].add(candidate)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for neighbour in sorted(graph[node]):
            visit(neighbour, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def handler_modules() -> set[str]:
    return {rule.endpoint.__module__ for rule in ROUTES}


def test_no_module_imports_in_a_circle():
    assert cycles(import_graph()) == []


def test_the_core_imports_no_area():
    reaching_out = {(a, b) for a, targets in import_graph().items() for b in targets
                    if a.startswith("reference_portal.core") and b.startswith("reference_portal.areas")}
    assert reaching_out == set()


def test_only_the_route_table_and_other_handlers_import_handler_modules():
    handlers = handler_modules()
    importers = {(a, b) for a, targets in import_graph().items() for b in targets
                 if b in handlers and a not in handlers and a != "reference_portal.routes"}
    assert importers == set()


def test_a_cycle_is_found_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
