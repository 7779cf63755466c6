"""DPF-24 Delete webhook endpoint (/app/webhooks): not executable yet (issue #5).

`dpf list` shows it as pending and `dpf run DPF-24` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-24"
PENDING = "issue #5"
