"""DPF-19 Webhooks page baseline (/app/webhooks): not executable yet (issue #5).

`dpf list` shows it as pending and `dpf run DPF-19` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-19"
PENDING = "issue #5"
