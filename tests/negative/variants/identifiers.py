"""Benign variants: how the portal names things (opaque identifiers)."""

from __future__ import annotations

from . import Variant

# Every flow that reads an ID from a page (a data-*-id attribute) or sends one back (a route's <id>, application_id,
# endpoint_id, ?application=), itself or through the fixtures that make and remove its applications, sandbox
# credentials and webhook endpoints.
READS_OR_SENDS_IDS = (
    "DPF-05", "DPF-06", "DPF-07", "DPF-08", "DPF-09", "DPF-10", "DPF-11", "DPF-12", "DPF-13", "DPF-15", "DPF-16",
    "DPF-17", "DPF-18", "DPF-19", "DPF-20", "DPF-21", "DPF-22", "DPF-23", "DPF-24", "DPF-25", "DPF-26", "DPF-27",
    "DPF-31", "DPF-32", "DPF-33", "DPF-34",
)

VARIANTS = [
    Variant("opaque-ids",
            "row IDs are opaque strings like app_1f3a9c0d2e (an HMAC tag under the portal's key), never numbers: in "
            "every data-*-id attribute, address, form value, go-live JSON field and usage.alert event",
            READS_OR_SENDS_IDS,
            config={"public_ids": "opaque"}),
]
