# The harness's pytest plugins for the project's own tests; a playbook run has them from playbooks/conftest.py.
from playbooks.harness.installation import PLUGINS

pytest_plugins = list(PLUGINS)
