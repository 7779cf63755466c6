# The harness's pytest plugins for a playbook run, wherever the harness is installed (playbooks/harness/installation.py)
from playbooks.harness.installation import PLUGINS

pytest_plugins = list(PLUGINS)
