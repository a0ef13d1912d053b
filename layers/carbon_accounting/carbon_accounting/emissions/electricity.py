"""Electricity and EV recharge: purchased grid electricity, reported both ways (GHG Protocol Scope 2
Guidance), with its upstream and losses in Scope 3 category 3. docs/methodology.md is the long form.

Scope 2, location-based: the combustion (generation-based) rate of the facility's grid, from the most
precise official source for its location, year by year (``_grid``):

1. a US facility with a ZIP code: the eGRID subregion of EPA's ZIP map, its total output rate;
   a US facility without one: eGRID's national rate;
2. an Australian facility: the NGA factor of its state (``subdivision``), else the national one;
3. any other country: ``grid_direct.csv``: DESNZ's UK generation factor of that year's set for GB,
   the EEA's intensity of generation for the EU-27, AIB's production mix (CO2 only) for the other AIB
   countries;
4. elsewhere, or for a year none of those covers: Ember's lifecycle intensity, whole (basis
   ``lifecycle``): its upstream share is not separable, so no upstream part is added.

Scope 3 category 3, the same on both bases (certificates and residual mixes are instruments for the
generation itself, not for its fuels' supply chain or the grid's losses):

- upstream (``co2e_generation``): DESNZ's well-to-tank factors of UK generation and of T&D losses for
  GB; elsewhere no official factor is shipped and none is estimated (a notice says so);
- T&D losses (``co2e_transmission_and_distribution``): DESNZ's T&D factor for GB;
  elsewhere kWh x the location-based rate x L / (1 - L), L the grid gross loss of the eGRID series used,
  or the World Bank's loss share of the country (its world average where it has none), capped at
  ``MAX_LOSS_SHARE`` (the series includes theft, and L / (1 - L) explodes as L nears 1).

Scope 2, market-based, the Scope 2 hierarchy (``_market_based``): kWh covered by energy attribute
certificates count 0 (basis ``certificate``): all of them from a certified-renewable supplier in the
facility's market, else the invoice's ``certified_quantity``, else the custom factor's
``renewable_percentage``. The rest is at the supplier-specific rate of a custom factor (``supplier``),
else the residual mix of the country (``residual_mix``, AIB), else AIB's total supplier mix where it
prints no residual mix (``total_supplier_mix``), else the location-based rate (``location_based``),
each with a notice where it falls back.

Recharge is electricity without a supplier or certificates: the same two bases and parts.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbon_accounting.emissions import factors
from carbon_accounting.emissions.catalogues import suppliers
from carbon_accounting.emissions.catalogues.suppliers import Supplier
from carbon_accounting.emissions.catalogues.units import KILOWATT_HOUR
from carbon_accounting.emissions.checks import CheckedActivity
from carbon_accounting.emissions.factors import Factor, Series
from carbon_accounting.emissions.ledger import Ledger, Part
from carbon_accounting.emissions.model import FactorUsed

MAX_LOSS_SHARE = 0.20  # of the World Bank's T&D losses (docs/methodology.md, "T&D losses")
# One market for energy attribute certificates: the EU internal electricity market with the EEA EFTA
# states and Switzerland, where guarantees of origin are issued and cancelled under EECS. Every other
# country is a market of its own (GB's REGOs are not GOs since 2023, the US has RECs).
EECS_MARKET = frozenset(
    """
    AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO CH
    """.split()  # noqa: SIM905 - a block of codes reads better than 32 quoted strings
)


@dataclass(frozen=True)
class _Grid:
    """The location-based rate of one calendar year of an invoice, and the kWh in that year."""

    year: int
    kwh: float
    rate: Factor
    losses: Series | None  # the loss share of the same source, where it publishes one (eGRID)


def electricity(invoice: CheckedActivity, ledger: Ledger) -> None:
    grids = _location_based(invoice, ledger)
    _market_based(invoice, grids, invoice.supplier, ledger)


def recharge(invoice: CheckedActivity, ledger: Ledger) -> None:
    grids = _location_based(invoice, ledger)
    _market_based(invoice, grids, None, ledger)


def _location_based(invoice: CheckedActivity, ledger: Ledger) -> list[_Grid]:
    kwh = invoice.quantity_in(KILOWATT_HOUR)
    grids = []
    for part in factors.split_by_year(invoice.activity.start_date, invoice.activity.end_date):
        with ledger.during(part.year):
            grid = _grid(invoice, part.year, kwh * part.share, ledger)
            ledger.add_location(Part.PURCHASED_ENERGY, grid.kwh * ledger.use(grid.rate, "location_based"))
            _upstream(invoice, grid, ledger)
            _losses(invoice, grid, ledger)
        grids.append(grid)
    return grids


def _grid(invoice: CheckedActivity, year: int, kwh: float, ledger: Ledger) -> _Grid:
    """The most precise official rate for the facility's location in ``year`` (the module's list)."""
    candidates: list[tuple[Series, Series | None]] = []
    if invoice.country == factors.US:
        subregion = _egrid_subregion(invoice, ledger)
        for region in (subregion, factors.US) if subregion else (factors.US,):
            candidates.append(
                (factors.egrid(region, "output_rate"), factors.egrid(region, "grid_gross_loss"))
            )
    if invoice.activity.subdivision:
        candidates.append((factors.grid_direct(invoice.activity.subdivision), None))
    candidates.append((factors.grid_direct(invoice.country), None))
    for series, losses in candidates:
        found = ledger.nearest(series, year)
        if found is not None:
            if found.basis == "production_mix_co2":
                ledger.notice(
                    f"the location-based factor of {found.region} is AIB's production mix: modelled "
                    "from the technology mix, CO2 only (no CH4 or N2O)"
                )
            return _Grid(year, kwh, found, losses)
    lifecycle = ledger.at(factors.grid_intensity(invoice.country), year)
    ledger.notice(
        f"no official generation-based grid factor for {invoice.country} in {year}: Ember's lifecycle "
        "intensity is used as the location-based rate, whole; its upstream share is not separable, so no "
        "upstream part is added"
    )
    return _Grid(year, kwh, lifecycle, None)


def _egrid_subregion(invoice: CheckedActivity, ledger: Ledger) -> str | None:
    postal_code = invoice.activity.postal_code
    if not postal_code:
        ledger.notice("no ZIP code for this US facility: eGRID's national rate is used, not its subregion's")
        return None
    found = factors.egrid_zip(postal_code[:5])
    if found is None:
        ledger.notice(f"ZIP code {postal_code} is not in eGRID's map: its national rate is used")
        return None
    return found[1]


def _upstream(invoice: CheckedActivity, grid: _Grid, ledger: Ledger) -> None:
    """Well-to-tank of the electricity generated: DESNZ's for GB; none elsewhere, with a notice."""
    if grid.rate.basis == "lifecycle":
        return  # inside the lifecycle rate
    wtt = factors.electricity_upstream("wtt_generation")
    found = ledger.nearest(wtt, grid.year) if invoice.country == "GB" else None
    if found is None:
        ledger.notice(
            f"no well-to-tank factor of electricity generation for {invoice.country} in {grid.year}: "
            "the upstream part (co2e_generation) is not estimated"
        )
        return
    ledger.add(Part.UPSTREAM, grid.kwh * ledger.use(found, "upstream"))


def _losses(invoice: CheckedActivity, grid: _Grid, ledger: Ledger) -> None:
    """Transmission and distribution losses: DESNZ's factors for GB, else a loss share."""
    if invoice.country == "GB" and grid.rate.dataset_version.startswith("desnz"):
        td = ledger.nearest(factors.electricity_upstream("td_losses"), grid.year)
        if td is not None:
            ledger.add(Part.LOSSES, grid.kwh * ledger.use(td, "transmission_and_distribution"))
            wtt = ledger.nearest(factors.electricity_upstream("wtt_td_losses"), grid.year)
            if wtt is not None:  # the well-to-tank of the electricity lost is upstream, like generation's
                ledger.add(Part.UPSTREAM, grid.kwh * ledger.use(wtt, "upstream"))
            return
    share = _loss_share(invoice, grid, ledger)
    rate = grid.rate.value or 0.0
    ledger.add(Part.LOSSES, grid.kwh * rate * share / (1 - share))


def _loss_share(invoice: CheckedActivity, grid: _Grid, ledger: Ledger) -> float:
    if grid.losses is not None:
        found = ledger.nearest(grid.losses, grid.year)
        if found is not None:
            return ledger.use(found, "transmission_and_distribution") / 100
    series = factors.td_loss(invoice.country)
    if not series.by_year:
        ledger.notice(f"no T&D loss share for {invoice.country}: used the World average")
        series = factors.td_loss(factors.WORLD)
    share = ledger.use(ledger.at(series, grid.year), "transmission_and_distribution") / 100
    if share > MAX_LOSS_SHARE:
        ledger.notice(
            f"the World Bank's T&D losses of {invoice.country} in {grid.year} are {share:.1%}, which "
            f"include non-technical losses: capped at {MAX_LOSS_SHARE:.0%}"
        )
        return MAX_LOSS_SHARE
    return share


def _market_based(
    invoice: CheckedActivity, grids: list[_Grid], supplier: Supplier | None, ledger: Ledger
) -> None:
    covered = ledger.certified_share = _covered_share(invoice, supplier, ledger)
    if covered >= 1:
        return
    if covered:
        ledger.notice(
            f"{covered:.1%} of the electricity is covered by certificates; the rest is market-based"
        )
    if invoice.custom_factor is not None:
        custom, unit = invoice.custom_factor
        kg = ledger.custom_kg(invoice, custom, unit, "market_based", "supplier")
        ledger.add_market(Part.PURCHASED_ENERGY, kg * (1 - covered))
        return
    for grid in grids:
        with ledger.during(grid.year):
            rate = _residual_rate(invoice, grid, ledger)
            ledger.add_market(Part.PURCHASED_ENERGY, grid.kwh * (1 - covered) * rate)


def _covered_share(invoice: CheckedActivity, supplier: Supplier | None, ledger: Ledger) -> float:
    """The share of the kWh covered by energy attribute certificates that meet the Quality Criteria."""
    if supplier is not None and supplier.certified_renewable:
        if _same_market(supplier.country, invoice.country):
            _record_certificates(
                f"supplier:{supplier.id}",
                f"{supplier.name}: certified renewable supply (guarantees of origin)",
                supplier.country,
                suppliers.CATALOGUE_VERSION,
                invoice,
                ledger,
            )
            ledger.notice(
                f"{supplier.name} sells only certified renewable electricity in the facility's market: "
                "market-based Scope 2 is 0"
            )
            return 1.0
        ledger.notice(
            f"{supplier.name}'s guarantees of origin are for {supplier.country}, not the facility's market "
            f"({invoice.country}): the renewable claim is ignored"
        )
    certified = invoice.activity.certified_quantity
    if certified and invoice.activity.quantity:
        _record_certificates(
            "certified_quantity",
            "energy attribute certificates retired for this invoice (certified_quantity)",
            invoice.country,
            "certified_quantity",
            invoice,
            ledger,
        )
        return min(1.0, certified / invoice.activity.quantity)
    custom = invoice.custom_factor[0] if invoice.custom_factor else None
    if custom is not None and custom.renewable_percentage:
        ledger.notice(
            f"custom factor '{custom.name}': {custom.renewable_percentage:g}% is covered by certificates"
        )
        return custom.renewable_percentage / 100
    return 0.0


def _same_market(supplier_country: str, facility_country: str) -> bool:
    return supplier_country == facility_country or {supplier_country, facility_country} <= EECS_MARKET


def _record_certificates(
    factor_id: str, source: str, region: str, version: str, invoice: CheckedActivity, ledger: Ledger
) -> None:
    ledger.record(
        FactorUsed(
            id=factor_id,
            source=source,
            year=invoice.activity.start_date.year,
            region=region,
            value=0.0,
            unit="kg CO2e/kWh",
            method="market_based",
            dataset_version=version,
            basis="certificate",
        )
    )


def _residual_rate(invoice: CheckedActivity, grid: _Grid, ledger: Ledger) -> float:
    """The market-based rate of a year's uncovered kWh: residual mix, total supplier mix, grid."""
    series = factors.residual_mix(invoice.country)
    found = series.nearest(grid.year)
    if found is not None and found.value is not None:
        ledger.notice(series.fallback_notice(found, grid.year))
        return ledger.use(found, "market_based")
    mix = factors.supplier_mix(invoice.country)
    total = mix.nearest(grid.year)
    if found is not None and total is not None:
        ledger.notice(
            f"AIB prints no {found.year} residual mix for {invoice.country} (full disclosure): its total "
            f"supplier mix of {total.year} is used"
        )
        return ledger.use(total, "market_based")
    why = f"no residual mix for {invoice.country} in {grid.year}"
    if found is not None:
        why = f"AIB publishes no {found.year} residual mix for {invoice.country} (full disclosure)"
    ledger.notice(f"{why}: market-based Scope 2 uses the location-based rate")
    ledger.record(grid.rate.used("market_based", "location_based"))
    return grid.rate.value or 0.0
