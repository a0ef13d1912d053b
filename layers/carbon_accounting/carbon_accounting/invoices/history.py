"""An invoice's audit trail: its figures after each calculation that changed them.

The calculator writes an entry when it settles an invoice whose figures (``co2e``,
``co2e_location_based``, the emission factors and their dataset versions) differ from the previous
ones, and always for the first calculation; edits and recalculations never rewrite an entry. A
deleted invoice's entries are deleted with it (the calculator, on the table's stream).
"""

from __future__ import annotations

from uuid import UUID

from carbon_accounting import repository
from carbon_accounting.errors import InvoiceNotFound
from carbon_accounting.invoices.models import HistoryEntry
from carbon_accounting.models import Caller


def invoice_history(caller: Caller, invoice_id: UUID) -> list[HistoryEntry]:
    """The history of an invoice of the caller's organization, oldest first."""
    if repository.get_invoice(caller.organization_id, invoice_id) is None:
        raise InvoiceNotFound()
    return [
        HistoryEntry.model_validate(entry)
        for entry in repository.invoice_history(caller.organization_id, invoice_id)
    ]
