"""Flow IDs, known in one place: DPF-NN as people type it, as it stands in a playbook's file or test node name,
and as the short tag in the names of the data a flow creates."""

from __future__ import annotations

import re

IN_FILE_NAME = re.compile(r"dpf_(\d{2})_")
AS_TYPED = re.compile(r"(?:dpf)?-?0*(\d{1,2})", flags=re.IGNORECASE)


def normalise(raw: str) -> str:
    """'dpf-1', 'DPF01' and '1' all mean DPF-01; anything else comes back stripped and upper-cased."""
    match = AS_TYPED.fullmatch(raw.strip())
    return f"DPF-{int(match.group(1)):02d}" if match else raw.strip().upper()


def in_file_name(text: str) -> str | None:
    """The flow of a playbook's module name, file path or test node ID (`.../dpf_06_create_application.py::...`)."""
    found = IN_FILE_NAME.search(text)
    return f"DPF-{found.group(1)}" if found else None


def tag(flow_id: str) -> str:
    """DPF-06 -> dpf06, as in the names of the data the flow creates (`dpf-dpf06-<word>-<random>`)."""
    return flow_id.lower().replace("-", "")
