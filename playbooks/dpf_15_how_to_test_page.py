"""DPF-15 How-to-test page (/app/how-to-test): not executable yet (issue #4).

`dpf list` shows it as pending and `dpf run DPF-15` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-15"
PENDING = "issue #4"
