"""Energy consumed (ESRS E1-5), in MWh, from the window's sums: electricity bought, fuels burned by
fuel, heat and steam bought; renewable, fossil and unattributed (docs/methodology.md)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from uuid import UUID

from carbon_accounting import emissions
from carbon_accounting.emissions.catalogues.units import KILOWATT_HOUR
from carbon_accounting.reports.models import Energy, FuelEnergy
from carbon_accounting.reports.sums import Sums, from_billionths, quantities
from carbon_accounting.rollups.contribution import TOTAL

ELECTRICITY = ("electricity", "recharge")  # EV recharge is electricity bought


def kilowatt_hours(quantities: Iterable[dict[str, Decimal]]) -> float:
    """kWh of energy quantities (billionths of a unit, by unit id)."""
    total = 0.0
    for amounts in quantities:
        for unit_id, amount in amounts.items():
            total += emissions.convert(from_billionths(amount), UUID(unit_id), KILOWATT_HOUR.id)
    return total


def electricity_bought(sums: Sums) -> tuple[float, float]:
    """kWh of electricity bought (EV recharge included), and of those covered by certificates."""
    bought = kilowatt_hours(
        amount.quantity
        for (_, kind, part), amount in sums.parts.items()
        if part == TOTAL and kind in ELECTRICITY
    )
    return bought, kilowatt_hours([sums.certified])


def mwh(value: float) -> float:
    """MWh to the watt-hour: the conversions are in floating point, their last digits noise."""
    return round(value, 6)


def energy(sums: Sums) -> Energy:
    """The energy the window's invoices bought or burned, by source (docs/methodology.md)."""
    electricity, certified = electricity_bought(sums)
    fuels, heat, not_converted = [], 0.0, []
    for (fuel_id, part), amount in sorted(sums.fuels.items()):
        fuel = emissions.fuel(UUID(fuel_id))
        if part != TOTAL or fuel is None:
            continue
        kwh = 0.0
        for unit_id, quantity in amount.quantity.items():
            unit = emissions.unit(UUID(unit_id))
            try:
                kwh += fuel.convert(from_billionths(quantity), unit, KILOWATT_HOUR) if unit else 0.0
            except emissions.CalculationError:
                not_converted += quantities({unit_id: quantity})
        if fuel.purchased:
            heat += kwh
        else:
            fuels.append(
                FuelEnergy(fuel_id=fuel.id, fuel=fuel.name, mwh=mwh(kwh / 1000), renewable=fuel.biogenic)
            )
    renewable = certified / 1000 + sum(line.mwh for line in fuels if line.renewable)
    fossil = sum(line.mwh for line in fuels if not line.renewable)
    total = (electricity + heat) / 1000 + sum(line.mwh for line in fuels)
    return Energy(
        total_mwh=mwh(total),
        electricity_mwh=mwh(electricity / 1000),
        fuels=sorted(fuels, key=lambda line: (-line.mwh, line.fuel)),
        heat_and_steam_mwh=mwh(heat / 1000),
        renewable_mwh=mwh(renewable),
        fossil_mwh=mwh(fossil),
        unattributed_mwh=mwh((electricity - certified + heat) / 1000),
        renewable_share=round(renewable / total, 6) if total else 0.0,
        not_converted=not_converted,
    )
