"""DPF-05 Applications list (/app/apps): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-05` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-05"
PENDING = "issue #3"
