"""DPF-29 Open account settings handoff (/app/security/2fa -> account settings): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-29` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-29"
PENDING = "no issue yet"
