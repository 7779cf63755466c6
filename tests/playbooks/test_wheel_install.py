"""The harness as a partner installs it: the built wheel, without extras, in a fresh virtual environment outside this
checkout, runs a flow against a served reference portal from an empty folder and writes reports/ there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reference_portal import Config, create_app
from reference_portal.serve import serve_in_background

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")  # scripts/bootstrap installs it; its cache holds every pinned package
WHEEL_SOURCES = ("pyproject.toml", "README.md", "playbooks", "fixtures", "reference_portal")
# What the wheel must not bring without an extra: the portal's libraries and the project's own test tools
NOT_DEPENDENCIES = ("jinja2", "argon2", "waitress", "segno", "respx", "schemathesis", "openapi_spec_validator")
# Hostile settings above the installed harness: a run that read them would fail to start
STRANGER_INI = "[pytest]\naddopts = --option-only-a-stranger-knows\n"
STRANGER_CONFTEST = "raise RuntimeError('a conftest.py outside the harness was imported')\n"

# Run by the venv's Python: where the harness comes from, which libraries it was given, why the portal cannot start
INSTALLED_PACKAGES = f"""
import importlib.util, json, playbooks
try:
    from reference_portal import create_app
    portal = "importable"
except ImportError as error:
    portal = str(error)
present = [name for name in {NOT_DEPENDENCIES!r} if importlib.util.find_spec(name)]
print(json.dumps({{"playbooks": playbooks.__file__, "present": present, "portal": portal}}))
"""


def run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120, **kwargs)


def build_and_install(work: Path) -> Path:
    """The wheel built from a copy of the sources (no build files in the shared checkout), installed offline from
    uv's cache into work/venv; the venv's bin folder."""
    source = work / "source"
    source.mkdir()
    for name in WHEEL_SOURCES:
        original = PROJECT_ROOT / name
        if original.is_dir():
            shutil.copytree(original, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(original, source / name)
    built = run([UV, "build", "--wheel", "--offline", "--quiet", "--out-dir", work / "dist", source])
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("dpf_harness-*.whl")
    venv = work / "venv"
    made = run([UV, "venv", "--offline", "--quiet", "--python", sys.executable, venv])
    assert made.returncode == 0, made.stderr
    installed = run([UV, "pip", "install", "--offline", "--quiet", "--python", venv / "bin" / "python",
                     "-c", PROJECT_ROOT / "constraints.txt", wheel])
    assert installed.returncode == 0, installed.stderr
    return venv / "bin"


def partner_environment() -> dict[str, str]:
    """This machine's environment without the checkout: no PYTHONPATH, no pytest or dpf settings but the browser's."""
    keep = ("DPF_CHROMIUM",)
    return {key: value for key, value in os.environ.items()
            if key in keep or not (key.startswith(("PYTEST_", "DPF_")) or key in ("PYTHONPATH", "VIRTUAL_ENV"))}


def test_the_wheel_without_extras_runs_a_flow_from_an_empty_folder_and_asks_for_the_portal_extra(tmp_path):
    (tmp_path / "pytest.ini").write_text(STRANGER_INI)
    (tmp_path / "conftest.py").write_text(STRANGER_CONFTEST)
    bin_dir = build_and_install(tmp_path)
    env = partner_environment()

    inside = run([bin_dir / "python", "-c", INSTALLED_PACKAGES], cwd=tmp_path, env=env)
    installed = json.loads(inside.stdout or "{}")
    assert Path(installed["playbooks"]).is_relative_to(tmp_path / "venv"), inside.stdout + inside.stderr
    assert installed["present"] == [] and "No module named 'jinja2'" in installed["portal"], installed

    folder = tmp_path / "partner"
    folder.mkdir()
    portal = serve_in_background(create_app(Config(database=str(tmp_path / "portal.sqlite3"))))
    try:
        done = run([bin_dir / "dpf", "run", "DPF-01", "--base-url", portal.url, "--no-report"], cwd=folder, env=env)
    finally:
        portal.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    results = json.loads((folder / "reports" / "latest" / "results.json").read_text())
    assert [(flow["id"], flow["verdict"]) for flow in results["flows"]] == [("DPF-01", "passed")], results

    for command in (["run", "DPF-01"], ["portal"]):  # both need the reference portal: one line naming the extra
        refused = run([bin_dir / "dpf", *command], cwd=folder, env=env)
        assert refused.returncode == 4, refused.stdout + refused.stderr
        assert refused.stderr.count("\n") == 1 and "pip install 'dpf-harness[portal]'" in refused.stderr, \
            refused.stderr
