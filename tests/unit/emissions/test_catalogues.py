"""The units, fuels and suppliers catalogues: stable ids, conversions, and fuel properties true to DESNZ."""

import csv
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

import carbon_accounting.emissions as emissions
from carbon_accounting.emissions import CalculationError, InvoiceType, UnitType, convert, factors
from carbon_accounting.emissions.catalogues import fuels as fuel_catalogue
from carbon_accounting.emissions.catalogues import suppliers as supplier_catalogue
from carbon_accounting.emissions.catalogues import units as unit_catalogue
from tests.unit.emissions.builders import (
    CUBIC_METER,
    KILOGRAM,
    KILOWATT_HOUR,
    LITER,
    MEGAWATT_HOUR,
    NATURAL_GAS,
    SOM_ENERGIA,
    TONNE,
    UNKNOWN,
)

FUEL_FACTORS = Path(emissions.__file__).with_name("data") / "fuel_factors.csv"
GIGAJOULE = UUID("d8184560-e378-588c-b61c-e57ac09770df")
MEGAJOULE = UUID("b32a68a5-2b2b-5e6e-89cb-fe16650bc832")


def test_unit_ids_never_change():
    assert {unit.name: unit.id for unit in emissions.units()} == {
        "kilowatt_hour_(kwh)": KILOWATT_HOUR,
        "megawatt_hour_(mwh)": MEGAWATT_HOUR,
        "gigajoule_(gj)": GIGAJOULE,
        "megajoule_(mj)": MEGAJOULE,
        "cubic_meter_(m³)": CUBIC_METER,
        "liter_(l)": LITER,
        "kilogram_(kg)": KILOGRAM,
        "tonne_(t)": TONNE,
    }


def test_fuel_ids_never_change():
    assert {str(fuel.id): fuel.name for fuel in emissions.fuels()} == {
        str(NATURAL_GAS): "Natural gas",
        "adbbc0a2-e40b-5e19-bfd9-173233f984b2": "Gas oil (heating diesel)",
        "fbc922ef-1d68-5e3c-9b2b-2c8f09503df8": "Diesel (average biofuel blend)",
        "7de1a52d-1bef-5ca3-9853-9d64ed145209": "Petrol (average biofuel blend)",
        "4cc0e0fa-24cb-545b-add1-d7f957322113": "LPG",
        "9ae7070e-2b70-5d9e-89f2-770a2a619815": "Propane",
        "2923c824-23b1-5ea4-b35c-2f737e19d01f": "Butane",
        "5fc6eba0-8f3b-50e6-a304-dab2cb387ba9": "Burning oil (heating oil, kerosene)",
        "39f8d7d7-9411-57d9-9480-80832e54d667": "Fuel oil (heavy fuel oil)",
        "944ef324-f1cc-5a6e-b4a6-534bcb5e4b1e": "Coal (industrial)",
        "ed7f56ba-a066-523d-8c13-3178c9d29693": "Wood pellets",
        "3ad650a9-b0dc-5e8d-806d-0a3fd971f26c": "Wood chips",
        "63ccbf78-5cf3-5384-a26c-97d5a30ac680": "Wood logs",
        "cf7ef3db-07de-5718-bf60-6b154444d659": "Straw and grass",
        "b9b0921c-ffc8-552e-b420-447426b511d2": "Biogas",
        "caf9049a-70ce-58ef-a205-975cd672d498": "District heating",
        "b9c8c46c-26eb-52a2-b7f7-a28dd6928eab": "Purchased steam",
        "6b8b0d6b-b815-5136-ab9a-6bd61ada512c": "District cooling",
    }


def test_supplier_ids_never_change():
    assert {str(supplier.id): supplier.name for supplier in emissions.suppliers()} == {
        str(SOM_ENERGIA): "Som Energia",
        "5f6bd878-1362-50f9-8e39-95ee36e400be": "Holaluz",
        "95ff2275-a0a0-597a-af3a-a8f2497546a7": "Iberdrola Clientes",
        "f5e3e5f6-41f8-54b7-a4f7-38f6a51057c6": "Endesa Energía",
        "a49b601e-0a8f-5f5a-8122-88f4ffc6416b": "Naturgy Iberia",
        "c9f4310b-a9a0-5f62-811f-e999f81dd4e3": "Repsol Comercializadora de Electricidad y Gas",
        "fc5d9204-dcac-548c-8bfb-58cd9a4b22c1": "TotalEnergies Clientes",
        "2ff3decc-5b9b-5f25-aac7-55957707a681": "Octopus Energy España",
        "3a0ac25d-8c9e-54aa-b0e6-d1b2c5455b50": "EDP Comercial",
        "16ca54b5-36ab-5634-b832-048a7d58a74f": "Enercoop",
        "a501f301-c058-5a56-82c6-ff0c126afd9d": "EDF",
        "f6aa0e28-67d5-56af-b68c-55848ed3161c": "Green Planet Energy",
        "a88c0b26-4751-592e-b6d9-07efabb0054d": "E.ON Energie Deutschland",
        "aa400058-9668-557d-b04f-1e1db11cfd50": "Enel Energia",
    }


@pytest.mark.parametrize(
    ("namespace", "entries"),
    [
        (unit_catalogue.NAMESPACE, emissions.units()),
        (fuel_catalogue.NAMESPACE, emissions.fuels()),
        (supplier_catalogue.NAMESPACE, emissions.suppliers()),
    ],
)
def test_ids_are_uuid5_of_the_name_in_the_catalogue_namespace(namespace, entries):
    # How new entries get their id. Should a name ever be corrected, its id stays: exempt it here.
    assert all(entry.id == uuid5(namespace, entry.name) for entry in entries)
    assert len({entry.id for entry in entries}) == len(entries)


def test_catalogue_namespaces_are_uuid5_of_their_urns():
    for namespace, name in [
        (unit_catalogue.NAMESPACE, "units"),
        (fuel_catalogue.NAMESPACE, "fuels"),
        (supplier_catalogue.NAMESPACE, "suppliers"),
    ]:
        assert namespace == uuid5(NAMESPACE_URL, f"urn:carbon-accounting:emissions:{name}")


def test_units_are_served_as_id_name_and_type():
    assert emissions.unit(KILOWATT_HOUR).model_dump(mode="json") == {
        "id": str(KILOWATT_HOUR),
        "name": "kilowatt_hour_(kwh)",
        "type": "energy",
    }


def test_units_filter_by_type_with_the_canonical_unit_first():
    assert [unit.name for unit in emissions.units("volume")] == ["cubic_meter_(m³)", "liter_(l)"]
    assert [emissions.units(each)[0].id for each in UnitType] == [KILOWATT_HOUR, CUBIC_METER, KILOGRAM]
    assert emissions.unit(UNKNOWN) is None


@pytest.mark.parametrize(
    ("quantity", "source", "target", "expected"),
    [
        (1, GIGAJOULE, KILOWATT_HOUR, 1e9 / 3.6e6),  # 1 kWh = 3.6 MJ
        (3.6, MEGAJOULE, KILOWATT_HOUR, 1),
        (2.5, MEGAWATT_HOUR, KILOWATT_HOUR, 2500),
        (1000, KILOWATT_HOUR, GIGAJOULE, 3.6),
        (1500, LITER, CUBIC_METER, 1.5),
        (2.5, TONNE, KILOGRAM, 2500),
    ],
)
def test_conversions_within_a_type(quantity, source, target, expected):
    assert convert(quantity, source, target) == pytest.approx(expected, rel=1e-12)


def test_conversion_across_types_names_both_units():
    with pytest.raises(CalculationError) as raised:
        convert(1, KILOWATT_HOUR, LITER)
    assert raised.value.messages == ["kilowatt_hour_(kwh) (energy) cannot be converted to liter_(l) (volume)"]


def test_unit_types_each_invoice_type_accepts():
    assert emissions.units_for(InvoiceType.ELECTRICITY) == {UnitType.ENERGY}
    assert emissions.units_for("recharge") == {UnitType.ENERGY}
    assert emissions.units_for(InvoiceType.WATER) == {UnitType.VOLUME}
    assert emissions.units_for(InvoiceType.HEAT) == set(UnitType)
    assert emissions.units_for(InvoiceType.PROCESS) == set(UnitType)


def _desnz_2025(fuel, component):
    """The fuel's DESNZ 2025 factors for ``component``, by unit, read from the shipped file."""
    with FUEL_FACTORS.open(encoding="utf-8") as rows:
        return {
            row["per_unit"]: float(row["value"])
            for row in csv.DictReader(rows)
            if (row["region"], row["fuel"], row["component"], row["year"])
            == ("GB", fuel.desnz_fuel, component, "2025")
        }


BURNED = [fuel for fuel in emissions.fuels() if not fuel.purchased]


@pytest.mark.parametrize("fuel", BURNED, ids=lambda fuel: fuel.name)
def test_fuel_properties_are_the_ratios_of_its_desnz_factors(fuel):
    factors = _desnz_2025(fuel, "outside_of_scopes" if fuel.biogenic else "scope_1")

    per_tonne = factors["tonne_(t)"]
    assert fuel.calorific_value_kwh_per_kg == pytest.approx(
        per_tonne / factors["kilowatt_hour_(kwh)"] / 1000, rel=1e-12
    )
    per_m3 = factors.get("cubic_meter_(m³)")
    if "liter_(l)" in factors:
        per_m3 = 1000 * factors["liter_(l)"]
    if per_m3 is None:
        assert fuel.density_kg_per_m3 is None
        assert fuel.unit_types == [UnitType.ENERGY, UnitType.MASS]
    else:
        assert fuel.density_kg_per_m3 == pytest.approx(per_m3 / per_tonne * 1000, rel=1e-12)
        assert fuel.unit_types == list(UnitType)


@pytest.mark.parametrize(
    "fuel", [fuel for fuel in emissions.fuels() if fuel.density_kg_per_m3], ids=lambda fuel: fuel.name
)
def test_converting_through_a_fuel_keeps_its_desnz_factors_consistent(fuel):
    # 1 of the volume unit DESNZ uses, in kWh, times the per-kWh factor, is DESNZ's per-volume factor.
    factors = _desnz_2025(fuel, "scope_1")
    volume_unit = "cubic_meter_(m³)" if "cubic_meter_(m³)" in factors else "liter_(l)"
    kwh = fuel.convert(1, unit_catalogue.named(volume_unit), emissions.unit(KILOWATT_HOUR))

    assert kwh * factors["kilowatt_hour_(kwh)"] == pytest.approx(factors[volume_unit], rel=1e-9)


def test_biogenic_fuels_are_biomass_and_biogas():
    assert {fuel.name for fuel in emissions.fuels() if fuel.biogenic} == {
        "Wood pellets",
        "Wood chips",
        "Wood logs",
        "Straw and grass",
        "Biogas",
    }


def test_suppliers_filter_by_country_and_only_known_100_percent_goo_retailers_are_renewable():
    assert {supplier.country for supplier in emissions.suppliers("es")} == {"ES"}
    assert {supplier.name for supplier in emissions.suppliers() if supplier.certified_renewable} == {
        "Som Energia",
        "Holaluz",
        "Enercoop",
        "Green Planet Energy",
    }


def test_each_unit_type_has_one_canonical_unit():
    canonical = {
        kind: [each.name for each in emissions.units(kind) if each.per_canonical == 1] for kind in UnitType
    }

    assert canonical == {
        UnitType.ENERGY: ["kilowatt_hour_(kwh)"],
        UnitType.VOLUME: ["cubic_meter_(m³)"],
        UnitType.MASS: ["kilogram_(kg)"],
    }


@pytest.mark.parametrize(
    "fuel", [each for each in emissions.fuels() if each.purchased], ids=lambda fuel: fuel.name
)
def test_purchased_energy_is_measured_in_energy_only_and_names_its_desnz_factor(fuel):
    assert fuel.unit_types == [UnitType.ENERGY]
    assert (fuel.calorific_value_kwh_per_kg, fuel.density_kg_per_m3) == (None, None)
    assert fuel.desnz_fuel is None or factors.heat(fuel.desnz_fuel).by_year
