"""The stream-triggered calculation: ``loading`` invoices get their figures, then ``active`` or ``error``.

``on_change`` receives each changed invoice item (old and new image) from the table's stream:

- a ``loading`` invoice with a facility (single, or a distributed child) is computed by the
  emissions engine and settled with a write conditional on the version it was computed from, so a
  stale or repeated record never overwrites newer figures, and the calculator's own write (no longer
  ``loading``) does not trigger it again;
- a distributed child that has just settled makes its parent check its children: once none is
  ``loading``, the parent takes their totals. Its stream record comes after its own write, so the
  last child to settle always sees every sibling settled.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from typing import Any
from uuid import UUID

from aws_lambda_powertools import Logger

from carbon_accounting import clock, emissions, repository
from carbon_accounting.invoices.models import InvoiceStatus
from carbon_accounting.models import CustomEmissionFactor

logger = Logger(child=True)

LOADING = str(InvoiceStatus.LOADING)
_TOTALS = (
    "co2e",
    "co2e_biomass",
    "co2e_location_based",
    "co2e_consumption",
    "co2e_generation",
    "co2e_transmission_and_distribution",
)


def on_change(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
    """React to one stream record of the table (images already deserialized)."""
    if not new or new.get("entity") != "invoice":
        return
    if new["status"] == LOADING and new.get("facility_id"):
        _compute(new)
    elif new.get("source_invoice_id") and old and old.get("status") == LOADING and new["status"] != LOADING:
        _total_parent(UUID(new["source_organization_id"]), UUID(new["source_invoice_id"]))


def _activity(invoice: dict[str, Any]) -> emissions.Activity:
    def uuid_or_none(name: str) -> UUID | None:
        return UUID(invoice[name]) if invoice.get(name) else None

    return emissions.Activity(
        type=emissions.InvoiceType(invoice["type"]),
        quantity=float(invoice["quantity"]),
        unit_id=UUID(invoice["unit_id"]),
        start_date=date.fromisoformat(invoice["start_date"]),
        end_date=date.fromisoformat(invoice["end_date"]),
        country=invoice["country"],
        facility_fuel_id=uuid_or_none("facility_fuel_id"),
        supplier_id=uuid_or_none("supplier_id"),
        custom_factor=_custom_factor(invoice),
    )


def _custom_factor(invoice: dict[str, Any]) -> emissions.CustomFactor | None:
    """The engine's form of the custom factor the invoice was created with (its stored copy)."""
    copy = invoice.get("custom_emission_factor")
    if not copy:
        return None
    factor = CustomEmissionFactor.model_validate(copy)
    return emissions.CustomFactor(
        id=factor.id,
        name=factor.name,
        unit_id=factor.unit_id,
        kgco2e_per_unit=factor.factor,
        valid_from=factor.valid_from,
        valid_to=factor.valid_to,
        renewable_percentage=factor.renewable_percentage,
    )


def _compute(invoice: dict[str, Any]) -> None:
    try:
        result = emissions.calculate(_activity(invoice))
    except emissions.CalculationError as error:
        changes: dict[str, Any] = dict.fromkeys(_TOTALS) | {
            "status": str(InvoiceStatus.ERROR),
            "error_messages": list(error.messages),
            "emission_factors": [],
            "notices": [],
        }
    else:
        changes = {name: getattr(result, name) for name in _TOTALS} | {
            "status": str(InvoiceStatus.ACTIVE),
            "scope": result.scope,
            "emission_factors": [dataclasses.asdict(factor) for factor in result.emission_factors],
            "notices": list(result.notices),
            "error_messages": [],
        }
    settled = repository.settle_invoice(
        UUID(invoice["organization_id"]), UUID(invoice["id"]), int(invoice["version"]), changes, clock.now()
    )
    if not settled:
        logger.info("Invoice changed since this record; skipped", extra={"invoice": invoice["id"]})


def _total_parent(organization_id: UUID, parent_id: UUID) -> None:
    parents = repository.get_invoices([(organization_id, parent_id)])
    if not parents or parents[0]["status"] != LOADING:
        return
    parent = parents[0]
    children = repository.get_invoices((UUID(org), UUID(child)) for org, child in parent["children"])
    if any(child["status"] == LOADING for child in children):
        return
    failed = [child for child in children if child["status"] == str(InvoiceStatus.ERROR)]
    if failed:
        changes: dict[str, Any] = dict.fromkeys(_TOTALS) | {
            "status": str(InvoiceStatus.ERROR),
            "error_messages": [
                f"Facility {child['facility_id']}: {message}"
                for child in failed
                for message in child["error_messages"]
            ],
        }
    else:
        changes = {name: math.fsum(float(child[name]) for child in children) for name in _TOTALS} | {
            "status": str(InvoiceStatus.ACTIVE),
            "scope": children[0]["scope"],
            "emission_factors": _distinct(
                factor for child in children for factor in child["emission_factors"]
            ),
            "notices": _distinct(notice for child in children for notice in child["notices"]),
            "error_messages": [],
        }
    repository.settle_invoice(organization_id, parent_id, int(parent["version"]), changes, clock.now())


def _distinct(values: Any) -> list[Any]:
    distinct: list[Any] = []
    for value in values:
        if value not in distinct:
            distinct.append(value)
    return distinct
