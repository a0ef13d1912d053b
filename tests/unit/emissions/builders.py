"""Activities for the golden tests, built from the literal catalogue ids that users store."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from carbon_accounting.emissions import Activity, CustomFactor, InvoiceType

KILOWATT_HOUR = UUID("617e8ff3-f16b-556d-adf7-723f92996f0b")
MEGAWATT_HOUR = UUID("457e7960-2e4d-5e39-bd9b-1820c93c2de0")
CUBIC_METER = UUID("0680caf6-abee-583f-87d5-8a27ab145fd7")
LITER = UUID("9043b644-eb90-5943-8134-c888ac52183b")
KILOGRAM = UUID("336ebb52-69f2-533e-aca6-497a2c698409")
TONNE = UUID("8eefc1c8-2bc4-5736-8c40-0fee155d4ed9")

NATURAL_GAS = UUID("bd5fbaa9-fe5a-58ec-a317-e72bfac8b1bf")
GAS_OIL = UUID("adbbc0a2-e40b-5e19-bfd9-173233f984b2")
DIESEL = UUID("fbc922ef-1d68-5e3c-9b2b-2c8f09503df8")
FUEL_OIL = UUID("39f8d7d7-9411-57d9-9480-80832e54d667")
COAL = UUID("944ef324-f1cc-5a6e-b4a6-534bcb5e4b1e")
WOOD_PELLETS = UUID("ed7f56ba-a066-523d-8c13-3178c9d29693")

SOM_ENERGIA = UUID("744cfed2-003e-5f0c-a150-6e0586ecfcd2")
IBERDROLA = UUID("95ff2275-a0a0-597a-af3a-a8f2497546a7")

UNKNOWN = UUID("00000000-0000-4000-8000-000000000000")


def activity(
    type: InvoiceType,
    quantity: float,
    unit_id: UUID,
    period: tuple[str, str],
    country: str = "ES",
    **references: object,
) -> Activity:
    """An activity over ``period`` (ISO dates, both included) with optional fuel, supplier, factor."""
    start, end = (date.fromisoformat(each) for each in period)
    return Activity(
        type=type,
        quantity=quantity,
        unit_id=unit_id,
        start_date=start,
        end_date=end,
        country=country,
        **references,  # type: ignore[arg-type]
    )


def custom_factor(kgco2e_per_unit: float, unit_id: UUID, **validity: object) -> CustomFactor:
    return CustomFactor(
        id=UUID("c0ffee00-0000-4000-8000-000000000001"),
        name="Our factor",
        unit_id=unit_id,
        kgco2e_per_unit=kgco2e_per_unit,
        **validity,  # type: ignore[arg-type]
    )
