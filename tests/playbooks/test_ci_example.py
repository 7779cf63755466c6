"""The README's CI examples: valid YAML, a job per shard and a merge job, and every `dpf` command in them one that the
real command line accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from playbooks.harness.cli import UsageError, build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")  # GitHub's ${{ ... }}


def ci_examples() -> list[dict]:
    return [yaml.safe_load(block) for block in YAML_BLOCK.findall(README.read_text(encoding="utf-8"))]


def run_lines(workflow: dict) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def dpf_commands(run: str) -> list[list[str]]:
    """Each `dpf ...` (or `.venv/bin/dpf ...`) in a step's shell line, its arguments after the program, with the
    matrix's shard number for `${{ matrix.shard }}` and a stand-in for any other expression."""
    text = EXPRESSION.sub(lambda found: "1" if found.group(1) == "matrix.shard" else "x", run)
    commands = []
    for part in re.split(r"&&|\|\||;|\n", text):
        words = shlex.split(part, comments=True)
        if words and Path(words[0]).name == "dpf":
            commands.append(words[1:])
    return commands


def parses(arguments: list[str]) -> bool:
    """As `dpf` itself reads them: anything after `--` goes to pytest."""
    own = arguments[:arguments.index("--")] if "--" in arguments else arguments
    try:
        build_parser().parse_args(own)
    except (UsageError, SystemExit):
        return False
    return True


def test_the_readme_has_ci_examples_with_a_job_per_shard_and_a_merge_job():
    examples = ci_examples()
    assert examples, "no ```yaml block in the README"
    for workflow in examples:
        commands = [command for run in run_lines(workflow) for command in dpf_commands(run)]
        shards = [command for command in commands if command[:1] == ["run"] and "--shard" in command]
        merges = [command for command in commands if command[:2] == ["report", "--merge"]]
        assert shards and merges, commands
        matrix = next(job["strategy"]["matrix"]["shard"] for job in workflow["jobs"].values() if "strategy" in job)
        assert all(command[command.index("--shard") + 1] == f"1/{len(matrix)}" for command in shards), shards
        after = merges[0][merges[0].index("--merge") + 1:]
        folders = after[:next((i for i, word in enumerate(after) if word.startswith("-")), len(after))]
        assert len(folders) == len(matrix), merges  # one folder per shard


def test_every_dpf_command_in_the_ci_examples_parses():
    commands = [command for workflow in ci_examples() for run in run_lines(workflow) for command in dpf_commands(run)]
    assert len(commands) >= 4, commands
    assert [command for command in commands if not parses(command)] == []


@pytest.mark.parametrize("arguments", [["run", "--shard", "4/3"], ["report", "--merge"], ["run", "--no-such-option"]])
def test_a_command_the_command_line_refuses_does_not_parse(arguments):
    assert not parses(arguments)
