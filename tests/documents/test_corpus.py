"""Extraction over the generated corpus: every layout and hard case read as its truth says."""

from __future__ import annotations

import pytest

from tests.documents.generator import Bill, corpus, render
from tests.documents.scoring import Score, read, score

CORPUS = corpus()


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {bill.name: render(bill) for bill in CORPUS}


@pytest.mark.parametrize("bill", CORPUS, ids=lambda bill: bill.name)
def test_each_bill_is_read_as_its_truth_and_gets_its_status(bill: Bill, pdfs):
    reading = read(bill, pdfs[bill.name])

    result = score(bill, reading)
    assert result.wrong == [], "a wrong value is never read"
    assert result.missed == []
    assert reading.reason == bill.expected_reason, reading.problems
    assert sorted(reading.missing) == sorted(
        {"base_quantity": "base_quantity", "unit": "unit_id"}[name] for name in bill.missing
    )


def test_the_corpus_has_five_layouts_and_the_hard_cases():
    layouts = {bill.layout for bill in CORPUS}
    assert {"es_electricity_a", "es_electricity_b", "es_gas", "uk_electricity", "fr_water"} <= layouts
    hard = {bill.name for bill in CORPUS}
    assert {
        "split-across-pages",
        "periods-only",
        "crosses-a-year",
        "credit-note",
        "not-a-bill",
        "scan",
    } <= hard


def test_precision_is_total_over_the_corpus(pdfs):
    total = Score()
    for bill in CORPUS:
        total.add(score(bill, read(bill, pdfs[bill.name])))

    assert total.precision == 1.0, total.wrong
    assert total.correct > 80


def test_a_total_that_its_tariff_periods_contradict_is_not_filled_in():
    from dataclasses import replace

    from tests.documents.generator import spanish_electricity

    bill = spanish_electricity()
    wrong_total = replace(bill, consumption=bill.consumption + 100)
    reading = read(wrong_total, render(wrong_total))

    assert "base_quantity" not in reading.fields
    assert reading.reason == "incomplete"
    assert reading.problems == ["The tariff periods add up to 905.00 kWh, but the total reads 1005.00 kWh"]


def test_a_split_table_is_read_across_its_pages(pdfs):
    bill = next(bill for bill in CORPUS if bill.split_pages)
    reading = read(bill, pdfs[bill.name])

    assert {period["period"]: period["page"] for period in reading.tariff_periods} == {
        "P1": 1,
        "P2": 1,
        "P3": 1,
        "P4": 2,
        "P5": 2,
        "P6": 2,
    }
    assert reading.fields["base_quantity"]["page"] == 2


def test_consumption_printed_only_per_period_is_their_sum_marked_derived(pdfs):
    bill = next(bill for bill in CORPUS if not bill.show_total)
    quantity = read(bill, pdfs[bill.name]).fields["base_quantity"]

    assert quantity["value"] == float(bill.consumption)
    assert quantity["source"] == "sum of tariff periods P1, P2, P3, P4, P5, P6"
    assert 0.9 <= quantity["confidence"] < 1.0
