"""DPF-13 API products catalog (/app/products): not executable yet (issue #4).

`dpf list` shows it as pending and `dpf run DPF-13` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-13"
PENDING = "issue #4"
