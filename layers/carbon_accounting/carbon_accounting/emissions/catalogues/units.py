"""The units catalogue: what an invoice's quantity may be measured in, and conversion within a type.

Ids are UUIDv5 of the unit's name in ``NAMESPACE`` (itself ``uuid5(NAMESPACE_URL,
"urn:carbon-accounting:emissions:units")``), written out as literals: users store them, so they must
never change, even if a name is corrected later. Each type has one canonical unit (kWh, m³, kg) that
factors are applied in; ``per_canonical`` is how many canonical units one unit is.
"""

from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field

from carbon_accounting.base import Model
from carbon_accounting.emissions.model import CalculationError, InvoiceType

NAMESPACE = UUID("ae183b7c-3ab6-58b1-9485-b3a4ba4fe83e")


class UnitType(StrEnum):
    ENERGY = "energy"
    VOLUME = "volume"
    MASS = "mass"


class Unit(Model):
    model_config = ConfigDict(frozen=True)

    id: UUID
    name: str
    type: UnitType
    per_canonical: float = Field(exclude=True, description="canonical units (kWh, m³, kg) in one unit")

    @property
    def symbol(self) -> str:
        """What the catalogue name ends with, in brackets: ``kwh``, ``m³``, ``t``."""
        return self.name.rpartition("(")[2].rstrip(")")


KILOWATT_HOUR = Unit(
    id=UUID("617e8ff3-f16b-556d-adf7-723f92996f0b"),
    name="kilowatt_hour_(kwh)",
    type=UnitType.ENERGY,
    per_canonical=1.0,
)
CUBIC_METER = Unit(
    id=UUID("0680caf6-abee-583f-87d5-8a27ab145fd7"),
    name="cubic_meter_(m³)",
    type=UnitType.VOLUME,
    per_canonical=1.0,
)
KILOGRAM = Unit(
    id=UUID("336ebb52-69f2-533e-aca6-497a2c698409"),
    name="kilogram_(kg)",
    type=UnitType.MASS,
    per_canonical=1.0,
)

_CATALOGUE = (
    KILOWATT_HOUR,
    Unit(
        id=UUID("457e7960-2e4d-5e39-bd9b-1820c93c2de0"),
        name="megawatt_hour_(mwh)",
        type=UnitType.ENERGY,
        per_canonical=1000.0,
    ),
    Unit(
        id=UUID("d8184560-e378-588c-b61c-e57ac09770df"),
        name="gigajoule_(gj)",
        type=UnitType.ENERGY,
        per_canonical=1000 / 3.6,  # 1 kWh = 3.6 MJ
    ),
    Unit(
        id=UUID("b32a68a5-2b2b-5e6e-89cb-fe16650bc832"),
        name="megajoule_(mj)",
        type=UnitType.ENERGY,
        per_canonical=1 / 3.6,
    ),
    CUBIC_METER,
    Unit(
        id=UUID("9043b644-eb90-5943-8134-c888ac52183b"),
        name="liter_(l)",
        type=UnitType.VOLUME,
        per_canonical=0.001,
    ),
    KILOGRAM,
    Unit(
        id=UUID("8eefc1c8-2bc4-5736-8c40-0fee155d4ed9"),
        name="tonne_(t)",
        type=UnitType.MASS,
        per_canonical=1000.0,
    ),
)
_BY_ID = {each.id: each for each in _CATALOGUE}
_BY_NAME = {each.name: each for each in _CATALOGUE}

# Heat takes any type and the fuel decides which it can convert; process takes whatever type its custom
# factor is expressed in, so both accept every type here and check the rest when calculating.
_TYPES_BY_INVOICE = {
    InvoiceType.ELECTRICITY: frozenset({UnitType.ENERGY}),
    InvoiceType.RECHARGE: frozenset({UnitType.ENERGY}),
    InvoiceType.WATER: frozenset({UnitType.VOLUME}),
    InvoiceType.HEAT: frozenset(UnitType),
    InvoiceType.PROCESS: frozenset(UnitType),
}


def unit(unit_id: UUID) -> Unit | None:
    """The unit with that id, or None if the catalogue has none."""
    return _BY_ID.get(unit_id)


def named(name: str) -> Unit:
    """The unit with that catalogue name (the data files name units this way)."""
    return _BY_NAME[name]


def units(type: UnitType | str | None = None) -> list[Unit]:
    """The catalogue, optionally only the units of one type; each type's canonical unit comes first."""
    return [each for each in _CATALOGUE if type is None or each.type == type]


def units_for(invoice_type: InvoiceType | str) -> frozenset[UnitType]:
    """The unit types an invoice of that type may be measured in."""
    return _TYPES_BY_INVOICE[InvoiceType(invoice_type)]


def _known(unit_id: UUID) -> Unit:
    """The unit with that id; ``CalculationError`` if the catalogue has none."""
    found = _BY_ID.get(unit_id)
    if found is None:
        raise CalculationError(f"unit {unit_id} is not in the units catalogue")
    return found


def convert(quantity: float, from_unit_id: UUID, to_unit_id: UUID) -> float:
    """``quantity`` of one unit in another of the same type; ``CalculationError`` if they differ."""
    source, target = _known(from_unit_id), _known(to_unit_id)
    if source.type != target.type:
        raise CalculationError(
            f"{source.name} ({source.type}) cannot be converted to {target.name} ({target.type})"
        )
    return quantity * source.per_canonical / target.per_canonical
