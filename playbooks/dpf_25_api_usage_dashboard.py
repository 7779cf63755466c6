"""DPF-25 API usage dashboard (/app/usage): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-25` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-25"
PENDING = "no issue yet"
