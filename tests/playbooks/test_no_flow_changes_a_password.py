"""Flows run in parallel against a shared deployment as the demo personas: one that changed a persona's password
would sign every other flow out and lock the next run out. The contract names the password form (for portals to
keep), and no harness code may post to it."""

from __future__ import annotations

from pathlib import Path

import playbooks
from playbooks.harness.contract import contract

PROJECT = Path(playbooks.__file__).resolve().parents[1]
ROUTE = contract().route("password_change")
MARKS = (ROUTE.path, '"password_change"', "'password_change'", "new_password")


def python_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def referring(paths: list[Path]) -> list[str]:
    """The files that name the password form: its path, its contract name or its new-password field."""
    return [path.name for path in paths if any(mark in path.read_text(encoding="utf-8") for mark in MARKS)]


def test_no_playbook_or_fixture_changes_a_password():
    files = python_files(PROJECT / "playbooks", PROJECT / "fixtures")
    assert len(files) > 20
    assert referring(files) == []


def test_the_check_finds_a_file_that_does(tmp_path: Path):
    (tmp_path / "dpf_98_turn_off.py").write_text('client.post("/account/security/2fa/disable", data=form)\n')
    (tmp_path / "dpf_99_change.py").write_text(f'client.post("{ROUTE.path}", data=form)\n')
    (tmp_path / "helper.py").write_text('contract().route("password_change")\n')
    assert referring(python_files(tmp_path)) == ["dpf_99_change.py", "helper.py"]
