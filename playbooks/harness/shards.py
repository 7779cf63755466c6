"""Runs that outgrow one machine: `dpf run --shard i/n` and `dpf report --merge DIR...`.

A shard is chosen deterministically by flow ID: the selected flows in ID order, dealt out in turn, so shard i of n
gets the same flows on every machine and every night, and the n shards together get each flow exactly once. Flows
that must run together (RUN_TOGETHER) are dealt as one. Merging copies the Allure results of every shard into one
folder (their file names are UUIDs, so none collide) and joins their JUnit files into one, for one report.
"""

from __future__ import annotations

import argparse
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable, Sequence, TypeVar

# Flows that must run in the same shard (in the same run), e.g. when one relies on what another leaves behind.
# None does today: every flow makes and removes its own data.
RUN_TOGETHER: tuple[frozenset[str], ...] = ()

SHARD = re.compile(r"(\d+)/(\d+)")
HasId = TypeVar("HasId")


class ShardError(ValueError):
    pass


def parse_shard(text: str) -> tuple[int, int]:
    """'2/3' -> (2, 3); i must be 1 to n."""
    match = SHARD.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise argparse.ArgumentTypeError(f"takes i/n with 1 <= i <= n, such as 1/2, not {text!r}")
    return int(match.group(1)), int(match.group(2))


def select(flows: Sequence[HasId], shard: tuple[int, int], together: Iterable[frozenset[str]] = RUN_TOGETHER,
           ) -> list[HasId]:
    """The flows of shard i of n, in ID order. Each flow needs an `id` (DPF-NN); a group is dealt as one unit."""
    index, count = shard
    ordered = sorted(flows, key=lambda f: f.id)  # type: ignore[attr-defined]
    unit_of: dict[str, str] = {}
    for group in together:
        for flow_id in group:
            unit_of[flow_id] = min(group)
    units = list(dict.fromkeys(unit_of.get(f.id, f.id) for f in ordered))  # type: ignore[attr-defined]
    mine = {unit for position, unit in enumerate(units) if position % count == index - 1}
    return [f for f in ordered if unit_of.get(f.id, f.id) in mine]  # type: ignore[attr-defined]


def merge(shard_folders: Sequence[Path], out: Path) -> int:
    """Every shard's allure-results and junit.xml into `out`; returns the number of test cases merged."""
    missing = [str(folder) for folder in shard_folders if not (folder / "allure-results").is_dir()]
    if missing:
        raise ShardError(f"no allure-results in {', '.join(missing)}: give the folders `dpf run` wrote")
    results = out / "allure-results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    for folder in shard_folders:
        for source in (folder / "allure-results").iterdir():
            if source.is_file() and not (results / source.name).exists():
                shutil.copy2(source, results / source.name)
    return merge_junit([folder / "junit.xml" for folder in shard_folders], out / "junit.xml")


def merge_junit(files: Sequence[Path], out: Path) -> int:
    suite = ET.Element("testsuite", {"name": "dpf (merged shards)"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for file in files:
        if not file.exists():
            continue
        for case in ET.parse(file).getroot().iter("testcase"):
            suite.append(case)
            totals["tests"] += 1
            totals["failures"] += case.find("failure") is not None
            totals["errors"] += case.find("error") is not None
            totals["skipped"] += case.find("skipped") is not None
            seconds += float(case.get("time") or 0)
    for name, value in totals.items():
        suite.set(name, str(value))
    suite.set("time", f"{seconds:.3f}")
    root = ET.Element("testsuites")
    root.append(suite)
    out.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return totals["tests"]
