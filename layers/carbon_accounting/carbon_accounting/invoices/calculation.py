"""The stream-triggered calculation: ``loading`` invoices get their figures, then ``active`` or ``error``.

``on_change`` receives each changed invoice item (old and new image) from the table's stream:

- a ``loading`` invoice with a facility (single, or a distributed child) is computed by the
  emissions engine and settled with a write conditional on the version it was computed from, so a
  stale or repeated record never overwrites newer figures, and the calculator's own write (no longer
  ``loading``) does not trigger it again;
- a distributed child that has just settled makes its parent check its children: once none is
  ``loading``, the parent takes their totals. Its stream record comes after its own write, so the
  last child to settle always sees every sibling settled;
- a deleted invoice's history is deleted.

Settling records the data release and years bucket of the figures (what the scheduled recalculation
finds stale invoices by, ``emissions.releases``), keeps a history entry when the figures changed (or
are the first), and counts the invoice in the recalculation job that queued it, all in one write.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from aws_lambda_powertools import Logger

from carbon_accounting import clock, emissions, repository
from carbon_accounting.emissions import releases
from carbon_accounting.models import CustomEmissionFactor, HistoryReason, InvoiceStatus
from carbon_accounting.repository.records import (
    Decoded,
    FactorRecord,
    HistoryRecord,
    InvoiceRecord,
    ScopePartRecord,
    YearRecord,
)
from carbon_accounting.supply import quality

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


# What a history entry keeps; a calculation that changes none of them adds no entry.
_FIGURES = (
    "co2e",
    "co2e_location_based",
    "emissions_by_scope",
    "emission_factors",
    "dataset_version",
    "methodology_version",
)
# Marks of a pending calculation, removed once it has settled.
_PENDING: InvoiceRecord = {"pending_reason": None, "resume_status": None, "recalculation_job": None}


def on_change(old_image: Decoded | None, new_image: Decoded | None) -> None:
    """React to one stream record of the table (``repository.stream_images``)."""
    if not new_image:
        if old_image and old_image.get("entity") == "invoice":
            deleted = cast(InvoiceRecord, old_image)
            repository.delete_invoice_history(UUID(deleted["organization_id"]), UUID(deleted["id"]))
        return
    if new_image.get("entity") != "invoice":
        return
    new, old = cast(InvoiceRecord, new_image), cast("InvoiceRecord | None", old_image)
    parent = new.get("source_invoice_id")
    if new["status"] == LOADING and new.get("facility_id"):
        _compute(new)
    elif parent and old and old.get("status") == LOADING and new["status"] != LOADING:
        _total_parent(UUID(new["source_organization_id"]), UUID(parent))


def _activity(invoice: InvoiceRecord) -> emissions.Activity:
    def uuid_or_none(value: str | None) -> UUID | None:
        return UUID(value) if value else None

    quantity = float(invoice["quantity"])
    certified = None
    certified_sent = invoice.get("certified_quantity")
    if certified_sent is not None:  # as sent, of the whole invoice: its share of it
        sent = float(invoice.get("original_quantity") or invoice["base_quantity"])
        certified = min(quantity, quantity * float(certified_sent) / sent)
    return emissions.Activity(
        type=emissions.InvoiceType(str(invoice["type"])),
        quantity=quantity,
        unit_id=UUID(invoice["unit_id"]),
        start_date=date.fromisoformat(invoice["start_date"]),
        end_date=date.fromisoformat(invoice["end_date"]),
        country=invoice["country"],
        facility_fuel_id=uuid_or_none(invoice.get("facility_fuel_id")),
        supplier_id=uuid_or_none(invoice.get("supplier_id")),
        custom_factor=_custom_factor(invoice),
        subdivision=invoice.get("subdivision"),
        postal_code=invoice.get("postal_code"),
        certified_quantity=certified,
        calorific_basis=invoice.get("calorific_basis"),
    )


def _custom_factor(invoice: InvoiceRecord) -> emissions.CustomFactor | None:
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


UNCALCULABLE = (
    "This invoice could not be calculated because of an error on our side, which has been logged: "
    "edit it or request its recalculation to try again"
)


def _compute(invoice: InvoiceRecord) -> None:
    try:
        changes = _figures(invoice)
    except Exception:
        # A bug of ours, or stored data the engine cannot read: pure code, which a retry would only
        # repeat. The invoice ends in error saying what to do, never loading for good.
        logger.exception("Invoice could not be calculated", extra={"invoice": invoice.get("id")})
        changes = _failed([UNCALCULABLE])
    changes["quality_flags"] = quality.flags(invoice)  # a read that fails is retried with the record
    if not _settle(invoice, changes):
        logger.info("Invoice changed since this record; skipped", extra={"invoice": invoice["id"]})


def _figures(invoice: InvoiceRecord) -> InvoiceRecord:
    """What the engine makes of an invoice: its figures, or ``error`` with what the user must fix."""
    try:
        result = emissions.calculate(_activity(invoice))
    except emissions.CalculationError as error:
        changes = _failed(error.messages)
    else:
        totals = cast(InvoiceRecord, {name: getattr(result, name) for name in _TOTALS})
        factors = [cast(FactorRecord, dataclasses.asdict(factor)) for factor in result.emission_factors]
        changes = totals | _succeeded(invoice, result.scope, factors)
        changes |= stored_parts(result)
        changes["notices"] = list(result.notices)
        changes["certified_share"] = result.certified_share
    years = releases.bucket(
        date.fromisoformat(invoice["start_date"]), date.fromisoformat(invoice["end_date"])
    )
    return changes | {"data_release": releases.current_release(), "data_years": years}


def stored_parts(result: emissions.Emissions) -> InvoiceRecord:
    """An engine result's parts as an invoice keeps them: by scope, and by year (each with its own)."""
    by_year = [
        dataclasses.asdict(year) | {"by_scope": [dataclasses.asdict(part) for part in year.by_scope]}
        for year in result.by_year
    ]
    return {
        "emissions_by_scope": [cast(ScopePartRecord, dataclasses.asdict(part)) for part in result.by_scope],
        "emissions_by_year": cast(list[YearRecord], by_year),
    }


def _succeeded(invoice: InvoiceRecord, scope: int, factors: list[FactorRecord]) -> InvoiceRecord:
    return {
        "status": invoice.get("resume_status") or str(InvoiceStatus.ACTIVE),
        "scope": scope,
        "emission_factors": factors,
        "dataset_version": "+".join(sorted({factor["dataset_version"] for factor in factors})),
        "methodology_version": releases.methodology_version(),
        "error_messages": [],
    }


def _failed(messages: list[str]) -> InvoiceRecord:
    cleared = (
        *_TOTALS,
        "dataset_version",
        "emissions_by_scope",
        "emissions_by_year",
        "methodology_version",
        "certified_share",
    )
    return cast(InvoiceRecord, dict.fromkeys(cleared)) | {
        "status": str(InvoiceStatus.ERROR),
        "error_messages": messages,
        "emission_factors": [],
        "notices": [],
    }


def _settle(invoice: InvoiceRecord, changes: InvoiceRecord) -> bool:
    """Write the figures, with a history entry if they changed and the job's count, if still current."""
    now = clock.now()
    reason = invoice.get("pending_reason") or str(HistoryReason.CREATED)
    before, after = cast(Mapping[str, Any], invoice), cast(Mapping[str, Any], changes)
    changed = any(_plain(before.get(name)) != _plain(after.get(name)) for name in _FIGURES)
    history: HistoryRecord | None = None
    if changed or reason == HistoryReason.CREATED:
        figures = cast(HistoryRecord, {name: after.get(name) for name in _FIGURES})
        history = {"at": now, "reason": reason, "status": changes["status"], **figures}
    counts = None
    if invoice.get("recalculation_job"):
        failed = changes["status"] == InvoiceStatus.ERROR
        counts = {"calculated": 1, "changed": int(changed), "failed": int(failed)}
        # Kept: a retried page of the job counts this invoice as sent instead of sending it again.
        changes = changes | {"recalculated_by": invoice["recalculation_job"]}
    return repository.settle_invoice(invoice, changes | _PENDING, now, history, counts)


def _plain(value: Any) -> Any:
    """A stored value comparable with a computed one (DynamoDB gives numbers as Decimal)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


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
        changes = _failed(
            [
                f"Facility {child['facility_id']}: {message}"
                for child in failed
                for message in child["error_messages"]
            ]
        )
    else:
        factors = _distinct(_plain(factor) for child in children for factor in child["emission_factors"])
        stored = [cast(Mapping[str, Any], child) for child in children]
        totals = {name: math.fsum(float(child[name]) for child in stored) for name in _TOTALS}
        changes = cast(InvoiceRecord, totals)
        changes["emissions_by_scope"] = parts = _sum_parts(children)
        # The parent's totals are its parts' sums, as a single invoice's are (to the last digit).
        changes["co2e"] = math.fsum(part["co2e"] for part in parts)
        changes["co2e_location_based"] = math.fsum(part["co2e_location_based"] for part in parts)
        changes |= _succeeded(parent, int(children[0]["scope"]), factors)
        changes["notices"] = _distinct(notice for child in children for notice in child["notices"])
    # Its own reading's flag, and each kind its shares were flagged with, saying whose.
    flags = {flag["kind"]: flag for flag in quality.estimated(parent.get("reading"))}
    for child in children:
        for flag in child.get("quality_flags") or []:
            flags.setdefault(
                flag["kind"],
                {"kind": flag["kind"], "detail": f"Facility {child['facility_id']}: {flag['detail']}"},
            )
    changes["quality_flags"] = list(flags.values())
    # The children were computed at the release of the oldest of them, for the parent's period (a
    # child that could not be calculated at all has none).
    if all(child.get("data_release") is not None for child in children):
        changes |= {
            "data_release": min(int(child["data_release"]) for child in children),
            "data_years": children[0]["data_years"],
        }
    _settle(parent, changes)


def _sum_parts(children: list[InvoiceRecord]) -> list[ScopePartRecord]:
    """The children's emissions_by_scope, part by part (scope and category)."""
    parts = emissions.sum_by_scope(
        (
            int(part["scope"]),
            None if (category := part.get("category")) is None else int(category),
            float(part["co2e"]),
            float(part["co2e_location_based"]),
        )
        for child in children
        for part in child.get("emissions_by_scope") or []
    )
    return [cast(ScopePartRecord, dataclasses.asdict(part)) for part in parts]


def _distinct(values: Any) -> list[Any]:
    distinct: list[Any] = []
    for value in values:
        if value not in distinct:
            distinct.append(value)
    return distinct
