"""DPF-06 Create application (/app/apps): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-06` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-06"
PENDING = "issue #3"
