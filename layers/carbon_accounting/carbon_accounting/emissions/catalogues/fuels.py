"""The fuels catalogue (``facility_fuel_id``): which DESNZ fuel a heat invoice burns, and how to convert it.

Ids are UUIDv5 of the fuel's name in ``NAMESPACE`` (``uuid5(NAMESPACE_URL,
"urn:carbon-accounting:emissions:fuels")``), written out as literals so they never change.

Properties come from DESNZ's own factors, so that converting a quantity through them and applying
DESNZ's factor in the other unit gives DESNZ's factor in the first (for the 2025 set exactly):

- calorific value (kWh per kg) = the fuel's 2025 factor per tonne / its factor per kWh / 1000;
- density (kg per m³) = its factor per m³ (or 1000 * per litre) / its factor per tonne * 1000;
- gross per net (kWh of gross CV in one kWh of net CV) = its 2025 factor per kWh net CV / per kWh gross CV,
  for fossil fuels (DESNZ gives bioenergy on net CV only, so it has none).

The ratios use the Scope 1 kg CO2e of fossil fuels, and the outside-of-scopes biogenic CO2 of bioenergy
(its Scope 1 CH4 + N2O figures carry too few digits). Energy is read on the basis of the kWh DESNZ
publishes and our data files keep: gross CV for fossil fuels (what gas bills in Spain, "kWh PCS", and the
UK print), net CV for bioenergy (DESNZ's only basis there). DESNZ publishes no volume factor for solid
fuels, bioenergy or biogas, so those have no density and cannot be measured in volume.

Purchased energy (``FuelType.PURCHASED``: district heating, purchased steam, district cooling) is not
burned on site: it is Scope 2, measured in energy units only, and ``desnz_fuel`` names its DESNZ heat
and steam factor (none for cooling, which DESNZ does not publish: it needs a custom factor).
"""

from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field, computed_field

from carbon_accounting.base import Model
from carbon_accounting.emissions.catalogues.units import Unit, UnitType
from carbon_accounting.emissions.model import CalculationError

NAMESPACE = UUID("383c7ae1-eff2-5b90-a5eb-f46c4515e0f5")


class FuelType(StrEnum):
    """DESNZ's fuel groups."""

    GASEOUS = "gaseous"
    LIQUID = "liquid"
    SOLID = "solid"
    BIOMASS = "biomass"
    BIOGAS = "biogas"
    PURCHASED = "purchased"  # heat, steam or cooling bought from a network: Scope 2


class CalorificBasis(StrEnum):
    GROSS = "gross"
    NET = "net"


class Fuel(Model):
    model_config = ConfigDict(frozen=True)

    id: UUID
    name: str
    fuel_type: FuelType
    biogenic: bool
    desnz_fuel: str | None  # purchased energy: its heat_factors.csv activity; None for cooling
    calorific_value_kwh_per_kg: float | None  # None for purchased energy, measured in energy only
    calorific_value_basis: CalorificBasis | None
    density_kg_per_m3: float | None = None
    gross_per_net: float | None = Field(default=None, exclude=True)  # fossil fuels: kWh gross in 1 kWh net

    @property
    def purchased(self) -> bool:
        """Heat, steam or cooling bought from a network (Scope 2), rather than a fuel burned (Scope 1)."""
        return self.fuel_type == FuelType.PURCHASED

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form, which mypy refuses
    @property
    def unit_types(self) -> list[UnitType]:
        """The unit types a heat invoice burning this fuel may be measured in."""
        return [each for each in UnitType if self._kg_per_canonical(each) is not None]

    def convert(self, quantity: float, source: Unit, target: Unit) -> float:
        """``quantity`` in ``source`` expressed in ``target``, through calorific value and density."""
        scale = 1.0
        if source.type != target.type:
            source_kg, target_kg = self._kg_per_canonical(source.type), self._kg_per_canonical(target.type)
            if source_kg is None or target_kg is None:
                raise CalculationError(
                    f"{self.name} has no density, so {source.name} cannot be converted to {target.name}"
                )
            scale = source_kg / target_kg
        return quantity * source.per_canonical * scale / target.per_canonical

    def on_basis(self, kwh: float, given: CalorificBasis, wanted: CalorificBasis) -> float:
        """``kwh`` of this fuel's energy on the ``given`` calorific basis, expressed on the ``wanted`` one;
        ``CalculationError`` where no published ratio links them (bioenergy, purchased energy)."""
        if given == wanted:
            return kwh
        if self.gross_per_net is None:
            raise CalculationError(
                f"{self.name} has no published ratio of gross to net calorific value: give its energy "
                f"on a {wanted} CV basis, or its mass"
            )
        return kwh * self.gross_per_net if given == CalorificBasis.NET else kwh / self.gross_per_net

    def _kg_per_canonical(self, unit_type: UnitType) -> float | None:
        """Kilograms of this fuel in one kWh, m³ or kg; None where it has no density."""
        if self.calorific_value_kwh_per_kg is None:
            return 1.0 if unit_type == UnitType.ENERGY else None
        if unit_type == UnitType.ENERGY:
            return 1 / self.calorific_value_kwh_per_kg
        if unit_type == UnitType.VOLUME:
            return self.density_kg_per_m3
        return 1.0


def _kwh_per_kg(per_tonne: float, per_kwh: float) -> float:
    """The calorific value implied by one fuel's DESNZ factors per tonne and per kWh."""
    return per_tonne / per_kwh / 1000


def _kg_per_m3(per_tonne: float, per_m3: float) -> float:
    """The density implied by one fuel's DESNZ factors per tonne and per m³."""
    return per_m3 / per_tonne * 1000


def _gross_per_net(per_kwh_net: float, per_kwh_gross: float) -> float:
    """kWh of gross CV in one kWh of net CV, implied by one fuel's DESNZ factors on the two bases."""
    return per_kwh_net / per_kwh_gross


def _fossil(fuel_id: str, name: str, fuel_type: FuelType, desnz_fuel: str, **properties: float) -> Fuel:
    return Fuel(
        id=UUID(fuel_id),
        name=name,
        fuel_type=fuel_type,
        biogenic=False,
        desnz_fuel=desnz_fuel,
        calorific_value_basis=CalorificBasis.GROSS,
        **properties,
    )


def _bioenergy(fuel_id: str, name: str, fuel_type: FuelType, desnz_fuel: str, kwh_per_kg: float) -> Fuel:
    return Fuel(
        id=UUID(fuel_id),
        name=name,
        fuel_type=fuel_type,
        biogenic=True,
        desnz_fuel=desnz_fuel,
        calorific_value_kwh_per_kg=kwh_per_kg,
        calorific_value_basis=CalorificBasis.NET,
    )


def _purchased(fuel_id: str, name: str, desnz_heat: str | None) -> Fuel:
    return Fuel(
        id=UUID(fuel_id),
        name=name,
        fuel_type=FuelType.PURCHASED,
        biogenic=False,
        desnz_fuel=desnz_heat,
        calorific_value_kwh_per_kg=None,
        calorific_value_basis=None,
    )


# Arguments are DESNZ 2025 values from data/fuel_factors.csv: per tonne, per kWh, per m³ (or 1000 * per
# litre); kg CO2e (Scope 1) for fossil fuels, kg CO2 outside of scopes for bioenergy. The per-kWh net CV
# factors (for gross_per_net) are DESNZ 2025's, which the data files do not keep.
_CATALOGUE = (
    _fossil(
        "bd5fbaa9-fe5a-58ec-a317-e72bfac8b1bf",
        "Natural gas",
        FuelType.GASEOUS,
        "Natural gas",
        calorific_value_kwh_per_kg=_kwh_per_kg(2575.46441, 0.18296),
        density_kg_per_m3=_kg_per_m3(2575.46441, 2.06672),
        gross_per_net=_gross_per_net(0.2027, 0.18296),
    ),
    _fossil(
        "adbbc0a2-e40b-5e19-bfd9-173233f984b2",
        "Gas oil (heating diesel)",
        FuelType.LIQUID,
        "Gas oil",
        calorific_value_kwh_per_kg=_kwh_per_kg(3226.57859, 0.2565),
        density_kg_per_m3=_kg_per_m3(3226.57859, 1000 * 2.75541),
        gross_per_net=_gross_per_net(0.27288, 0.2565),
    ),
    _fossil(
        "fbc922ef-1d68-5e3c-9b2b-2c8f09503df8",
        "Diesel (average biofuel blend)",
        FuelType.LIQUID,
        "Diesel (average biofuel blend)",
        calorific_value_kwh_per_kg=_kwh_per_kg(3087.94462, 0.24411),
        density_kg_per_m3=_kg_per_m3(3087.94462, 1000 * 2.57082),
        gross_per_net=_gross_per_net(0.25953, 0.24411),
    ),
    _fossil(
        "7de1a52d-1bef-5ca3-9853-9d64ed145209",
        "Petrol (average biofuel blend)",
        FuelType.LIQUID,
        "Petrol (average biofuel blend)",
        calorific_value_kwh_per_kg=_kwh_per_kg(2772.97935, 0.21956),
        density_kg_per_m3=_kg_per_m3(2772.97935, 1000 * 2.06916),
        gross_per_net=_gross_per_net(0.23181, 0.21956),
    ),
    _fossil(
        "4cc0e0fa-24cb-545b-add1-d7f957322113",
        "LPG",
        FuelType.GASEOUS,
        "LPG",
        calorific_value_kwh_per_kg=_kwh_per_kg(2939.36095, 0.2145),
        density_kg_per_m3=_kg_per_m3(2939.36095, 1000 * 1.55713),
        gross_per_net=_gross_per_net(0.23032, 0.2145),
    ),
    _fossil(
        "9ae7070e-2b70-5d9e-89f2-770a2a619815",
        "Propane",
        FuelType.GASEOUS,
        "Propane",
        calorific_value_kwh_per_kg=_kwh_per_kg(2997.63233, 0.2141),
        density_kg_per_m3=_kg_per_m3(2997.63233, 1000 * 1.54358),
        gross_per_net=_gross_per_net(0.23258, 0.2141),
    ),
    _fossil(
        "2923c824-23b1-5ea4-b35c-2f737e19d01f",
        "Butane",
        FuelType.GASEOUS,
        "Butane",
        calorific_value_kwh_per_kg=_kwh_per_kg(3033.38067, 0.22241),
        density_kg_per_m3=_kg_per_m3(3033.38067, 1000 * 1.74533),
        gross_per_net=_gross_per_net(0.24107, 0.22241),
    ),
    _fossil(
        "5fc6eba0-8f3b-50e6-a304-dab2cb387ba9",
        "Burning oil (heating oil, kerosene)",
        FuelType.LIQUID,
        "Burning oil",
        calorific_value_kwh_per_kg=_kwh_per_kg(3165.04181, 0.24677),
        density_kg_per_m3=_kg_per_m3(3165.04181, 1000 * 2.54016),
        gross_per_net=_gross_per_net(0.25975, 0.24677),
    ),
    _fossil(
        "39f8d7d7-9411-57d9-9480-80832e54d667",
        "Fuel oil (heavy fuel oil)",
        FuelType.LIQUID,
        "Fuel oil",
        calorific_value_kwh_per_kg=_kwh_per_kg(3228.89019, 0.26813),
        density_kg_per_m3=_kg_per_m3(3228.89019, 1000 * 3.17492),
        gross_per_net=_gross_per_net(0.28523, 0.26813),
    ),
    _fossil(
        "944ef324-f1cc-5a6e-b4a6-534bcb5e4b1e",
        "Coal (industrial)",
        FuelType.SOLID,
        "Coal (industrial)",
        calorific_value_kwh_per_kg=_kwh_per_kg(2395.28994, 0.32246),
        gross_per_net=_gross_per_net(0.33944, 0.32246),
    ),
    _bioenergy(
        "ed7f56ba-a066-523d-8c13-3178c9d29693",
        "Wood pellets",
        FuelType.BIOMASS,
        "Wood pellets",
        _kwh_per_kg(1677.18, 0.35),
    ),
    _bioenergy(
        "3ad650a9-b0dc-5e8d-806d-0a3fd971f26c",
        "Wood chips",
        FuelType.BIOMASS,
        "Wood chips",
        _kwh_per_kg(1335.71, 0.35),
    ),
    _bioenergy(
        "63ccbf78-5cf3-5384-a26c-97d5a30ac680",
        "Wood logs",
        FuelType.BIOMASS,
        "Wood logs",
        _kwh_per_kg(1436.23, 0.35),
    ),
    _bioenergy(
        "cf7ef3db-07de-5718-bf60-6b154444d659",
        "Straw and grass",
        FuelType.BIOMASS,
        "Grass/straw",
        _kwh_per_kg(1287.25, 0.35),
    ),
    _bioenergy(
        "b9b0921c-ffc8-552e-b420-447426b511d2",
        "Biogas",
        FuelType.BIOGAS,
        "Biogas",
        _kwh_per_kg(1105.6695, 0.19902),
    ),
    _purchased("caf9049a-70ce-58ef-a205-975cd672d498", "District heating", "district_heat_and_steam"),
    _purchased("b9c8c46c-26eb-52a2-b7f7-a28dd6928eab", "Purchased steam", "onsite_heat_and_steam"),
    _purchased("6b8b0d6b-b815-5136-ab9a-6bd61ada512c", "District cooling", None),
)
_BY_ID = {each.id: each for each in _CATALOGUE}


def fuel(fuel_id: UUID) -> Fuel | None:
    """The fuel with that id, or None if the catalogue has none."""
    return _BY_ID.get(fuel_id)


def fuels() -> list[Fuel]:
    """The whole catalogue."""
    return list(_CATALOGUE)
