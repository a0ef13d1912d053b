"""The README's coverage walkthrough over HTTP on the local stack (DynamoDB Local, the stream workers):
a CUPS billed January-March, May, June 1 -> July 5 and July, July ten times the others."""

from __future__ import annotations

import pytest

from tests.e2e.test_api import ACME_HEADERS
from tests.e2e.test_invoices import KWH, rolled_up, settled, share
from tests.tenants import ACME

pytestmark = pytest.mark.e2e

CUPS = "ES0021000000000077MM"  # the README's
BILLS = [
    ("2025-01-01", "2025-01-31", 1000),
    ("2025-02-01", "2025-02-28", 950),
    ("2025-03-01", "2025-03-31", 1020),
    ("2025-05-01", "2025-05-31", 980),
    ("2025-06-01", "2025-07-05", 1150),
    ("2025-07-01", "2025-07-31", 10000),
]


def test_coverage_shows_the_gap_the_overlap_the_stale_months_and_the_outlier(http):
    facility = http(
        "POST",
        "/v1/facilities",
        ACME_HEADERS,
        {"name": "Sevilla Store", "country": "ES", "cups_list": [CUPS]},
    ).body
    ids = [
        http(
            "POST",
            "/api/v1/invoices",
            ACME_HEADERS,
            {
                "type": "electricity",
                "base_quantity": quantity,
                "unit_id": str(KWH.id),
                "start_date": start,
                "end_date": end,
                "cups": CUPS,
                "facility_percentages": [share(ACME, facility["id"], 1)],
            },
        ).body["id"]
        for start, end, quantity in BILLS
    ]
    invoices = [settled(http, invoice_id) for invoice_id in ids]
    february, july = invoices[1], invoices[5]

    path = f"/v1/coverage?start_date=2025-01-01&end_date=2025-12-31&facility_id[]={facility['id']}"
    body = rolled_up(http, path, lambda body: body["summary"]["months"] == 12)

    (report,) = body["supply_points"]
    assert report["supply_point"]["identifier"] == CUPS
    april = next(month for month in report["months"] if month["month"] == "2025-04")
    assert (april["covered_days"], april["status"]) == (0, "missing")
    issues = {(issue["kind"], issue["start_date"], issue["end_date"]): issue for issue in report["issues"]}
    assert ("gap", "2025-04-01", "2025-04-30") in issues
    assert sorted(issues[("overlap", "2025-07-01", "2025-07-05")]["invoice_ids"]) == sorted(ids[4:])
    assert ("gap", "2025-08-01", "2025-12-31") in issues and ("stale", "2025-08-01", "2025-12-31") in issues
    assert "outlier" in [flag["kind"] for flag in july["quality_flags"]]
    assert february["quality_flags"] == []

    listed = http("GET", f"/v1/facilities/{facility['id']}/supply-points", ACME_HEADERS).body["items"]
    assert [point["identifier"] for point in listed] == [CUPS]
    flagged = http(
        "GET", f"/v1/invoices?quality_flag=outlier&facility_id[]={facility['id']}", ACME_HEADERS
    ).body
    assert [item["id"] for item in flagged["items"]] == [july["id"]]
