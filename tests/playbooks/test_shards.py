"""Sharding: `dpf run --shard i/n` splits the selected flows by ID; `dpf report --merge` joins the shards' results."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from playbooks.harness import catalog, shards
from playbooks.harness.cli import PROJECT_ROOT


@dataclass(frozen=True)
class F:
    id: str


ALL = [F(flow.id) for flow in catalog.flows()]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 34, 40])
def test_the_shards_together_hold_every_flow_exactly_once_and_are_balanced(count):
    chosen = [shards.select(ALL, (index, count)) for index in range(1, count + 1)]
    every = [flow.id for shard in chosen for flow in shard]
    assert sorted(every) == sorted(flow.id for flow in ALL) and len(every) == len(set(every))
    sizes = [len(shard) for shard in chosen]
    assert max(sizes) - min(sizes) <= 1


def test_a_shard_is_the_same_whatever_order_the_flows_come_in():
    assert shards.select(ALL, (2, 3)) == shards.select(list(reversed(ALL)), (2, 3))
    assert [f.id for f in shards.select(ALL, (1, 2))][:3] == ["DPF-01", "DPF-03", "DPF-05"]


def test_flows_that_must_run_together_land_in_one_shard():
    together = [frozenset({"DPF-02", "DPF-03", "DPF-30"})]
    chosen = [{f.id for f in shards.select(ALL, (index, 4), together)} for index in range(1, 5)]
    holding = [shard for shard in chosen if shard & {"DPF-02", "DPF-03", "DPF-30"}]
    assert len(holding) == 1 and {"DPF-02", "DPF-03", "DPF-30"} <= holding[0]
    assert sum(len(shard) for shard in chosen) == len(ALL)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", ""])
def test_a_bad_shard_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="i/n"):
        shards.parse_shard(text)


def test_merging_copies_every_result_and_joins_the_junit_files(tmp_path):
    for number, (flow, outcome) in enumerate([("dpf_01_a", ""), ("dpf_02_b", '<failure message="x"/>')], start=1):
        folder = tmp_path / f"shard{number}"
        (folder / "allure-results").mkdir(parents=True)
        (folder / "allure-results" / f"uuid{number}-result.json").write_text("{}")
        (folder / "junit.xml").write_text(f'<testsuites><testsuite><testcase classname="playbooks.{flow}" name="t" '
                                          f'time="2.5">{outcome}</testcase></testsuite></testsuites>')
    out = tmp_path / "merged"
    assert shards.merge([tmp_path / "shard1", tmp_path / "shard2"], out) == 2
    assert sorted(p.name for p in (out / "allure-results").iterdir()) == ["uuid1-result.json", "uuid2-result.json"]
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("time")) == ("2", "1", "5.000")


def test_merging_a_folder_without_results_is_refused(tmp_path):
    with pytest.raises(shards.ShardError, match="no allure-results"):
        shards.merge([tmp_path], tmp_path / "out")


def _flows_results_and_steps(results: Path) -> dict[str, tuple[str, list[str]]]:
    def steps(node: dict) -> list[str]:
        return [s["name"] for s in node.get("steps", [])] + [n for s in node.get("steps", []) for n in steps(s)]

    found = {}
    for path in results.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        found[result["name"]] = (result["status"], steps(result))
    return found


@pytest.mark.browser  # three real runs, side by side
def test_two_shards_merged_give_the_same_flows_results_and_steps_as_one_run(tmp_path):
    def start(*args: str, reports: Path) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "playbooks.harness.cli", *args], cwd=PROJECT_ROOT,
                                env={**os.environ, "DPF_REPORTS_DIR": str(reports)}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    flows = ["DPF-03", "DPF-07", "DPF-15"]  # three of the lightest flows, each of several steps
    runs = [start("run", *flows, "--no-report", reports=tmp_path / "whole"),
            start("run", *flows, "--shard", "1/2", "--no-report", reports=tmp_path / "shard1"),
            start("run", *flows, "--shard", "2/2", "--no-report", reports=tmp_path / "shard2")]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output
    assert "DPF-03" in outputs[1] and "DPF-15" in outputs[1] and "DPF-07" not in outputs[1]
    merged = start("report", "--merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out",
                   str(tmp_path / "merged"), reports=tmp_path / "reports").communicate(timeout=600)[0]
    assert "3 flow(s) of 2 shard(s) merged" in merged, merged

    one_run = _flows_results_and_steps(tmp_path / "whole" / "allure-results")
    assert len(one_run) == 3
    assert _flows_results_and_steps(tmp_path / "merged" / "allure-results") == one_run
    cases = [(c.get("classname"), c.get("name")) for c in ET.parse(tmp_path / "merged" / "junit.xml").iter("testcase")]
    assert sorted(cases) == sorted((c.get("classname"), c.get("name"))
                                   for c in ET.parse(tmp_path / "whole" / "junit.xml").iter("testcase"))
