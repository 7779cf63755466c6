"""DPF-31 First integration chain (/app/apps -> /app/keys -> /app/products -> /app/how-to-test): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-31` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-31"
PENDING = "no issue yet"
