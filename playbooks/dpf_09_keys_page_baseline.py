"""DPF-09 Keys page baseline (/app/keys): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-09` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-09"
PENDING = "issue #3"
