"""DPF-16 Sandbox credentials page: the sandbox credentials and test accounts, with their metadata, and no key.

Faults of a broken portal this flow must catch:
- a credential the flow created is missing, or listed with another merchant ID than it was created with;
- a garbled merchant ID (not `mer_test_…`);
- a balance that is not the test account's balance as the sandbox API reports it;
- `last-used` that does not follow use: the flow calls the API with the key and the page must say something else
  than before; `created` without a date;
- the API key shown in full (only its last four characters may be).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from playbooks.harness.api_calls import sandbox_account
from playbooks.harness.contract import contract
from playbooks.harness.controls import shown_text
from playbooks.harness.pages import SandboxPage

FLOW_ID = "DPF-16"
MERCHANT_ID = contract().secrets["sandbox_merchant_id"]
DIGIT = re.compile(r"\d")
MACHINE_TIME = 'time[datetime]:not([datetime=""])'


def showing_a_time(cell: Locator) -> Locator:
    """The cell, if it shows a point in time: digits in its text ("2026-12-07 04:12", "5 min ago"), or a <time
    datetime="..."> that it is or holds (its text may then be "just now")."""
    machine = cell.page.locator(MACHINE_TIME)
    return cell.filter(has_text=DIGIT).or_(cell.filter(has=machine)).or_(cell.and_(machine))


def balance_matches(shown: str, minor_units: int, currency: str) -> bool:
    """Whether the page's balance text is the API's balance: in minor units (1000000) or major (10,000.00 or 10000)."""
    digits = re.sub(r"\D", "", shown)
    candidates = {str(minor_units)}
    if minor_units % 100 == 0:
        candidates.add(str(minor_units // 100))
    return digits in candidates and (currency in shown or not re.search(r"[A-Z]{3}", shown))


@pytest.mark.dpf(FLOW_ID)
def test_sandbox_credentials_page(flow, open_page, developer, sandbox_credentials, vault, api):
    known = sandbox_credentials.create()
    key = vault.get(known.key_name)
    page = open_page(developer)
    sandbox = SandboxPage(page)

    with flow.step("Open sandbox page."):
        response = page.goto("/app/sandbox")
        assert response is not None and response.status == 200, f"/app/sandbox answered HTTP {response and response.status}"
        expect(sandbox.heading).to_be_visible()

    with flow.step("Validate existing sandbox credentials/accounts."):
        expect(sandbox.rows.first).to_be_visible()
        for row in sandbox.rows.all():
            merchant_id = shown_text(row.get_by_test_id("merchant-id"))
            assert MERCHANT_ID.fullmatch(merchant_id), f"a sandbox row shows merchant ID {merchant_id!r}"
            expect(showing_a_time(row.get_by_test_id("created")), "created shows no time").to_have_count(1)
            expect(row.get_by_test_id("last-used")).not_to_be_empty()
        unused = sandbox.row(known.name).get_by_test_id("last-used").inner_text().strip()

    with flow.expected_result("sandbox access data is visible."):
        row = sandbox.row(known.name)
        expect(row).to_have_count(1)
        assert shown_text(row.get_by_test_id("merchant-id")) == known.merchant_id, "the row shows another merchant ID"
        assert key not in page.content(), "the sandbox page shows an API key in full"
        expect(row).to_contain_text(key[-4:])
        account = sandbox_account(api, key)
        assert account.status_code == 200, f"the flow's sandbox key was refused: HTTP {account.status_code}"
        assert account.json()["merchant_id"] == known.merchant_id, "the key reaches another test account"
        page.reload()
        row = sandbox.row(known.name)
        shown = shown_text(row.get_by_test_id("balance"))
        balance, currency = account.json()["balance"], account.json()["currency"]
        assert balance_matches(shown, balance, currency), f"the page shows balance {shown!r}; the API says {balance} {currency}"
        expect(row.get_by_test_id("last-used"), "last-used did not change when the key was used").not_to_have_text(unused)
        expect(showing_a_time(row.get_by_test_id("last-used")), "last-used shows no time after use").to_have_count(1)
        assert key not in page.content(), "the sandbox page shows an API key in full"
