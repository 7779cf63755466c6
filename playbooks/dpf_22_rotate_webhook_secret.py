"""DPF-22 Rotate webhook secret (/app/webhooks): not executable yet (issue #5).

`dpf list` shows it as pending and `dpf run DPF-22` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-22"
PENDING = "issue #5"
