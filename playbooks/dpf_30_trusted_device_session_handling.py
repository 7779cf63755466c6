"""DPF-30 Trusted device/session handling (/app/security/2fa): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-30` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-30"
PENDING = "no issue yet"
