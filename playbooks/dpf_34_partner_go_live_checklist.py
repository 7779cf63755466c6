"""DPF-34 Partner go-live checklist: not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-34` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-34"
PENDING = "no issue yet"
