"""The rollups' pure parts: what an invoice contributes, by year and month, and how the stream's
changes are planned into transactions that apply each change once."""

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from carbon_accounting import emissions
from carbon_accounting.emissions.catalogues.units import KILOWATT_HOUR
from carbon_accounting.invoices.calculation import stored_parts
from carbon_accounting.repository.rollups import TRANSACTION_ITEMS, Mark
from carbon_accounting.rollups.contribution import (
    Window,
    add,
    contribution,
    counts_sk,
    difference,
    month_sk,
    monthly,
)
from carbon_accounting.rollups.maintenance import Change, plan
from carbon_accounting.rollups.numbers import SCALE
from tests.unit.emissions.test_by_year import activity

ORG, FACILITY = "6f1c2b8e-3a47-4d0e-9b1f-2c3d4e5f6a70", "8b3e4d0a-5c69-4f20-9d31-4e5f6a7b8c92"


def invoice_item(result: emissions.Emissions, start: date, end: date, kwh: float, **changes) -> dict:
    """An active invoice as stored, with the engine's figures."""
    return (
        {
            "entity": "invoice",
            "organization_id": ORG,
            "id": "0f6c8a52-1111-4222-8333-944455556666",
            "facility_id": FACILITY,
            "type": "electricity",
            "status": "active",
            "version": 2,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "quantity": kwh,
            "unit_id": str(KILOWATT_HOUR.id),
            "co2e": result.co2e,
            "co2e_location_based": result.co2e_location_based,
            "co2e_biomass": result.co2e_biomass,
            "scope": result.scope,
        }
        | stored_parts(result)
        | changes
    )


def test_the_months_of_a_year_add_up_to_the_engines_year_exactly():
    start, end = date(2023, 11, 15), date(2024, 2, 14)
    result = emissions.calculate(activity(start, end, 9200, "GB"))
    item = invoice_item(result, start, end, 9200)

    months = monthly(item)

    for year in result.by_year:
        in_year = [figures for month, figures in months.items() if month.startswith(str(year.year))]
        assert sum(figures["*|co2e"] for figures in in_year) == round(Decimal(repr(year.co2e)) * SCALE)
    assert {month: figures["*|starts"] + figures["*|continues"] for month, figures in months.items()} == {
        "2023-11": 1,
        "2023-12": 1,
        "2024-01": 1,
        "2024-02": 1,
    }
    assert sum(figures["*|starts"] for figures in months.values()) == 1
    assert sum(figures[f"*|q|{KILOWATT_HOUR.id}"] for figures in months.values()) == 9200 * SCALE


def test_a_window_takes_the_days_of_the_month_it_cuts():
    start, end = date(2024, 1, 1), date(2024, 1, 31)
    result = emissions.calculate(activity(start, end, 3100))
    item = invoice_item(result, start, end, 3100)

    cut = monthly(item, Window(date(2024, 1, 11), date(2024, 1, 20)))

    assert cut["2024-01"][f"*|q|{KILOWATT_HOUR.id}"] == 1000 * SCALE
    assert float(cut["2024-01"]["*|co2e"] / SCALE) == pytest.approx(result.co2e * 10 / 31, rel=1e-9)


def test_a_change_and_its_reverse_leave_every_number_as_it_was():
    start, end = date(2023, 12, 1), date(2024, 1, 31)
    item = invoice_item(emissions.calculate(activity(start, end, 6200)), start, end, 6200)
    moved = item | {"start_date": "2024-03-03", "end_date": "2024-05-17", "version": 3}

    total: dict = {}
    for old, new in ((None, item), (item, moved), (moved, item), (item, None)):
        add(total, difference(contribution(old), contribution(new)))

    assert all(value == 0 for numbers in total.values() for value in numbers.values())


def test_the_counts_follow_the_lists_the_invoice_is_in():
    single = {
        "entity": "invoice",
        "organization_id": ORG,
        "id": "a",
        "facility_id": FACILITY,
        "status": "loading",
        "type": "heat",
    }
    parent = {"entity": "invoice", "organization_id": ORG, "id": "b", "status": "loading", "type": "heat"}
    child = single | {"id": "c", "source_invoice_id": "b"}

    assert contribution(single) == {
        (ORG, counts_sk()): {"n|loading|heat": 1},
        (ORG, counts_sk(FACILITY)): {"n|loading|heat": 1},
    }
    assert contribution(parent) == {(ORG, counts_sk()): {"n|loading|heat": 1}}
    assert contribution(child) == {(ORG, counts_sk(FACILITY)): {"n|loading|heat": 1}}
    assert contribution({"entity": "file", "organization_id": ORG}) == {}


def draft(version: int, status: str = "loading", **changes) -> dict:
    return {
        "entity": "invoice",
        "organization_id": ORG,
        "id": "d",
        "facility_id": FACILITY,
        "status": status,
        "type": "water",
        "version": version,
    } | changes


def test_a_change_already_applied_is_skipped_and_the_rest_move_the_mark_once():
    changes = [Change(None, draft(1)), Change(draft(1), draft(2, "error")), Change(draft(2, "error"), None)]

    fresh = plan({(ORG, "d"): changes}, {}, now=0)
    after_first = plan({(ORG, "d"): changes}, {(ORG, "d"): Mark(1)}, now=0)
    done = plan({(ORG, "d"): changes}, {(ORG, "d"): Mark(deleted=True)}, now=0)

    assert len(fresh) == 1 and fresh[0].marks[0].after == Mark(deleted=True)
    assert fresh[0].cells == {}, "created and deleted in one batch: nothing left to count"
    assert after_first[0].cells == {
        (ORG, counts_sk()): {"n|loading|water": -1},
        (ORG, counts_sk(FACILITY)): {"n|loading|water": -1},
    }
    assert done == []


def test_a_change_over_a_transaction_goes_in_pieces_that_resume():
    # 25 months each (the longest period, 731 days, touches 25), moved to 25 others and another facility
    start, end = date(2022, 1, 15), date(2024, 1, 14)
    later_start, later_end = date(2024, 2, 15), date(2026, 2, 14)
    old = invoice_item(emissions.calculate(activity(start, end, 73000)), start, end, 73000, version=2)
    moved = invoice_item(
        emissions.calculate(activity(later_start, later_end, 73000)),
        later_start,
        later_end,
        73000,
        version=3,
        facility_id=str(UUID(int=7)),
    )
    change = Change(old, moved)
    cells = len(change.delta())
    assert cells > TRANSACTION_ITEMS

    pieces = plan({(ORG, old["id"]): [change]}, {(ORG, old["id"]): Mark(2)}, now=0)
    resumed = plan({(ORG, old["id"]): [change]}, {(ORG, old["id"]): pieces[0].marks[0].after}, now=0)

    assert all(len(piece.marks) + len(piece.cells) <= TRANSACTION_ITEMS for piece in pieces)
    assert sum(len(piece.cells) for piece in pieces) == cells
    assert [piece.marks[0].after for piece in pieces] == [Mark(2, 1), Mark(3)]
    assert resumed == pieces[1:]
    assert counts_sk(FACILITY) in {sk for _, sk in pieces[0].cells}  # in the order of their keys
    assert month_sk("2022-01") in {sk for piece in pieces for _, sk in piece.cells}
