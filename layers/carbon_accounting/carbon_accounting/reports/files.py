"""The inventory report as files: CSV (one table, a row per figure) and XLSX (XlsxWriter).

Both carry the JSON report's numbers as they are (kg CO2e, MWh), unrounded, so that a file's Scope
1, 2 and 3 totals are the JSON's. The XLSX: a summary sheet laid out as the GHG Protocol's inventory
table, a sheet per scope, energy and ESRS E1, the factor sets, the entities, data quality, and the
invoices behind the figures (``MAX_INVOICE_ROWS`` of them; a larger organization's sheet ends saying
how many are left out and where to read them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from carbon_accounting.reports.models import FacilityLine, InventoryReport
from carbon_accounting.spreadsheets import spreadsheet_safe

if TYPE_CHECKING:
    from carbon_accounting.repository.records import InvoiceRecord

MAX_INVOICE_ROWS = 10_000
COLUMNS = ("section", "item", "co2e_kg", "co2e_location_based_kg", "value", "unit", "invoices")
Row = tuple[str, str, float | None, float | None, float | str | None, str, int | None]


def rows(report: InventoryReport) -> Iterator[Row]:
    """The report as rows of ``COLUMNS``: the CSV's, and the XLSX's sheets'."""
    yield (
        "organization",
        report.organization.name,
        None,
        None,
        str(report.organization.organization_id),
        "",
        None,
    )
    yield ("period", "start_date", None, None, report.period.start_date.isoformat(), "", None)
    yield ("period", "end_date", None, None, report.period.end_date.isoformat(), "", None)
    yield ("consolidation", "approach", None, None, report.consolidation.approach, "", None)
    for entity in report.consolidation.entities:
        yield (
            "entity",
            entity.name,
            entity.co2e,
            entity.co2e_location_based,
            str(entity.organization_id),
            "",
            entity.invoices,
        )
    scope_1, scope_2, scope_3 = report.scope_1, report.scope_2, report.scope_3
    yield ("scope_1", "total", scope_1.co2e, scope_1.co2e, None, "", scope_1.invoices)
    for fuel in scope_1.by_fuel:
        yield ("scope_1.fuel", fuel.fuel, fuel.co2e, fuel.co2e_location_based, None, "", fuel.invoices)
    yield from _facility_rows("scope_1.facility", scope_1.by_facility)
    yield ("scope_2", "total", scope_2.market_based, scope_2.location_based, None, "", scope_2.invoices)
    yield from _facility_rows("scope_2.facility", scope_2.by_facility)
    for country in scope_2.by_country:
        yield (
            "scope_2.country",
            country.country,
            country.co2e,
            country.co2e_location_based,
            None,
            "",
            country.invoices,
        )
    instruments = scope_2.contractual_instruments
    yield ("scope_2.instruments", "electricity", None, None, instruments.electricity_mwh, "MWh", None)
    yield ("scope_2.instruments", "certified", None, None, instruments.certified_mwh, "MWh", None)
    yield ("scope_3", "total", scope_3.co2e, scope_3.co2e_location_based, None, "", None)
    for category in scope_3.categories:
        name = f"category {category.category}: {category.name}"
        yield (
            "scope_3.category",
            name,
            category.co2e,
            category.co2e_location_based,
            None,
            "",
            category.invoices,
        )
        for part in category.lines:
            yield (
                f"scope_3.category_{category.category}",
                part.line,
                part.co2e,
                part.co2e_location_based,
                None,
                "",
                part.invoices,
            )
    yield ("biogenic_co2", "outside of the scopes", None, None, report.biogenic_co2, "kg CO2", None)
    totals = report.totals
    yield ("totals", "total", totals.market_based, totals.location_based, None, "", totals.invoices)
    energy = report.energy
    for name in (
        "total_mwh",
        "electricity_mwh",
        "heat_and_steam_mwh",
        "renewable_mwh",
        "fossil_mwh",
        "unattributed_mwh",
    ):
        yield ("energy", name.removesuffix("_mwh"), None, None, getattr(energy, name), "MWh", None)
    for fuel_energy in energy.fuels:
        kind = "renewable" if fuel_energy.renewable else "fossil"
        yield ("energy.fuel", f"{fuel_energy.fuel} ({kind})", None, None, fuel_energy.mwh, "MWh", None)
    for point in [*report.esrs_e1_6, *report.esrs_e1_5]:
        yield (
            f"esrs_{point.requirement}",
            f"{point.paragraph}: {point.datapoint}",
            None,
            None,
            point.value,
            point.unit,
            None,
        )
    for factor_set in report.factor_sets:
        name = f"{factor_set.dataset_version} ({factor_set.year})"
        yield ("factor_set", name, None, None, factor_set.source, "", factor_set.invoices)
    for notice in report.notices:
        yield ("notice", notice.notice, None, None, None, "", notice.invoices)
    completeness = report.completeness
    for name in ("supply_points", "months", "complete_months", "coverage_ratio", "gaps", "overlaps"):
        yield ("completeness", name, None, None, getattr(completeness, name), "", None)
    quality = report.data_quality
    for origin, count in quality.by_origin.items():
        yield ("data_quality", f"origin {origin}", None, None, None, "", count)
    for name in ("estimated_readings", "outliers", "custom_factors"):
        yield ("data_quality", name, None, None, None, "", getattr(quality, name))


def _facility_rows(section: str, lines: list[FacilityLine]) -> Iterator[Row]:
    for line in lines:
        yield (
            section,
            line.facility,
            line.co2e,
            line.co2e_location_based,
            line.organization,
            "",
            line.invoices,
        )


def as_csv(report: InventoryReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(report):
        writer.writerow(["" if value is None else _cell_text(value) for value in row])
    return out.getvalue()


def _cell_text(value: Any) -> str:
    """A number as the shortest text that reads back as it (the JSON's); text never as a formula."""
    return repr(value) if isinstance(value, float) else spreadsheet_safe(value)


INVOICE_COLUMNS = (
    "id",
    "organization_id",
    "facility_id",
    "type",
    "start_date",
    "end_date",
    "quantity",
    "unit_id",
    "co2e_kg",
    "co2e_location_based_kg",
    "scope",
    "supply_point_id",
    "dataset_version",
    "origin",
)


def as_xlsx(report: InventoryReport, invoices: Iterable[InvoiceRecord]) -> bytes:
    """The workbook (see the module); ``invoices`` are the invoices behind the figures, at most
    ``MAX_INVOICE_ROWS`` (``inventory.invoices_behind``)."""
    import xlsxwriter  # only this function's caller needs it

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    number = book.add_format({"num_format": "#,##0.000"})
    _summary_sheet(book.add_worksheet("Inventory"), report, bold, number)
    sections: dict[str, list[Row]] = {}
    for row in rows(report):
        sheet = _SHEETS.get(row[0].split(".")[0], "Details")
        sections.setdefault(sheet, []).append(row)
    for name, section in sections.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, COLUMNS, bold)
        for index, row in enumerate(section, start=1):
            sheet.write_row(index, 0, ["" if value is None else value for value in row])
        sheet.set_column(0, 1, 28)
        sheet.set_column(2, 4, 18, number)
    sheet = book.add_worksheet("Invoices")
    sheet.write_row(0, 0, INVOICE_COLUMNS, bold)
    written = 0
    for written, item in enumerate(invoices, start=1):
        sheet.write_row(written, 0, [_invoice_value(item, column) for column in INVOICE_COLUMNS])
    left = report.totals.invoices - written
    if left > 0:
        sheet.write(
            written + 1,
            0,
            f"{left} more invoices are behind these figures: this sheet holds the first {MAX_INVOICE_ROWS}. "
            "Read them all with GET /v1/facilities/{facility_id}/invoices, or ask for a shorter period.",
        )
    book.close()
    return out.getvalue()


_SHEETS = {
    "scope_1": "Scope 1",
    "scope_2": "Scope 2",
    "scope_3": "Scope 3",
    "biogenic_co2": "Scope 1",
    "energy": "Energy",
    "esrs_E1-6": "ESRS E1",
    "esrs_E1-5": "ESRS E1",
    "factor_set": "Factor sets",
    "notice": "Factor sets",
    "entity": "Entities",
    "consolidation": "Entities",
    "completeness": "Data quality",
    "data_quality": "Data quality",
}


def _invoice_value(item: InvoiceRecord, column: str) -> Any:
    stored: dict[str, Any] = dict(item)
    value = stored.get(_INVOICE_FIELDS.get(column, column))
    if column == "origin":
        return value or "api"
    if column in _NUMBERS and value is not None:
        return float(value)
    return value or ""


_INVOICE_FIELDS = {"co2e_kg": "co2e", "co2e_location_based_kg": "co2e_location_based"}
_NUMBERS = ("quantity", "co2e_kg", "co2e_location_based_kg", "scope")


def _summary_sheet(sheet: Any, report: InventoryReport, bold: Any, number: Any) -> None:
    """The GHG Protocol's inventory table: each scope (Scope 2 both ways), Scope 3 by category and
    line, the totals and biogenic CO2 outside of the scopes, in kg and tonnes of CO2e."""
    organization, period = report.organization, report.period
    sheet.write(0, 0, f"GHG inventory: {organization.name}", bold)
    dates = f"{period.start_date.isoformat()} to {period.end_date.isoformat()}"
    sheet.write(1, 0, f"{dates}; consolidation: operational control")
    sheet.write_row(3, 0, ("Scope", "Line", "kg CO2e", "t CO2e"), bold)
    lines: list[tuple[str, str, float]] = [
        ("Scope 1", "Direct emissions", report.scope_1.co2e),
        ("Scope 2", "Location-based", report.scope_2.location_based),
        ("Scope 2", "Market-based", report.scope_2.market_based),
    ]
    for category in report.scope_3.categories:
        lines.append(("Scope 3", f"Category {category.category}: {category.name}", category.co2e))
        lines += [("Scope 3", f"  {part.line.replace('_', ' ')}", part.co2e) for part in category.lines]
    lines += [
        ("Scope 3", "Total", report.scope_3.co2e),
        ("Total", "Location-based (Scopes 1, 2 location-based, 3)", report.totals.location_based),
        ("Total", "Market-based (Scopes 1, 2 market-based, 3)", report.totals.market_based),
        ("Outside of scopes", "Biogenic CO2 (kg CO2)", report.biogenic_co2),
    ]
    for index, (scope, line, kilograms) in enumerate(lines, start=4):
        sheet.write_row(index, 0, (scope, line))
        sheet.write_number(index, 2, kilograms, number)
        sheet.write_number(index, 3, kilograms / 1000, number)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 52)
    sheet.set_column(2, 3, 18)
