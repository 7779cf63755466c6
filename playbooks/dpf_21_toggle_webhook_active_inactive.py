"""DPF-21 Toggle webhook active/inactive (/app/webhooks): not executable yet (issue #5).

`dpf list` shows it as pending and `dpf run DPF-21` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-21"
PENDING = "issue #5"
