"""DPF-14 API docs page (/app/docs): not executable yet (issue #4).

`dpf list` shows it as pending and `dpf run DPF-14` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-14"
PENDING = "issue #4"
