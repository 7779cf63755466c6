"""DPF-18 Delete sandbox credential (/app/sandbox): not executable yet (issue #4).

`dpf list` shows it as pending and `dpf run DPF-18` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-18"
PENDING = "issue #4"
