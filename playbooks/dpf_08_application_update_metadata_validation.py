"""DPF-08 Application update/metadata validation (/app/apps): not executable yet (issue #3).

`dpf list` shows it as pending and `dpf run DPF-08` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-08"
PENDING = "issue #3"
