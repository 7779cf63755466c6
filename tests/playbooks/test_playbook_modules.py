"""One playbook module per catalog flow, and every module names exactly one flow."""

import ast
import importlib
import re

from playbooks.harness import catalog
from playbooks.harness.flow_ids import in_file_name
from playbooks.harness.modules import playbook_modules


def test_every_catalog_flow_has_exactly_one_module():
    modules_by_flow: dict[str, list[str]] = {}
    for module in playbook_modules():
        modules_by_flow.setdefault(module.flow_id, []).append(module.name)
    assert sorted(modules_by_flow) == [flow.id for flow in catalog.flows()]
    assert all(len(names) == 1 for names in modules_by_flow.values()), modules_by_flow


def test_every_module_names_the_flow_its_file_name_says():
    for module in playbook_modules():
        assert module.flow_id == in_file_name(module.name), module.name
        number = module.flow_id.removeprefix("DPF-")
        slug = re.sub(r"[^a-z0-9]+", "_", catalog.get(module.flow_id).title.lower()).strip("_")
        assert module.name == f"dpf_{number}_{slug}", f"{module.name} should be named after its title"


def _tests_and_markers(source: str) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            markers = [
                ast.unparse(d.args[0])
                for d in node.decorator_list
                if isinstance(d, ast.Call) and ast.unparse(d.func) == "pytest.mark.dpf"
            ]
            found.append((node.name, markers))
    return found


def test_executable_modules_hold_one_test_marked_with_their_flow():
    executable = [m for m in playbook_modules() if m.executable]
    assert {m.flow_id for m in executable} >= {"DPF-01", "DPF-02", "DPF-03", "DPF-04"}
    for module in executable:
        tests = _tests_and_markers(module.path.read_text(encoding="utf-8"))
        assert len(tests) == 1, f"{module.name} has {len(tests)} tests"
        name, markers = tests[0]
        assert markers == ["FLOW_ID"], f"{module.name}::{name} must carry @pytest.mark.dpf(FLOW_ID)"


def test_pending_modules_hold_no_test_and_say_why():
    for module in playbook_modules():
        if module.executable:
            continue
        assert module.pending, module.name
        assert _tests_and_markers(module.path.read_text(encoding="utf-8")) == [], f"{module.name} is pending"


def test_each_executable_playbook_walks_its_catalog_steps_word_for_word():
    for module in (m for m in playbook_modules() if m.executable):
        source = module.path.read_text(encoding="utf-8")
        flow = catalog.get(module.flow_id)
        used_steps = re.findall(r'flow\.step\("([^"]+)"\)', source)
        used_results = re.findall(r'flow\.expected_result\("([^"]+)"\)', source)
        # A playbook with two modes (DPF-34: fresh objects, or the partner's own integration) walks them in each.
        walks = max(1, len(used_results))
        assert tuple(used_steps) == flow.steps * walks, module.name
        assert used_results == [flow.expected_result] * walks, module.name


def test_no_playbook_imports_a_name_pytest_would_collect_as_a_second_test():
    """pytest collects every module-level function whose name starts with "test", imported ones included."""
    for module in playbook_modules():
        loaded = importlib.import_module(f"playbooks.{module.name}")
        collectable = [name for name, value in vars(loaded).items() if name.startswith("test") and callable(value)]
        assert len(collectable) == (1 if module.executable else 0), f"{module.name}: {collectable}"
