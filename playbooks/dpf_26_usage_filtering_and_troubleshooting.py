"""DPF-26 Usage filtering and troubleshooting (/app/usage): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-26` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-26"
PENDING = "no issue yet"
