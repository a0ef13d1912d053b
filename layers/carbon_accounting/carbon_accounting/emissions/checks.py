"""An activity checked against the catalogues, before any factor is looked up.

Every problem the user must fix is collected, so that one ``CalculationError`` lists them all.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from carbon_accounting.emissions.catalogues import fuels, suppliers, units
from carbon_accounting.emissions.catalogues.fuels import CalorificBasis, Fuel
from carbon_accounting.emissions.catalogues.suppliers import Supplier
from carbon_accounting.emissions.catalogues.units import Unit, UnitType
from carbon_accounting.emissions.model import Activity, CalculationError, CustomFactor, InvoiceType


@dataclass(frozen=True)
class CheckedActivity:
    """An activity whose unit, fuel, supplier and custom factor are known and fit together."""

    activity: Activity
    country: str
    unit: Unit
    fuel: Fuel | None  # always set on heat
    supplier: Supplier | None  # only looked up for electricity
    custom_factor: tuple[CustomFactor, Unit] | None  # the factor and its unit; always set on process

    def quantity_in(self, target: Unit) -> float:
        """The invoice's quantity in ``target``: through the fuel's properties where there is a fuel."""
        if self.fuel is not None:
            return self.fuel.convert(self.activity.quantity, self.unit, target)
        return units.convert(self.activity.quantity, self.unit.id, target.id)


def check(activity: Activity) -> CheckedActivity:
    """``activity`` with its references resolved; ``CalculationError`` listing every problem."""
    problems: list[str] = []
    if activity.end_date < activity.start_date:
        problems.append(f"end_date {activity.end_date} is before start_date {activity.start_date}")
    if not (math.isfinite(activity.quantity) and activity.quantity >= 0):
        problems.append(f"quantity must be a number of at least 0, not {activity.quantity}")
    certified = activity.certified_quantity
    if certified is not None and not 0 <= certified <= activity.quantity:
        problems.append(f"certified_quantity {certified:g} must be 0 to the quantity, {activity.quantity:g}")
    if activity.calorific_basis not in (None, *CalorificBasis):
        problems.append(
            f"calorific_basis must be {' or '.join(CalorificBasis)}, not {activity.calorific_basis!r}"
        )
    unit = _unit(activity, problems)
    fuel = _fuel(activity, unit, problems) if activity.type == InvoiceType.HEAT else None
    supplier = _supplier(activity, problems) if activity.type == InvoiceType.ELECTRICITY else None
    custom_factor = _custom_factor(activity, unit, fuel, problems)
    if problems or unit is None:
        raise CalculationError(*problems)
    return CheckedActivity(
        activity=activity,
        country=activity.country.upper(),
        unit=unit,
        fuel=fuel,
        supplier=supplier,
        custom_factor=custom_factor,
    )


def _unit(activity: Activity, problems: list[str]) -> Unit | None:
    found = units.unit(activity.unit_id)
    accepted = units.units_for(activity.type)
    if found is None:
        problems.append(f"unit {activity.unit_id} is not in the units catalogue")
        return None
    if found.type not in accepted:
        problems.append(
            f"{activity.type} invoices are measured in {_or(accepted)} units, not {found.name} ({found.type})"
        )
        return None
    return found


def _fuel(activity: Activity, unit: Unit | None, problems: list[str]) -> Fuel | None:
    if activity.facility_fuel_id is None:
        problems.append("heat invoices need a facility_fuel_id: the fuel burned")
        return None
    found = fuels.fuel(activity.facility_fuel_id)
    if found is None:
        problems.append(f"fuel {activity.facility_fuel_id} is not in the fuels catalogue")
    elif unit is not None and unit.type not in found.unit_types:
        problems.append(
            f"{found.name} is measured in {_or(found.unit_types)} units, not {unit.name} ({unit.type})"
        )
    return found


def _supplier(activity: Activity, problems: list[str]) -> Supplier | None:
    if activity.supplier_id is None:
        return None
    found = suppliers.supplier(activity.supplier_id)
    if found is None:
        problems.append(f"supplier {activity.supplier_id} is not in the suppliers catalogue")
    return found


def _custom_factor(
    activity: Activity, unit: Unit | None, fuel: Fuel | None, problems: list[str]
) -> tuple[CustomFactor, Unit] | None:
    custom = activity.custom_factor
    if custom is None:
        if activity.type == InvoiceType.PROCESS:
            problems.append("process invoices need a custom emission factor")
        return None
    name = f"custom factor '{custom.name}'"
    if (custom.valid_from and activity.start_date < custom.valid_from) or (
        custom.valid_to and activity.end_date > custom.valid_to
    ):
        problems.append(
            f"{name} is valid from {custom.valid_from or 'any date'} to {custom.valid_to or 'any date'}; "
            f"the invoice runs from {activity.start_date} to {activity.end_date}"
        )
    if custom.renewable_percentage is not None and not 0 <= custom.renewable_percentage <= 100:
        problems.append(f"{name} has renewable_percentage {custom.renewable_percentage}; it must be 0 to 100")
    custom_unit = units.unit(custom.unit_id)
    if custom_unit is None:
        problems.append(f"{name} has unit {custom.unit_id}, which is not in the units catalogue")
        return None
    if unit is not None and not _convertible(unit, custom_unit, fuel):
        problems.append(
            f"{name} is per {custom_unit.name} ({custom_unit.type}), and {unit.name} ({unit.type}) "
            "cannot be converted to it"
        )
    return custom, custom_unit


def _convertible(source: Unit, target: Unit, fuel: Fuel | None) -> bool:
    """Whether quantities convert from ``source`` to ``target``: through the fuel's properties if any."""
    return target.type in fuel.unit_types if fuel is not None else target.type == source.type


def _or(types: Collection[UnitType]) -> str:
    return " or ".join(sorted(types))
