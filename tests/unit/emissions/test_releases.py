"""Dataset versions and releases: a newer version is used where it gives a factor, and marks stale
exactly the types and years whose factors it changes."""

from datetime import date

import pytest

from carbon_accounting.emissions import InvoiceType, factors, releases
from tests.datasets import newer_version

ELECTRICITY, RECHARGE, HEAT, WATER = (
    InvoiceType.ELECTRICITY,
    InvoiceType.RECHARGE,
    InvoiceType.HEAT,
    InvoiceType.WATER,
)
EMBER_2026 = [
    # a revised 2023 and a first 2025 figure for Spain
    {"id": "ember:ES:2023:r2026", "region": "ES", "year": "2023", "value": "0.17", "unit": "kg CO2e/kWh"},
    {"id": "ember:ES:2025", "region": "ES", "year": "2025", "value": "0.12", "unit": "kg CO2e/kWh"},
]


def test_release_3_is_methodology_3_and_makes_every_earlier_figure_stale():
    # Release 3 adds the base years and 2026; methodology 3 takes the nearest year's factor where a
    # year has none (before: the latest earlier one, else an error or another source).
    assert releases.current_release() == 3
    assert releases.methodology_version() == "3"
    assert all(releases.changed_at(kind, years) == 3 for kind in InvoiceType for years in releases.buckets())


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 1, 1), date(2025, 1, 31), "2025"),
        (date(2024, 12, 15), date(2025, 1, 14), "2024-2025"),
        (date(2023, 6, 1), date(2025, 6, 1), "other"),  # three calendar years
        (date(2031, 1, 1), date(2031, 1, 31), "other"),  # beyond the data: alike
        (date(2001, 1, 1), date(2001, 1, 31), "other"),
    ],
)
def test_an_invoice_period_falls_in_one_years_bucket(start, end, expected):
    assert releases.span() == (2014, 2027)  # NGA 2026 is the latest data year
    assert releases.bucket(start, end) == expected


def test_a_newer_version_replaces_the_rows_it_revises_and_adds_years(tmp_path):
    with newer_version(tmp_path, "ember-owid-2026.1", "ember", "grid_intensity.csv", EMBER_2026) as release:
        assert release == releases.current_release() == 4
        spain = factors.grid_intensity("ES")
        assert (spain.at(2023)[0].id, spain.at(2023)[0].dataset_version) == (
            "ember:ES:2023:r2026",
            "ember-owid-2026.1",
        )
        assert spain.at(2024)[0].id == "ember:ES:2024"  # not revised: the first release's row
        assert spain.at(2026) == (spain.by_year[2025], "no 2026 lifecycle grid factor for ES; used 2025")

    assert factors.grid_intensity("ES").at(2023)[0].id == "ember:ES:2023"


def test_a_newer_version_makes_stale_the_types_and_years_it_changes(tmp_path):
    with newer_version(tmp_path, "ember-owid-2026.1", "ember", "grid_intensity.csv", EMBER_2026):
        changed = {
            (kind, years)
            for kind in InvoiceType
            for years in releases.buckets()
            if releases.changed_at(kind, years) == 4
        }

    # 2023 revised; 2025 new, and 2026-2027 (no Ember data) now fall back to it. 2024 and heat or water:
    # untouched.
    years = {"2023", "2025", "2026", "2027", "2022-2023", "2023-2024", "2024-2025", "2025-2026", "2026-2027"}
    years.add("other")
    assert changed == {(kind, each) for kind in (ELECTRICITY, RECHARGE) for each in years}


def test_a_version_repeating_its_own_row_is_refused(tmp_path):
    duplicate = [{"id": "x", "region": "ES", "year": "2025", "value": "1", "unit": "kg CO2e/kWh"}] * 2
    with (
        newer_version(tmp_path, "ember-bad", "ember", "grid_intensity.csv", duplicate),
        pytest.raises(ValueError, match="repeats"),
    ):
        factors.grid_intensity("ES")
