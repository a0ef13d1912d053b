"""The electricity suppliers catalogue, for the market-based figure of electricity invoices.

Illustrative, not authoritative: ``certified_renewable`` is true only for retailers publicly known to sell
nothing but electricity backed by guarantees of origin; every other retailer is false, which sends its
customers to the residual mix (the conservative choice). Replace it with the national disclosure of each
retailer's mix (in Spain, CNMC's "etiquetado de la electricidad"; elsewhere the issuing body's GoO
cancellation data, see AIB) before relying on it. See data/SOURCES.md.

Ids are UUIDv5 of the supplier's name in ``NAMESPACE`` (``uuid5(NAMESPACE_URL,
"urn:carbon-accounting:emissions:suppliers")``), written out as literals so they never change.
"""

from uuid import UUID

from pydantic import ConfigDict

from carbon_accounting.base import Model

NAMESPACE = UUID("645d831c-ea20-5a2c-9f3e-8d5c1cd10348")
CATALOGUE_VERSION = "suppliers-illustrative-2026.1"  # recorded with the 0 factor of a renewable supplier


class Supplier(Model):
    model_config = ConfigDict(frozen=True)

    id: UUID
    name: str
    country: str
    certified_renewable: bool


def _supplier(supplier_id: str, name: str, country: str, certified_renewable: bool = False) -> Supplier:
    return Supplier(id=UUID(supplier_id), name=name, country=country, certified_renewable=certified_renewable)


_CATALOGUE = (
    _supplier("744cfed2-003e-5f0c-a150-6e0586ecfcd2", "Som Energia", "ES", certified_renewable=True),
    _supplier("5f6bd878-1362-50f9-8e39-95ee36e400be", "Holaluz", "ES", certified_renewable=True),
    _supplier("95ff2275-a0a0-597a-af3a-a8f2497546a7", "Iberdrola Clientes", "ES"),
    _supplier("f5e3e5f6-41f8-54b7-a4f7-38f6a51057c6", "Endesa Energía", "ES"),
    _supplier("a49b601e-0a8f-5f5a-8122-88f4ffc6416b", "Naturgy Iberia", "ES"),
    _supplier("c9f4310b-a9a0-5f62-811f-e999f81dd4e3", "Repsol Comercializadora de Electricidad y Gas", "ES"),
    _supplier("fc5d9204-dcac-548c-8bfb-58cd9a4b22c1", "TotalEnergies Clientes", "ES"),
    _supplier("2ff3decc-5b9b-5f25-aac7-55957707a681", "Octopus Energy España", "ES"),
    _supplier("3a0ac25d-8c9e-54aa-b0e6-d1b2c5455b50", "EDP Comercial", "PT"),
    _supplier("16ca54b5-36ab-5634-b832-048a7d58a74f", "Enercoop", "FR", certified_renewable=True),
    _supplier("a501f301-c058-5a56-82c6-ff0c126afd9d", "EDF", "FR"),
    _supplier("f6aa0e28-67d5-56af-b68c-55848ed3161c", "Green Planet Energy", "DE", certified_renewable=True),
    _supplier("a88c0b26-4751-592e-b6d9-07efabb0054d", "E.ON Energie Deutschland", "DE"),
    _supplier("aa400058-9668-557d-b04f-1e1db11cfd50", "Enel Energia", "IT"),
)
_BY_ID = {each.id: each for each in _CATALOGUE}


def supplier(supplier_id: UUID) -> Supplier | None:
    """The supplier with that id, or None if the catalogue has none."""
    return _BY_ID.get(supplier_id)


def suppliers(country: str | None = None) -> list[Supplier]:
    """The catalogue, optionally only the suppliers of one country (ISO 3166-1 alpha-2)."""
    return [each for each in _CATALOGUE if country is None or each.country == country.upper()]
