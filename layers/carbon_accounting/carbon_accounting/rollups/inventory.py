"""What an invoice adds to its facility's months for the inventory report: pure, an invoice item in,
numbers by month out (``reports.inventory`` reads them).

Every name starts with ``inv|`` (the summary does not read them):

- ``inv|fuel|<fuel id>|<part>|<figure>``: the invoice's figures by month, as ``monthly`` gives them
  (``<part>|co2e``, ``<part>|q|<unit>``, ``<part>|starts``...), again under the fuel it burns or
  buys (``facility_fuel_id`` of a heat invoice): Scope 1 and the energy of fuels, by fuel;
- ``inv|td|<type>|co2e``: its grid or heat-network losses (``co2e_transmission_and_distribution``,
  the same on both bases), the T&D line of Scope 3 category 3; the rest of the category is the
  well-to-tank line;
- ``inv|certified|<type>|q|<unit>``: the quantity covered by energy attribute certificates
  (``certified_share`` of it);
- ``inv|<tag>|starts`` or ``continues`` 1, counted once in a window as the figures' invoices are
  (the month its period starts in, or a later one), for each tag it has: ``set|<dataset version>|
  <year>`` (each factor set and data year its figures used), ``origin|<api, csv or document>``,
  ``flag|<kind>`` (each quality flag), ``custom`` (a custom emission factor) and ``notice|<text>``.

The losses and the certified quantity are spread over the whole period by days (the engine gives
them for the whole period): a year's T&D line of an invoice crossing a new year is its days' share.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from carbon_accounting.rollups.numbers import spread

if TYPE_CHECKING:  # the records are types only here: this module stays pure
    from carbon_accounting.repository.records import InvoiceRecord

PREFIX = "inv|"
ORIGINS = ("api", "csv", "document")


def origin(item: InvoiceRecord) -> str:
    """How the invoice was filed: typed in the API, a row of a bulk import, or read from a document."""
    return item.get("origin") or "api"


def tags(item: InvoiceRecord) -> list[str]:
    """What the report counts the invoice under (see the module)."""
    found = dict.fromkeys(
        f"set|{factor.get('dataset_version', '')}|{int(factor.get('year') or 0)}"
        for factor in item.get("emission_factors") or []
    )
    found[f"origin|{origin(item)}"] = None
    for flag in item.get("quality_flags") or []:
        found[f"flag|{flag['kind']}"] = None
    if item.get("custom_emission_factor_id"):
        found["custom"] = None
    for notice in item.get("notices") or []:
        found[f"notice|{notice.replace('|', '/')}"] = None
    return list(found)


def inventory_numbers(
    item: InvoiceRecord, by_month: dict[str, dict[str, Decimal]]
) -> dict[str, dict[str, Decimal]]:
    """The ``inv|`` numbers of an active invoice with figures, by month; ``by_month`` is what
    ``monthly`` gave for it."""
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    start, end = date.fromisoformat(item["start_date"]), date.fromisoformat(item["end_date"])
    kind, first_month = item.get("type") or "", item["start_date"][:7]
    fuel = item.get("facility_fuel_id") if kind == "heat" else None  # only heat burns or buys one
    for month, numbers in by_month.items():
        if fuel:
            for name, value in numbers.items():
                out[month][f"{PREFIX}fuel|{fuel}|{name}"] += value
        counted = "starts" if month == first_month else "continues"
        for tag in tags(item):
            out[month][f"{PREFIX}{tag}|{counted}"] = Decimal(1)
    losses = item.get("co2e_transmission_and_distribution")
    if losses:
        for month, value in spread(losses, start, end).items():
            out[month][f"{PREFIX}td|{kind}|co2e"] += value
    certified = item.get("certified_share")
    if certified:
        covered = Decimal(str(certified)) * Decimal(str(item["quantity"]))
        for month, value in spread(covered, start, end).items():
            out[month][f"{PREFIX}certified|{kind}|q|{item['unit_id']}"] += value
    return out
