"""The inventory report on `make dev` with its demo seed, over HTTP: 2025's totals are the summary's
(Acme Group's and its subsidiary's), and the CSV and XLSX downloads carry the same Scope 1, 2 and 3."""

from __future__ import annotations

import csv
import io
import time
import urllib.request

import openpyxl
import pytest

from carbon_accounting import examples
from tests.e2e.conftest import request

pytestmark = pytest.mark.e2e

GROUP = {"x-api-key": "sk_test_acme_group_demo_key", "x-organization-id": examples.ACME}
IBERIA = {"x-api-key": "sk_test_acme_iberia_demo_key", "x-organization-id": examples.ACME_IBERIA}
YEAR = "start_date=2025-01-01&end_date=2025-12-31"


def download(url: str, path: str) -> tuple[dict[str, str], bytes]:
    call = urllib.request.Request(url + path, headers=GROUP)
    with urllib.request.urlopen(call, timeout=30) as response:
        return dict(response.headers), response.read()


def settled(url: str) -> tuple[dict, float, float]:
    """The report and the two summaries' market-based totals, once the seeded invoices are computed
    and the figures agree (other tests on this stack may still be writing: the rollups follow)."""
    deadline = time.monotonic() + 90
    while True:
        loading = request(url, "GET", "/v1/invoices?status[]=loading", GROUP).body["total"]
        report = request(url, "GET", "/v1/reports/inventory?year=2025", GROUP)
        assert report.status == 200, report.body
        group = request(url, "GET", f"/v1/emissions/summary?group_by=type&{YEAR}", GROUP).body["total"]
        iberia = request(url, "GET", f"/v1/emissions/summary?group_by=type&{YEAR}", IBERIA).body["total"]
        together = group["co2e"] + iberia["co2e"]
        if not loading and round(report.body["totals"]["market_based"], 3) == round(together, 3):
            return report.body, group["co2e"], iberia["co2e"]
        assert time.monotonic() < deadline, (loading, report.body["totals"], together)
        time.sleep(1)


def test_the_demo_years_inventory_equals_the_summary_in_every_format(demo_stack):
    body, group, iberia = settled(demo_stack.url)

    assert body["totals"]["invoices"] >= 46  # the seeded year, shares of the group's contract counted apart
    entities = {entity["name"]: entity["co2e"] for entity in body["consolidation"]["entities"]}
    assert round(entities["Acme Group"], 3) == round(group, 3)
    assert round(entities["Acme Iberia"], 3) == round(iberia, 3)
    assert body["biogenic_co2"] > 0  # the group's wood pellets
    assert body["completeness"]["gaps"] >= 1  # Lyon's August is not billed

    headers, text = download(demo_stack.url, "/v1/reports/inventory?year=2025&format=csv")
    assert headers["Content-Type"].startswith("text/csv")
    rows = {(row["section"], row["item"]): row for row in csv.DictReader(io.StringIO(text.decode()))}
    assert float(rows[("scope_1", "total")]["co2e_kg"]) == body["scope_1"]["co2e"]
    assert float(rows[("scope_2", "total")]["co2e_kg"]) == body["scope_2"]["market_based"]
    assert float(rows[("scope_3", "total")]["co2e_kg"]) == body["scope_3"]["co2e"]

    headers, data = download(demo_stack.url, "/v1/reports/inventory?year=2025&format=xlsx")
    assert headers["Content-Disposition"] == 'attachment; filename="inventory-2025-01-01-2025-12-31.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Inventory"]
    table = {(row[0], row[1]): row[2] for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert table[("Scope 1", "Direct emissions")] == body["scope_1"]["co2e"]
    assert table[("Scope 2", "Market-based")] == body["scope_2"]["market_based"]
    assert table[("Scope 2", "Location-based")] == body["scope_2"]["location_based"]
    assert table[("Scope 3", "Total")] == body["scope_3"]["co2e"]
