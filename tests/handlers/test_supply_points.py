"""Supply points and coverage, in-process over moto: is every meter billed every month, once?"""

import pytest

from carbon_accounting.supply.identifiers import named_id
from tests.handlers.test_invoices import KWH, NATURAL_GAS, share
from tests.streams import TableStream
from tests.tenants import (
    ACME,
    ACME_BILBAO_ARCHIVED,
    ACME_KEY,
    ACME_MADRID,
    GLOBEX,
    GLOBEX_KEY,
    api_key_headers,
)

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
GLOBEX_HEADERS = api_key_headers(GLOBEX_KEY, GLOBEX)
CUPS = "ES0021000000000001AB"  # its control letters are computed below
MADRID = {"facility_id": str(ACME_MADRID)}


def valid_cups(digits="0021000000000001"):
    from carbon_accounting.cups import control_letters

    return f"ES{digits}{control_letters(digits)}"


def bill(start, end, quantity, **changes):
    body = {
        "type": "electricity",
        "base_quantity": quantity,
        "unit_id": str(KWH.id),
        "start_date": start,
        "end_date": end,
        "cups": valid_cups(),
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }
    return body | changes


def file_bills(api, bills):
    ids = [api("create_invoice", ACME_HEADERS, body=body).body["id"] for body in bills]
    TableStream().drain()  # computed, with their quality flags
    return ids


# The issue's repro: a CUPS billed January-March, May, June 1 -> July 5 and July, July ten times the others.
ISSUE_BILLS = [
    bill("2025-01-01", "2025-01-31", 1000),
    bill("2025-02-01", "2025-02-28", 950),
    bill("2025-03-01", "2025-03-31", 1020),
    bill("2025-05-01", "2025-05-31", 980),
    bill("2025-06-01", "2025-07-05", 1150),
    bill("2025-07-01", "2025-07-31", 10000),
]


def coverage(api, start="2025-01-01", end="2025-12-31", **query):
    return api("get_coverage", ACME_HEADERS, query={"start_date": start, "end_date": end, **query})


def point_report(answer, point_id):
    return next(each for each in answer.body["supply_points"] if each["supply_point"]["id"] == point_id)


def test_the_issues_cups_shows_its_april_gap_its_july_overlap_the_months_after_and_the_july_outlier(api):
    january, february, _, _, june, july = file_bills(api, ISSUE_BILLS)
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())

    answer = coverage(api)

    assert answer.status == 200
    report = point_report(answer, point_id)
    assert report["supply_point"]["identifier"] == valid_cups()
    months = {month["month"]: month for month in report["months"]}
    assert months["2025-04"] == {
        "month": "2025-04",
        "days": 30,
        "covered_days": 0,
        "invoices": [],
        "status": "missing",
    }
    assert months["2025-01"]["status"] == "complete" and months["2025-01"]["invoices"] == [january]
    assert months["2025-07"]["status"] == "overlap"
    issues = [(issue["kind"], issue["start_date"], issue["end_date"]) for issue in report["issues"]]
    assert ("gap", "2025-04-01", "2025-04-30") in issues
    assert ("overlap", "2025-07-01", "2025-07-05") in issues
    overlap = next(issue for issue in report["issues"] if issue["kind"] == "overlap")
    assert sorted(overlap["invoice_ids"]) == sorted([june, july])
    assert ("gap", "2025-08-01", "2025-12-31") in issues  # the months after July
    stale = next(issue for issue in report["issues"] if issue["kind"] == "stale")
    assert (stale["start_date"], stale["end_date"]) == ("2025-08-01", "2025-12-31")
    assert [months[m]["status"] for m in ("2025-08", "2025-12")] == ["missing", "missing"]

    flags = {
        invoice: [
            flag["kind"]
            for flag in api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice}).body["quality_flags"]
        ]
        for invoice in (february, july)
    }
    assert "outlier" in flags[july] and "overlap" in flags[july]
    assert flags[february] == []
    assert answer.body["summary"]["quality_flags"]["outlier"] == 1

    # the CUPS is a supply point of its facility, listed with the implicit ones its invoices name
    listed = api("list_supply_points", ACME_HEADERS, path=MADRID).body["items"]
    assert point_id in [point["id"] for point in listed]
    # and the outlier is found by the invoice list's filter
    outliers = api("list_invoices", ACME_HEADERS, query={"quality_flag": "outlier"}).body
    assert [item["id"] for item in outliers["items"]] == [july]


def test_a_quarter_billed_month_by_month_has_no_issue_and_a_ratio_of_one(api):
    bills = [
        bill(f"2024-{month:02d}-01", f"2024-{month:02d}-{days}", 1000 + month)
        for month, days in ((1, 31), (2, 29), (3, 31))
    ]
    file_bills(api, bills)
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())

    answer = coverage(api, "2024-01-01", "2024-03-31")

    report = point_report(answer, point_id)
    assert report["issues"] == []
    assert [(month["month"], month["status"]) for month in report["months"]] == [
        ("2024-01", "complete"),
        ("2024-02", "complete"),
        ("2024-03", "complete"),
    ]
    assert answer.body["summary"]["coverage_ratio"] == 1.0


def test_the_same_bill_twice_is_a_duplicate_not_an_overlap_and_the_second_is_flagged(api):
    first, second = file_bills(
        api, [bill("2025-01-01", "2025-01-31", 1000), bill("2025-01-01", "2025-01-31", 1000)]
    )
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())

    report = point_report(coverage(api, "2025-01-01", "2025-01-31"), point_id)

    assert [(issue["kind"], sorted(issue["invoice_ids"])) for issue in report["issues"]] == [
        ("duplicate", sorted([first, second]))
    ]
    assert report["months"][0]["status"] == "complete"
    kinds = [
        [
            flag["kind"]
            for flag in api("get_invoice", ACME_HEADERS, path={"invoice_id": each}).body["quality_flags"]
        ]
        for each in (first, second)
    ]
    assert ["duplicate"] in kinds


def test_a_closed_supply_point_is_not_stale_and_has_no_gap_after_its_last_bill(api):
    file_bills(api, [bill("2025-01-01", "2025-03-31", 3000)])
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())
    closed = api(
        "update_supply_point",
        ACME_HEADERS,
        path=MADRID | {"supply_point_id": point_id},
        body={"status": "closed"},
    )
    assert (closed.status, closed.body["registered"], closed.body["version"]) == (200, True, 1)

    report = point_report(coverage(api), point_id)

    assert report["issues"] == []
    assert [month["month"] for month in report["months"]] == ["2025-01", "2025-02", "2025-03"]


def test_invoices_without_an_identifier_belong_to_the_facilitys_implicit_supply_point_per_type_and_fuel(api):
    heat = {
        "type": "heat",
        "base_quantity": 500,
        "unit_id": str(KWH.id),
        "facility_fuel_id": str(NATURAL_GAS.id),
        "start_date": "2025-01-01",
        "end_date": "2025-01-31",
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }
    created = api("create_invoice", ACME_HEADERS, body=heat).body

    listed = api("list_supply_points", ACME_HEADERS, path=MADRID, query={"type[]": "heat"}).body["items"]

    assert [(point["id"], point["identifier"], point["facility_fuel_id"]) for point in listed] == [
        (created["supply_point_id"], None, str(NATURAL_GAS.id))
    ]


def test_an_estimated_reading_flags_the_invoice_until_it_is_corrected(api):
    (created,) = file_bills(api, [bill("2025-01-01", "2025-01-31", 1000, reading="estimated")])
    path = {"invoice_id": created}
    assert [flag["kind"] for flag in api("get_invoice", ACME_HEADERS, path=path).body["quality_flags"]] == [
        "estimated"
    ]

    corrected = api("update_invoice", ACME_HEADERS, path=path, body={"reading": "actual"})

    assert (corrected.status, corrected.body["reading"], corrected.body["quality_flags"]) == (
        200,
        "actual",
        [],
    )


# ------------------------------------------------------------------ registering supply points


@pytest.mark.parametrize(
    ("body", "identifier"),
    [
        (
            {"type": "electricity", "identifier": "13 1234 5678 907", "identifier_kind": "mpan"},
            "1312345678907",
        ),
        (
            {"type": "electricity", "identifier": "S 01 801 100 1312345678907", "identifier_kind": "mpan"},
            "1312345678907",
        ),
        ({"type": "heat", "identifier": "7 5231 2006", "identifier_kind": "mprn"}, "752312006"),
        ({"type": "water", "identifier": "cyble 20-114477", "identifier_kind": "meter"}, "CYBLE20-114477"),
    ],
)
def test_a_registered_supply_point_is_stored_normalized_and_readable(api, body, identifier):
    created = api("create_supply_point", ACME_HEADERS, path=MADRID, body=body)

    assert created.status == 201
    point = created.body
    assert (point["identifier"], point["registered"], point["version"], point["status"]) == (
        identifier,
        True,
        1,
        "active",
    )
    assert created.headers["Location"] == f"/v1/facilities/{ACME_MADRID}/supply-points/{point['id']}"
    read = api("get_supply_point", ACME_HEADERS, path=MADRID | {"supply_point_id": point["id"]})
    assert read.body == point
    again = api("create_supply_point", ACME_HEADERS, path=MADRID, body=body)
    assert (again.status, again.body["code"]) == (409, "SUPPLY_POINT_EXISTS")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"type": "electricity", "identifier": "1312345678906", "identifier_kind": "mpan"},
            400,
            "INVALID_IDENTIFIER",
        ),
        (
            {"type": "electricity", "identifier": "131234567890", "identifier_kind": "mpan"},
            400,
            "INVALID_IDENTIFIER",
        ),
        ({"type": "heat", "identifier": "12345", "identifier_kind": "mprn"}, 400, "INVALID_IDENTIFIER"),
        (
            {"type": "water", "identifier": "1312345678907", "identifier_kind": "mpan"},
            400,
            "INVALID_IDENTIFIER_KIND",
        ),
        (
            {"type": "electricity", "identifier": "ES0021000000000000XX", "identifier_kind": "cups"},
            400,
            "INVALID_CUPS",
        ),
        ({"type": "process", "identifier": "A1", "identifier_kind": "meter"}, 422, "VALIDATION_ERROR"),
        ({"type": "water", "identifier": "A" * 65, "identifier_kind": "meter"}, 422, "VALIDATION_ERROR"),
        ({"type": "water", "identifier": "A\u0000", "identifier_kind": "meter"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_a_bad_identifier_is_refused_with_its_code_and_nothing_is_stored(api, body, status, code):
    answer = api("create_supply_point", ACME_HEADERS, path=MADRID, body=body)

    assert (answer.status, answer.body["code"]) == (status, code)
    listed = api("list_supply_points", ACME_HEADERS, path=MADRID).body["items"]
    assert not [point for point in listed if point["registered"]]


def test_supply_points_of_an_unknown_archived_or_other_organizations_facility(api):
    body = {"type": "water", "identifier": "W1", "identifier_kind": "meter"}
    other = api("create_supply_point", GLOBEX_HEADERS, path=MADRID, body=body)
    archived = api(
        "create_supply_point", ACME_HEADERS, path={"facility_id": str(ACME_BILBAO_ARCHIVED)}, body=body
    )

    assert (other.status, other.body["code"]) == (404, "FACILITY_NOT_FOUND")
    assert (archived.status, archived.body["code"]) == (400, "INVALID_FACILITY")
    assert api("list_supply_points", GLOBEX_HEADERS, path=MADRID).status == 404
    unknown = api("get_supply_point", ACME_HEADERS, path=MADRID | {"supply_point_id": str(GLOBEX)})
    assert (unknown.status, unknown.body["code"]) == (404, "SUPPLY_POINT_NOT_FOUND")


def test_a_patch_renames_with_if_match_and_a_stale_version_is_412(api):
    point = api(
        "create_supply_point",
        ACME_HEADERS,
        path=MADRID,
        body={"type": "water", "identifier": "W1", "identifier_kind": "meter"},
    ).body
    path = MADRID | {"supply_point_id": point["id"]}

    renamed = api(
        "update_supply_point", ACME_HEADERS | {"If-Match": '"1"'}, path=path, body={"name": "Roof tank"}
    )
    stale = api("update_supply_point", ACME_HEADERS | {"If-Match": '"1"'}, path=path, body={"name": "Again"})

    assert (renamed.status, renamed.body["name"], renamed.headers["ETag"]) == (200, "Roof tank", '"2"')
    assert (stale.status, stale.body["code"]) == (412, "VERSION_CONFLICT")
    assert api("update_supply_point", ACME_HEADERS, path=path, body={"name": None}).status == 422


def test_a_cups_of_the_facilitys_list_is_a_supply_point_before_any_bill(api):
    facility = api(
        "create_facility",
        ACME_HEADERS,
        body={"name": "Valencia", "country": "ES", "cups_list": [valid_cups("0031000000000009")]},
    ).body

    listed = api("list_supply_points", ACME_HEADERS, path={"facility_id": facility["id"]}).body["items"]

    assert [(point["identifier_kind"], point["identifier"], point["registered"]) for point in listed] == [
        ("cups", valid_cups("0031000000000009"), False)
    ]
    # never billed: stale
    report = point_report(coverage(api, facility_id=[facility["id"]]), listed[0]["id"])
    assert [issue["kind"] for issue in report["issues"]] == ["stale"] and report["months"] == []


# ------------------------------------------------------------------ linking invoices


def test_an_invoice_names_a_registered_supply_point_by_id(api):
    point = api(
        "create_supply_point",
        ACME_HEADERS,
        path=MADRID,
        body={"type": "water", "identifier": "W1", "identifier_kind": "meter"},
    ).body
    water = {
        "type": "water",
        "base_quantity": 12,
        "unit_id": "b7bb1d5b-52fd-5a44-9b5f-6d6a8b0e61a8",
        "start_date": "2025-01-01",
        "end_date": "2025-01-31",
        "supply_point_id": point["id"],
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }
    from carbon_accounting import emissions

    water["unit_id"] = str(next(unit for unit in emissions.units("volume")).id)

    created = api("create_invoice", ACME_HEADERS, body=water)
    wrong_type = api(
        "create_invoice", ACME_HEADERS, body=bill("2025-01-01", "2025-01-31", 5, supply_point_id=point["id"])
    )
    unknown = api("create_invoice", ACME_HEADERS, body=water | {"supply_point_id": str(GLOBEX)})

    assert (created.status, created.body["supply_point_id"]) == (201, point["id"])
    assert (wrong_type.status, wrong_type.body["code"]) == (400, "INVALID_SUPPLY_POINT")
    assert (unknown.status, unknown.body["code"]) == (400, "INVALID_SUPPLY_POINT")


def test_coverage_refuses_a_window_backwards_or_over_five_years(api):
    backwards = coverage(api, "2025-02-01", "2025-01-01")
    too_long = coverage(api, "2020-01-01", "2025-01-01")
    missing = api("get_coverage", ACME_HEADERS, query={"start_date": "2025-01-01"})

    assert (backwards.status, backwards.body["code"]) == (400, "INVALID_DATE_RANGE")
    assert (too_long.status, too_long.body["code"]) == (400, "WINDOW_TOO_LONG")
    assert missing.status == 422


def test_the_organizations_stale_after_months_decides_when_a_supply_point_is_stale(api):
    file_bills(api, [bill("2025-01-01", "2025-10-15", 9000)])  # none ends in November or December
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())
    assert [issue["kind"] for issue in point_report(coverage(api), point_id)["issues"]] == ["gap"]

    changed = api("set_coverage_settings", ACME_HEADERS, body={"stale_after_months": 2})
    refused = api("set_coverage_settings", ACME_HEADERS, body={"stale_after_months": 0})

    assert (changed.status, changed.body["stale_after_months"]) == (200, 2)
    assert refused.status == 422
    answer = coverage(api)
    assert answer.body["stale_after_months"] == 2
    assert [issue["kind"] for issue in point_report(answer, point_id)["issues"]] == ["gap", "stale"]


def test_a_supply_point_last_billed_before_the_window_is_a_gap_and_stale_since_its_last_bill(api):
    file_bills(api, [bill("2024-01-01", "2024-03-31", 3000)])
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())

    report = point_report(coverage(api, "2025-07-01", "2025-12-31"), point_id)

    assert [(issue["kind"], issue["start_date"], issue["end_date"]) for issue in report["issues"]] == [
        ("stale", "2024-04-01", "2025-12-31"),
        ("gap", "2025-07-01", "2025-12-31"),
    ]
    assert {month["status"] for month in report["months"]} == {"missing"} and len(report["months"]) == 6


def test_a_window_shorter_than_stale_after_months_still_sees_the_bills_before_it(api):
    file_bills(api, [bill("2025-03-01", "2025-04-30", 2000)])
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())

    report = point_report(coverage(api, "2025-06-01", "2025-06-30"), point_id)

    assert [(issue["kind"], issue["start_date"]) for issue in report["issues"]] == [("gap", "2025-06-01")]


def test_a_supply_point_first_billed_after_the_window_is_not_expected_in_it(api):
    file_bills(api, [bill("2026-01-01", "2026-01-31", 1000)])
    point_id = named_id(str(ACME_MADRID), "cups", valid_cups())

    report = point_report(coverage(api, "2025-01-01", "2025-12-31"), point_id)

    assert (report["months"], report["issues"]) == ([], [])


def test_a_distributed_invoice_cannot_name_a_supply_point_created_or_edited(api):
    from tests.handlers.test_invoices import distributed_heat

    point = str(named_id(str(ACME_MADRID), "cups", valid_cups()))
    created = api("create_invoice", ACME_HEADERS, body=distributed_heat(supply_point_id=point))
    parent = api("create_invoice", ACME_HEADERS, body=distributed_heat()).body
    edited = api(
        "update_invoice", ACME_HEADERS, path={"invoice_id": parent["id"]}, body={"supply_point_id": point}
    )

    assert (created.status, created.body["code"]) == (400, "INVALID_SUPPLY_POINT")
    assert (edited.status, edited.body["code"]) == (400, "INVALID_SUPPLY_POINT")
