"""What a run takes from the installed harness, wherever it is installed (this checkout, or a wheel in a partner's
virtual environment) and whatever folder it runs from: the pytest plugins and settings, the Allure settings, the
Allure command line, the reference portal when its extra is installed, and how to start `dpf` itself as a child
process."""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
from pathlib import Path

from packaging.requirements import Requirement  # a dependency of pytest

HERE = Path(__file__).resolve().parent
# The folder that holds the playbooks and fixtures packages: the checkout, or site-packages
PACKAGES_ROOT = HERE.parents[1]
PLAYBOOKS_DIR = PACKAGES_ROOT / "playbooks"
# The playbook run's own pytest settings, so a pytest.ini, pyproject.toml or conftest.py in the folder a run starts
# from (or above an installed harness) is never read
PYTEST_CONFIG = HERE / "playbook_run.ini"
ALLURE_CONFIG = HERE / "allurerc.json"
DISTRIBUTION = "dpf-harness"
PORTAL_EXTRA = f"pip install '{DISTRIBUTION}[portal]'"

# Each plugin after the ones it imports, so pytest can rewrite the asserts of all of them. playbooks/conftest.py names
# them for a playbook run, and the checkout's conftest.py for the project's own tests: a conftest, not `-p`, so they
# load after the installed pytest plugins (their fixtures override pytest-playwright's, and faker, which they import,
# is not imported before pytest marks it for rewriting).
PLUGINS = (
    "fixtures.personas",
    "fixtures.target",
    "fixtures.leak_check",
    "fixtures.evidence",
    "fixtures.signin",
    "fixtures.vault",
    "fixtures.subscriptions",
    "fixtures.portal",
    "fixtures.organisations",
    "fixtures.webhooks",
    "fixtures.flow",
    "fixtures.browser",
    "fixtures.selection",
    "fixtures.preflight",
)


class PortalNotInstalled(Exception):
    pass


def dpf_command(*arguments: str) -> list[str]:
    """`dpf ARGUMENTS...` as a child process of this Python: the command line's own entry point, not `-m`, which would
    make a second copy of the cli module."""
    entry = "import sys; from playbooks.harness.cli import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", entry, *arguments]


def pytest_settings() -> list[str]:
    """The pytest options that make a playbook run the same from any folder: no conftest above playbooks/ is read."""
    return ["-c", str(PYTEST_CONFIG), f"--rootdir={PACKAGES_ROOT}", f"--confcutdir={PLAYBOOKS_DIR}"]


def check_reference_portal() -> None:
    """Raises PortalNotInstalled, naming the extra, when the reference portal's libraries are not installed. Read from
    the installed metadata, so the portal (and faker, which it imports) is not imported before pytest starts."""
    try:
        requirements = [Requirement(text) for text in importlib.metadata.requires(DISTRIBUTION) or []]
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return
    missing = []
    for requirement in requirements:
        marker = requirement.marker
        if marker is not None and marker.evaluate({"extra": "portal"}) and not marker.evaluate({"extra": ""}):
            try:
                importlib.metadata.distribution(requirement.name)
            except importlib.metadata.PackageNotFoundError:
                missing.append(requirement.name)
    if missing:
        raise PortalNotInstalled(f"the reference portal's libraries are not installed ({', '.join(missing)}): "
                                 f"{PORTAL_EXTRA}")


def allure_command() -> list[str] | None:
    """Allure 3: the checkout's pinned copy (npm ci), one in the current folder's node_modules, or one on PATH."""
    for local in (PACKAGES_ROOT / "node_modules" / ".bin" / "allure", Path.cwd() / "node_modules" / ".bin" / "allure"):
        if local.exists():
            return [str(local)]
    if on_path := shutil.which("allure"):  # npm install -g allure
        return [on_path]
    if shutil.which("npx"):
        return ["npx", "--no-install", "allure"]
    return None
