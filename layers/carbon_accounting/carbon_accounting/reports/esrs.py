"""The inventory's figures as the datapoints of ESRS E1 (Commission Delegated Regulation (EU)
2023/2772, Annex I) they answer: E1-6, gross Scopes 1, 2 and 3 and total GHG emissions (paragraphs
44-52), and E1-5, energy consumption and mix (paragraph 37). In tonnes of CO2e and MWh, as ESRS asks.

A datapoint the data cannot say (the nuclear share of bought electricity: the factors hold no
generation mix) is given with no value rather than a guess.
"""

from __future__ import annotations

from carbon_accounting.reports.models import (
    Datapoint,
    Energy,
    InventoryTotals,
    ScopeOne,
    ScopeThree,
    ScopeTwo,
)

TONNES = "t CO2e"


def _tonnes(kilograms: float) -> float:
    return kilograms / 1000


def e1_6(
    scope_1: ScopeOne, scope_2: ScopeTwo, scope_3: ScopeThree, totals: InventoryTotals
) -> list[Datapoint]:
    """Gross GHG emissions: ESRS E1-6, paragraphs 44, 48, 49, 51 and 52, and AR 43 (c)."""

    def point(paragraph: str, datapoint: str, kilograms: float) -> Datapoint:
        return Datapoint(
            requirement="E1-6",
            paragraph=paragraph,
            datapoint=datapoint,
            value=_tonnes(kilograms),
            unit=TONNES,
        )

    return [
        point("44 (a), 48 (a)", "Gross Scope 1 GHG emissions", scope_1.co2e),
        point("44 (b), 49 (a)", "Gross location-based Scope 2 GHG emissions", scope_2.location_based),
        point("44 (b), 49 (b)", "Gross market-based Scope 2 GHG emissions", scope_2.market_based),
        point("44 (c), 51", "Gross Scope 3 GHG emissions", scope_3.co2e),
        *(
            point("51", f"Scope 3 category {category.category}: {category.name}", category.co2e)
            for category in scope_3.categories
        ),
        point("44 (d), 52 (a)", "Total GHG emissions (location-based)", totals.location_based),
        point("44 (d), 52 (b)", "Total GHG emissions (market-based)", totals.market_based),
        point("AR 43 (c)", "Biogenic CO2 emissions, outside of the scopes", totals.co2e_biomass),
    ]


def e1_5(energy: Energy) -> list[Datapoint]:
    """Energy consumption and mix: ESRS E1-5, paragraph 37."""

    def point(paragraph: str, datapoint: str, mwh: float | None) -> Datapoint:
        return Datapoint(requirement="E1-5", paragraph=paragraph, datapoint=datapoint, value=mwh, unit="MWh")

    renewable_fuels = sum(line.mwh for line in energy.fuels if line.renewable)
    return [
        point("37", "Total energy consumption related to own operations", energy.total_mwh),
        point("37 (a)", "Energy consumption from fossil sources (fuels burned on site)", energy.fossil_mwh),
        point("37 (b)", "Energy consumption from nuclear sources", None),
        point("37 (c)", "Energy consumption from renewable sources", energy.renewable_mwh),
        point("37 (c) i", "Fuel consumption from renewable sources (bioenergy)", renewable_fuels),
        point(
            "37 (c) ii",
            "Purchased electricity from renewable sources (covered by certificates)",
            energy.renewable_mwh - renewable_fuels,
        ),
        point(
            "37 (a)-(c)",
            "Purchased energy not attributed to a source (no certificates; no generation mix in the data)",
            energy.unattributed_mwh,
        ),
    ]
