"""The catalog is the specification: 34 flows, eight groups, every step and expected result word for word."""

from pathlib import Path

import pytest

import playbooks
from playbooks.harness import catalog, flow_ids

SHARED_SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_61e7da95769dc0de.txt"


def test_the_catalog_has_the_34_flows_in_order():
    ids = [flow.id for flow in catalog.flows()]
    assert ids == [f"DPF-{n:02d}" for n in range(1, 35)]


def test_the_groups_are_a_to_h():
    assert [g.letter for g in catalog.groups()] == list("ABCDEFGH")
    assert catalog.groups()[0].label == "A. Access and Authentication"
    assert catalog.groups()[-1].name == "Operational Chains and Go-Live"


def test_every_flow_has_steps_and_an_expected_result():
    for flow in catalog.flows():
        assert flow.steps and flow.expected_result, flow.id


def test_a_flow_reads_as_the_specification_writes_it():
    flow = catalog.get("DPF-01")
    assert flow.title == "Developer login"
    assert flow.group.letter == "A"
    assert flow.routes == ("/login", "/app")
    assert flow.steps == ("Open login route.", "Authenticate with developer account.", "Confirm redirect to dashboard.")
    assert flow.step_title(1) == "2. Authenticate with developer account."
    assert flow.expected_title == "Expected result: developer workspace opens successfully."


def test_route_chains_and_flows_without_a_route():
    assert catalog.get("DPF-31").routes == ("/app/apps", "/app/keys", "/app/products", "/app/how-to-test")
    assert catalog.get("DPF-29").routes == ("/app/security/2fa",)
    assert catalog.get("DPF-34").route == "" and len(catalog.get("DPF-34").steps) == 7


@pytest.mark.parametrize("given", ["DPF-07", "dpf-07", "dpf-7", "DPF07", "7", "07"])
def test_ids_are_read_leniently(given):
    assert catalog.get(given).id == "DPF-07"


@pytest.mark.parametrize("given", ["DPF-35", "DPF-00", "login", ""])
def test_an_unknown_id_names_the_valid_ones(given):
    with pytest.raises(catalog.CatalogError) as raised:
        catalog.get(given)
    assert "DPF-01" in str(raised.value) and "DPF-34" in str(raised.value)


def test_steps_out_of_order_are_refused():
    text = "A. Group\n\nDPF-01 Flow\n\n  1. One.\n  3. Three.\n\nExpected result: done.\n"
    with pytest.raises(catalog.CatalogError, match="out of order"):
        catalog.parse(text)


def test_a_flow_without_an_expected_result_is_refused():
    with pytest.raises(catalog.CatalogError, match="no steps or no expected result"):
        catalog.parse("A. Group\n\nDPF-01 Flow\n\n  1. One.\n")


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="the shared specification is not beside this checkout")
def test_the_packaged_specification_is_the_shared_seed():
    packaged = Path(playbooks.__file__).parent / "spec" / catalog.SPEC_FILE
    assert packaged.read_text(encoding="utf-8") == SHARED_SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize("text, flow_id", [
    ("playbooks/dpf_06_create_application.py::test_create_application[chromium]", "DPF-06"),
    ("dpf_34_partner_go_live_checklist", "DPF-34"),
    ("tests/negative/test_positive_variants.py", None),
])
def test_a_flow_is_read_from_its_file_name(text, flow_id):
    assert flow_ids.in_file_name(text) == flow_id


def test_a_flow_tag_names_the_data_it_creates():
    assert flow_ids.tag("DPF-06") == "dpf06"
