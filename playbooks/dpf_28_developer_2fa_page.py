"""DPF-28 Developer 2FA page (/app/security/2fa): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-28` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-28"
PENDING = "no issue yet"
