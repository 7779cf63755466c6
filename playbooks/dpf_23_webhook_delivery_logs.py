"""DPF-23 Webhook delivery logs (/app/webhooks): not executable yet (issue #5).

`dpf list` shows it as pending and `dpf run DPF-23` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-23"
PENDING = "issue #5"
