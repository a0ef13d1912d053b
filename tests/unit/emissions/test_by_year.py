"""The engine's figures by calendar year: each year of a period computed with that year's factors."""

import math
from datetime import date

import pytest

from carbon_accounting import emissions
from carbon_accounting.emissions.catalogues.units import KILOWATT_HOUR


def activity(start: date, end: date, kwh: float, country: str = "ES") -> emissions.Activity:
    return emissions.Activity(
        type=emissions.InvoiceType.ELECTRICITY,
        quantity=kwh,
        unit_id=KILOWATT_HOUR.id,
        start_date=start,
        end_date=end,
        country=country,
    )


def test_a_period_across_years_is_each_year_computed_alone():
    whole = emissions.calculate(activity(date(2025, 12, 1), date(2026, 1, 31), 6200, "GB"))
    december = emissions.calculate(activity(date(2025, 12, 1), date(2025, 12, 31), 3100, "GB"))
    january = emissions.calculate(activity(date(2026, 1, 1), date(2026, 1, 31), 3100, "GB"))

    by_year = {part.year: part for part in whole.by_year}

    assert [(part.year, part.days) for part in whole.by_year] == [(2025, 31), (2026, 31)]
    for year, alone in ((2025, december), (2026, january)):
        assert by_year[year].co2e == pytest.approx(alone.co2e, rel=1e-12)
        assert by_year[year].co2e_location_based == pytest.approx(alone.co2e_location_based, rel=1e-12)
        assert [(p.scope, p.category) for p in by_year[year].by_scope] == [
            (p.scope, p.category) for p in alone.by_scope
        ]
    assert math.fsum(part.co2e for part in whole.by_year) == pytest.approx(whole.co2e, rel=1e-12)
    assert by_year[2025].co2e_location_based != pytest.approx(whole.co2e_location_based / 2, rel=1e-3), (
        "2025 and 2026 factors differ"
    )


def test_a_figure_for_the_whole_period_is_split_across_years_by_days():
    from uuid import UUID

    kiln = emissions.CustomFactor(id=UUID(int=1), name="Kiln", unit_id=KILOWATT_HOUR.id, kgco2e_per_unit=0.5)
    result = emissions.calculate(
        emissions.Activity(
            type=emissions.InvoiceType.PROCESS,
            quantity=7300,
            unit_id=KILOWATT_HOUR.id,
            start_date=date(2024, 12, 2),
            end_date=date(2025, 1, 31),
            country="ES",
            custom_factor=kiln,
        )
    )

    assert [(year.year, year.days) for year in result.by_year] == [(2024, 30), (2025, 31)]
    assert [year.co2e for year in result.by_year] == [
        pytest.approx(3650 * 30 / 61),
        pytest.approx(3650 * 31 / 61),
    ]
