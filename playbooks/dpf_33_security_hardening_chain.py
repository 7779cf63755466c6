"""DPF-33 Security hardening chain (/app/keys -> /app/webhooks -> /app/security/2fa): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-33` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-33"
PENDING = "no issue yet"
