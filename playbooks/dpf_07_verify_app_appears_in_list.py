"""DPF-07 Verify app appears in list (/app/apps): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-07` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-07"
PENDING = "issue #3"
