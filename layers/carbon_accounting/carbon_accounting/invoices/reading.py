"""Reading one invoice. Apart from ``lifecycle`` (the writes), so that GetInvoiceFunction does not
import the write paths' checks, allocation and catalogues at its cold start."""

from __future__ import annotations

from uuid import UUID

from carbon_accounting import repository
from carbon_accounting.errors import InvoiceNotFound
from carbon_accounting.invoices.models import Invoice, parse_invoice
from carbon_accounting.models import Caller


def get_invoice(caller: Caller, invoice_id: UUID) -> Invoice:
    """An invoice of the caller's organization; another organization's id is as unknown as a wrong one."""
    item = repository.get_invoice(caller.organization_id, invoice_id)
    if item is None:
        raise InvoiceNotFound()
    return parse_invoice(item)
