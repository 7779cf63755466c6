"""DPF-27 FAQ knowledge base (/app/faq): not executable yet (no issue yet).

`dpf list` shows it as pending and `dpf run DPF-27` reports it as not run, never as passed.
"""

FLOW_ID = "DPF-27"
PENDING = "no issue yet"
