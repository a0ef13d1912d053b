"""An invoice's audit trail: its figures after each calculation that changed them.

The calculator writes an entry when it settles an invoice whose figures (``co2e``,
``co2e_location_based``, ``emissions_by_scope``, the emission factors, their dataset versions and the
methodology version) differ from the previous ones, and always for the first calculation; edits and
recalculations never rewrite an entry. A
deleted invoice's entries are deleted with it (the calculator, on the table's stream).
"""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from carbon_accounting import repository
from carbon_accounting.base import Model
from carbon_accounting.emissions import FactorUsed
from carbon_accounting.errors import InvoiceNotFound
from carbon_accounting.models import Caller, HistoryReason, InvoiceStatus, ScopeEmissions


class HistoryEntry(Model):
    """An invoice's figures after one calculation: ``GET /v3/invoices/{invoice_id}/history``."""

    at: datetime
    reason: HistoryReason
    status: InvoiceStatus
    co2e: float | None = None
    co2e_location_based: float | None = None
    emissions_by_scope: list[ScopeEmissions] | None = None
    emission_factors: list[FactorUsed] = Field(default_factory=list)
    dataset_version: str | None = None
    methodology_version: str | None = None


def invoice_history(caller: Caller, invoice_id: UUID) -> list[HistoryEntry]:
    """The history of an invoice of the caller's organization, oldest first."""
    if repository.get_invoice(caller.organization_id, invoice_id) is None:
        raise InvoiceNotFound()
    return [
        HistoryEntry.model_validate(entry)
        for entry in repository.invoice_history(caller.organization_id, invoice_id)
    ]
