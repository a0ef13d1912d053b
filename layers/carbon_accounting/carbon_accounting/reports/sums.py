"""The window's facility months, read and summed: what each line of the inventory adds up.

A facility month (``rollups.contribution``, ``rollups.inventory``) keeps its numbers in billionths;
they are summed here as integers, so that the report's totals are the summary's to the gram, and
turned into floats only once, as the summary does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from carbon_accounting import emissions
from carbon_accounting.reports.models import Quantity
from carbon_accounting.rollups.contribution import TOTAL
from carbon_accounting.rollups.inventory import PREFIX
from carbon_accounting.rollups.numbers import SCALE


@dataclass
class Sum:
    """One line's billionths: figures, quantities by unit, and its invoices (counted once)."""

    co2e: Decimal = Decimal(0)
    co2e_location_based: Decimal = Decimal(0)
    co2e_biomass: Decimal = Decimal(0)
    quantity: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    invoices: Decimal = Decimal(0)

    def add(self, figure: list[str], value: Decimal, first_month: bool) -> None:
        if figure[0] == "q":
            self.quantity[figure[1]] += value
        elif figure[0] == "starts" or (figure[0] == "continues" and first_month):
            self.invoices += value
        elif figure[0] in ("co2e", "co2e_location_based", "co2e_biomass"):
            setattr(self, figure[0], getattr(self, figure[0]) + value)

    def __iadd__(self, other: Sum) -> Sum:
        self.co2e += other.co2e
        self.co2e_location_based += other.co2e_location_based
        self.co2e_biomass += other.co2e_biomass
        for unit, amount in other.quantity.items():
            self.quantity[unit] += amount
        self.invoices += other.invoices
        return self

    def line(self) -> dict[str, float | int]:
        return {
            "co2e": from_billionths(self.co2e),
            "co2e_location_based": from_billionths(self.co2e_location_based),
            "invoices": int(self.invoices),
        }


def from_billionths(billionths: Decimal) -> float:
    """A sum kept in billionths (of a kg, of a unit), as the summary gives it."""
    return float(billionths / SCALE)


@dataclass
class Sums:
    """What the window's facility months say, summed."""

    parts: dict[tuple[str, str, str], Sum] = field(default_factory=lambda: defaultdict(Sum))
    fuels: dict[tuple[str, str], Sum] = field(default_factory=lambda: defaultdict(Sum))
    losses: Decimal = Decimal(0)
    certified: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    tags: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    since: dict[str, str] = field(default_factory=dict)  # facility: the earliest month its invoices start
    months: dict[tuple[str, str], Sum] = field(default_factory=lambda: defaultdict(Sum))  # (month, part)

    def cell(self, month: str, facility: str, item: dict[str, object], first_month: bool) -> None:
        for name, value in item.items():
            if name.startswith("since|") and value:
                since = name.removeprefix("since|")
                self.since[facility] = min(self.since.get(facility, since), since)
            if not isinstance(value, Decimal) or not value or name.count("|") < 2:
                continue
            if name.startswith(PREFIX):
                self._inventory(name.removeprefix(PREFIX).split("|"), value, first_month)
            else:
                kind, part, *figure = name.split("|")
                self.parts[(facility, kind, part)].add(figure, value, first_month)
                self.months[(month, part)].add(figure, value, True)

    def _inventory(self, name: list[str], value: Decimal, first_month: bool) -> None:
        family = name[0]
        if family == "fuel":
            self.fuels[(name[1], name[2])].add(name[3:], value, first_month)
        elif family == "td":
            self.losses += value
        elif family == "certified":
            self.certified[name[-1]] += value
        elif name[-1] == "starts" or first_month:
            self.tags["|".join(name[:-1])] += value


def whole(sums: Sums) -> Sum:
    total = Sum()
    for (_, _, part), amount in sums.parts.items():
        if part == TOTAL:
            total += amount
    return total


def by_part(sums: Sums, wanted: str) -> dict[str, Sum]:
    """The part's sums by facility."""
    found: dict[str, Sum] = defaultdict(Sum)
    for (facility, _, part), amount in sums.parts.items():
        if part == wanted:
            found[facility] += amount
    return found


def quantities(amounts: dict[str, Decimal]) -> list[Quantity]:
    found = []
    for unit_id, amount in sorted(amounts.items()):
        unit = emissions.unit(UUID(unit_id))
        if amount:
            found.append(
                Quantity(
                    unit_id=UUID(unit_id), unit=unit.symbol if unit else "", quantity=from_billionths(amount)
                )
            )
    return found
