"""DPF-16 Sandbox credentials page (/app/sandbox): not executable yet (issue #4).

`dpf list` shows it as pending and `dpf run DPF-16` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-16"
PENDING = "issue #4"
