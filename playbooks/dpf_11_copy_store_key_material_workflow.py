"""DPF-11 Copy/store key material workflow (/app/keys): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-11` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-11"
PENDING = "issue #3"
