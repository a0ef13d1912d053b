"""The emissions engine: pure functions over packaged, versioned emission-factor data.

``calculate(activity)`` gives an invoice's emissions, the factors behind them and user-facing notices,
or raises ``CalculationError`` saying what the user must fix. The catalogues (units, fuels, suppliers)
are Python data with stable UUIDs. The rules are in ``calculator`` and ``electricity``; the data, its
provenance and caveats in ``factors`` and ``data/SOURCES.md``. Importing is cheap: data files are read on
first use.
"""

from typing import TYPE_CHECKING

from carbon_accounting.emissions.catalogues.fuels import CalorificBasis, Fuel, FuelType, fuel, fuels
from carbon_accounting.emissions.catalogues.suppliers import Supplier, supplier, suppliers
from carbon_accounting.emissions.catalogues.units import (
    Unit,
    UnitType,
    convert,
    unit,
    units,
    units_for,
)
from carbon_accounting.emissions.model import (
    Activity,
    CalculationError,
    CustomFactor,
    Emissions,
    FactorUsed,
    InvoiceType,
    sum_by_scope,
)

if TYPE_CHECKING:  # what ``emissions.calculate`` is, for the type checker; loaded lazily below
    from carbon_accounting.emissions.calculator import calculate


def __getattr__(name: str) -> object:
    # The calculator (rules, factor tables) loads only where it is used: the stream function.
    # Creating invoices and serving catalogues need the catalogues alone (a cold-start saving).
    if name == "calculate":
        from carbon_accounting.emissions.calculator import calculate

        return calculate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Activity",
    "CalculationError",
    "CalorificBasis",
    "CustomFactor",
    "Emissions",
    "FactorUsed",
    "Fuel",
    "FuelType",
    "InvoiceType",
    "Supplier",
    "Unit",
    "UnitType",
    "calculate",
    "convert",
    "fuel",
    "fuels",
    "sum_by_scope",
    "supplier",
    "suppliers",
    "unit",
    "units",
    "units_for",
]
