"""DPF-32 Event-driven integration chain (/app/webhooks -> /app/usage): not executable yet (issue #5).

`dpf list` shows it as pending and `dpf run DPF-32` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-32"
PENDING = "issue #5"
