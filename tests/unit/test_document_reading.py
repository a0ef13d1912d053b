"""Reading bills' text: numbers, dates and units as bills print them, and the rules that keep a wrong
value from being read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon_accounting.intake.documents import bill_text
from carbon_accounting.intake.documents.bill_text import Line, dates_in, lines_of, parse_number
from carbon_accounting.intake.documents.extraction import read_bill
from tests.documents.generator import SPANISH_CUPS, en_number, es_number


@pytest.mark.parametrize(
    ("token", "mark", "number"),
    [
        ("1.234,56", ",", Decimal("1234.56")),
        ("1,234.56", ".", Decimal("1234.56")),
        ("1.234", ",", Decimal("1234")),  # a thousands point on a Spanish bill
        ("1,234", ".", Decimal("1234")),
        ("1.234", ".", Decimal("1.234")),
        ("12,5", ",", Decimal("12.5")),
        ("1.234.567,8", ",", Decimal("1234567.8")),
        ("1\u00a0234,56", ",", Decimal("1234.56")),  # a French no-break space between thousands
        ("-187,34", ",", Decimal("-187.34")),
        ("905", ",", Decimal("905")),
    ],
)
def test_numbers_are_read_in_the_bills_convention(token, mark, number):
    assert parse_number(token, mark) == number


@pytest.mark.parametrize(
    ("token", "mark"),
    [
        ("1,234.56", ","),  # an English number on a bill with a decimal comma: not guessed
        ("1.23", ","),  # a group of two digits is no thousands group
        ("12.34.5", ","),
        ("1,2,3", ","),
        ("1234.567", ","),  # a leading group of four digits
    ],
)
def test_a_number_the_convention_cannot_explain_is_not_read(token, mark):
    assert parse_number(token, mark) is None


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_numbers_printed_either_way_read_back_exactly(value):
    assert parse_number(es_number(value), ",") == value
    assert parse_number(en_number(value), ".") == value


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("del 01/11/2024 al 30/11/2024", [date(2024, 11, 1), date(2024, 11, 30)]),
        ("1 de noviembre de 2024 - 30 de noviembre de 2024", [date(2024, 11, 1), date(2024, 11, 30)]),
        ("Nov 1, 2024 - Nov 30, 2024", [date(2024, 11, 1), date(2024, 11, 30)]),
        ("1 November 2024 to 30 November 2024", [date(2024, 11, 1), date(2024, 11, 30)]),
        ("du 1er août 2024 au 31 octobre 2024", [date(2024, 8, 1), date(2024, 10, 31)]),
        ("de 15 de dezembro de 2024 a 14 de janeiro de 2025", [date(2024, 12, 15), date(2025, 1, 14)]),
        ("vom 01.12.2024 bis 31.12.2024", [date(2024, 12, 1), date(2024, 12, 31)]),
        ("2024-11-01 / 2024-11-30", [date(2024, 11, 1), date(2024, 11, 30)]),
        ("15-dic-2024", []),  # no year separator the patterns know: nothing guessed
        ("31/02/2024", []),  # not a day
    ],
)
def test_dates_are_read_as_bills_print_them_day_first(text, days):
    assert [day for day, _ in dates_in(text)] == days


def lines(*texts: str) -> list[Line]:
    return [line for number, text in enumerate(texts) for line in lines_of(1, text)]


def test_two_different_totals_are_a_contradiction_not_a_choice():
    bill = read_bill(
        lines(
            "Factura de electricidad",
            "Periodo de facturación: 01/11/2024 - 30/11/2024",
            "Consumo total 905,00 kWh",
            "Consumo total 950,00 kWh",
        )
    )

    assert "base_quantity" not in bill.fields
    assert bill.problems[0].startswith(
        "base_quantity is read with different values: 905.00 kWh (page 1); 950.00"
    )


def test_a_cups_whose_control_letters_fail_is_a_problem_never_a_value():
    wrong = SPANISH_CUPS[:-2] + ("AA" if SPANISH_CUPS[-2:] != "AA" else "BB")
    bill = read_bill(lines("Factura de electricidad", f"CUPS: {wrong}"))

    assert "cups" not in bill.fields
    assert any("control letters" in problem for problem in bill.problems)


def test_a_period_that_ends_before_it_starts_is_a_problem():
    bill = read_bill(lines("Factura de gas natural", "Periodo de facturación: 30/11/2024 - 01/11/2024"))

    assert "start_date" not in bill.fields
    assert bill.problems == [
        "The period read ends before it starts: 2024-11-30 to 2024-11-01 ("
        + repr("Periodo de facturación: 30/11/2024 - 01/11/2024")
        + ")"
    ]


def test_a_unit_the_type_is_not_measured_in_is_a_problem():
    bill = read_bill(lines("Factura de agua", "Consumo total 120,00 kWh"))

    assert "base_quantity" not in bill.fields
    assert bill.problems == ["A water invoice is not measured in kWh ('Consumo total 120,00 kWh')"]


def test_a_suppliers_name_names_no_type_and_prices_per_kwh_are_no_consumption():
    bill = read_bill(
        lines(
            "Repsol Comercializadora de Electricidad y Gas",
            "FACTURA DE GAS NATURAL",
            "Factor de conversión: 11,02 kWh/m3",
            "Consumo 1.000 m3",
        )
    )

    assert bill.fields["type"]["value"] == "heat"
    assert bill.fields["supplier_id"]["value"] == "c9f4310b-a9a0-5f62-811f-e999f81dd4e3"
    assert bill.fields["base_quantity"]["value"] == 1000.0


def test_the_language_decides_the_decimal_mark():
    english = lines("Electricity bill", "Invoice number: A-1", "Total consumption 1,234 kWh")
    spanish = lines("Factura de electricidad", "Nº de factura: A-1", "Consumo total 1,234 kWh")

    assert (
        bill_text.language(english) == "en" and read_bill(english).fields["base_quantity"]["value"] == 1234.0
    )
    assert (
        bill_text.language(spanish) == "es" and read_bill(spanish).fields["base_quantity"]["value"] == 1.234
    )


def test_an_empty_document_has_no_text_layer_and_a_letter_is_no_bill():
    assert read_bill([]).reason == "no_text_layer"
    assert read_bill(lines("Estimado cliente:", "Le informamos de un cambio.")).reason == "not_a_bill"


def test_a_low_confidence_line_is_shown_but_sends_the_invoice_to_review():
    unsure = [Line(1, "Factura de electricidad"), Line(1, "Consumo total 905,00 kWh", confidence=0.6)]

    bill = read_bill(unsure)

    assert bill.fields["base_quantity"]["confidence"] == 0.6
    assert "base_quantity was read with confidence 0.60: check it" in bill.problems
    assert bill.reason == "incomplete"


def test_a_hostile_document_is_bounded_in_what_is_read_and_what_is_kept():
    long_line = "Consumo total " + "9" * 50_000 + " kWh"
    invalid = [f"CUPS ES{index:016d}AA" for index in range(500)]

    bill = read_bill(lines("Factura de electricidad", long_line, *invalid))

    assert all(len(line.text) <= bill_text.MAX_LINE_CHARACTERS for line in lines(long_line))
    stored = bill.as_stored()
    assert len(stored["problems"]) == 21 and stored["problems"][-1].startswith("... and ")


@pytest.mark.parametrize(
    ("printed", "reading"),
    [
        ("Lectura estimada: 12.345 kWh", "estimated"),
        ("Consumo estimado 905 kWh", "estimated"),
        ("Present reading 04512 (E)", "estimated"),
        ("Estimated reading 04512", "estimated"),
        ("Lectura real: 12.345 kWh", "actual"),
        ("Actual reading 04512", "actual"),
        ("Energía (E) activa", None),  # (E) marks a reading, a number before it
    ],
)
def test_the_bill_says_whether_its_reading_was_estimated(printed, reading):
    bill = read_bill(
        lines("Factura de electricidad", "Periodo de facturación: 01/11/2024 - 30/11/2024", printed)
    )

    assert bill.fields.get("reading", {}).get("value") == reading
