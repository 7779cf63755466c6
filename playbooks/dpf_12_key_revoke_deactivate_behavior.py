"""DPF-12 Key revoke/deactivate behavior (/app/keys): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-12` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-12"
PENDING = "issue #3"
