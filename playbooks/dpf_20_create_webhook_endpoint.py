"""DPF-20 Create webhook endpoint (/app/webhooks): not executable yet (issue #5).

`dpf list` shows it as pending and `dpf run DPF-20` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-20"
PENDING = "issue #5"
