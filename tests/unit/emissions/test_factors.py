"""The factor data: proration by days, the year fallback, the shipped files' integrity, lazy loading."""

import csv
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import carbon_accounting.emissions as emissions
from carbon_accounting.emissions import CalculationError, factors

DATA = Path(emissions.__file__).with_name("data")
FACTOR_FILES = sorted(set(DATA.glob("*.csv")) - {DATA / "datasets.csv", DATA / "egrid_zip.csv"})
EU_27 = {
    *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
    *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
}


def test_period_is_split_by_calendar_year_counting_both_dates():
    parts = factors.split_by_year(date(2023, 12, 17), date(2025, 1, 31))

    assert [(part.year, part.days) for part in parts] == [(2023, 15), (2024, 366), (2025, 31)]
    assert [part.share for part in parts] == pytest.approx([15 / 412, 366 / 412, 31 / 412], rel=1e-12)


def test_one_day_period_is_one_whole_year_share():
    assert factors.split_by_year(date(2024, 2, 29), date(2024, 2, 29)) == [
        factors.YearShare(year=2024, days=1, share=1.0)
    ]


def test_series_falls_back_to_the_latest_earlier_year_and_says_so():
    found, notice = factors.grid_intensity("ES").at(2027)

    assert (found.id, found.value) == ("ember:ES:2024", 0.14615)
    assert notice == "no 2027 lifecycle grid factor for ES; used 2024"
    assert factors.grid_intensity("ES").at(2024)[1] is None


def test_a_year_without_a_factor_takes_the_nearest_year_the_earlier_of_two_as_near():
    series = factors.Series("factor", {year: _factor(year) for year in (2019, 2021, 2024)})

    assert [series.at(year)[0].year for year in (2015, 2019, 2020, 2022, 2023, 2030)] == [
        2019,
        2019,
        2019,
        2021,
        2024,
        2024,
    ]
    assert series.at(2020)[1] == "no 2020 factor; used 2019"
    assert series.at(2021)[1] is None


def test_an_empty_series_is_an_error():
    with pytest.raises(CalculationError) as raised:
        factors.residual_mix("US").at(2022)
    assert raised.value.messages == ["no residual mix for US for any year"]


def _factor(year: int) -> factors.Factor:
    return factors.Factor(f"f:{year}", "v", "source", "GB", year, 1.0, "kg CO2e/kWh", 1, "generation")


def _rows(path):
    with path.open(encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


@pytest.mark.parametrize("path", FACTOR_FILES, ids=lambda path: path.name)
def test_every_row_has_a_unique_id_a_known_version_and_the_common_columns(path):
    rows = _rows(path)

    assert list(rows[0])[:4] == ["id", "dataset_version", "region", "year"]
    assert {"value", "unit"} <= set(rows[0])
    assert len({row["id"] for row in rows}) == len(rows)
    assert {row["dataset_version"] for row in rows} <= set(factors.versions())


def test_data_is_documented_and_electricity_maps_is_not_shipped():
    shipped = {path.name for path in FACTOR_FILES}
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")

    assert shipped == {
        "grid_direct.csv",
        "egrid_subregions.csv",
        "grid_intensity.csv",
        "td_losses.csv",
        "residual_mix.csv",
        "supplier_mix.csv",
        "fuel_factors.csv",
        "heat_factors.csv",
        "water_factors.csv",
        "electricity_upstream.csv",
    }
    assert all(f"`{name}`" in sources for name in [*shipped, "egrid_zip.csv"])


def test_residual_mixes_cover_the_34_aib_countries_and_grid_codes_are_unique_per_year():
    regions = {row["region"] for row in _rows(DATA / "residual_mix.csv")}
    assert regions == EU_27 | {"BA", "CH", "GB", "IS", "ME", "NO", "RS"}
    grid = [(row["region"], row["year"]) for row in _rows(DATA / "grid_intensity.csv")]
    assert len(set(grid)) == len(grid)
    assert ("KY", "2023") in grid  # Cayman Islands, which the shared file coded CY


def test_location_based_sources_do_not_mix_bases():
    """One official source per region (issue 13: no fixed cross-country ratio anywhere)."""
    direct = _rows(DATA / "grid_direct.csv")
    by_region = {}
    for row in direct:
        by_region.setdefault(row["region"], set()).add(row["dataset_version"].split("-")[0])
    assert all(len(publishers) == 1 for publishers in by_region.values()), by_region
    assert {row["region"] for row in direct if row["dataset_version"] == "eea-2025ed"} == EU_27
    assert {row["basis"] for row in direct if row["dataset_version"] == "aib-2024-v1.0"} == {
        "production_mix_co2"
    }
    assert not any(row["dataset_version"].startswith("ember") for row in direct)


def test_every_egrid_zip_code_has_a_subregion_with_rates():
    zips = _rows(DATA / "egrid_zip.csv")
    subregions = {row["region"] for row in _rows(DATA / "egrid_subregions.csv")}

    assert len(zips) == 41_588
    assert all(len(row["zip"]) == 5 and row["zip"].isdigit() for row in zips)
    assert {row["subregion"] for row in zips} <= subregions


def test_the_zip_code_search_finds_every_row_of_the_map_and_nothing_else():
    zips = _rows(DATA / "egrid_zip.csv")

    assert all(factors.egrid_zip(row["zip"]) == (row["state"], row["subregion"]) for row in zips)
    known = {row["zip"] for row in zips}
    unmapped = next(code for code in (f"{number:05d}" for number in range(100_000)) if code not in known)
    fullwidth = "\uff11\uff10\uff10\uff10\uff11"  # digits, but not ASCII
    for not_in_the_map in [unmapped, "", "1000", "100011", "zip,s", "1000,", "\n1000", fullwidth]:
        assert factors.egrid_zip(not_in_the_map) is None, repr(not_in_the_map)


@pytest.mark.parametrize(
    "file",
    [each for each in vars(factors).values() if isinstance(each, factors.DataFile)],
    ids=lambda file: file.name,
)
def test_a_series_read_alone_is_the_series_of_the_whole_file(file):
    whole: dict[tuple[str, ...], dict[int, factors.Factor]] = {}
    for key, factor in factors.rows(file):
        by_year = whole.setdefault(key, {})
        if factor.year not in by_year or factor.release > by_year[factor.year].release:
            by_year[factor.year] = factor

    assert whole
    assert {key: factors._series(file, *key) for key in whole} == whole
    assert factors._series(file, *("XX",) * len(file.key_columns)) == {}


def test_importing_the_engine_reads_no_data_file():
    probe = (
        "import carbon_accounting.emissions\n"
        "from carbon_accounting.emissions import factors\n"
        "assert factors._table.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)
