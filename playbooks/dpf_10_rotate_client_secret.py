"""DPF-10 Rotate client secret (/app/keys): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-10` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-10"
PENDING = "issue #3"
