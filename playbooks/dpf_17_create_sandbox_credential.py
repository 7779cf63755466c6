"""DPF-17 Create sandbox credential (/app/sandbox): not executable yet (issue #4).

`dpf list` shows it as pending and `dpf run DPF-17` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-17"
PENDING = "issue #4"
