"""GET /v1/invoices: the organization's invoices, filtered, sorted, by page or by next_token."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.invoices import listing
from carbon_accounting.models import InvoiceStatus, IsoDate
from carbon_accounting.supply.models import FlagKind

app = create_app()


@app.get("/v1/invoices", responses=responses(200), tags=["Invoices"])
def list_invoices(
    caller: CurrentCaller,
    type: Annotated[list[str] | None, Query(alias="type[]")] = None,
    status: Annotated[list[InvoiceStatus] | None, Query(alias="status[]")] = None,
    facility_id: Annotated[list[UUID] | None, Query(alias="facility_id[]")] = None,
    start_date: Annotated[IsoDate | None, Query(description="Periods ending on or after")] = None,
    end_date: Annotated[IsoDate | None, Query(description="Periods starting on or before")] = None,
    invoice_id: Annotated[str | None, Query(max_length=100, description="Contains, any case")] = None,
    cups: Annotated[list[str] | None, Query(alias="cups[]")] = None,
    supplier_id: Annotated[list[UUID] | None, Query(alias="supplier_id[]")] = None,
    quality_flag: Annotated[
        list[FlagKind] | None, Query(description="Invoices carrying any of these quality flags")
    ] = None,
    sort: Annotated[
        str,
        Query(
            description="The field to sort by; - for descending",
            json_schema_extra={"enum": listing.ORGANIZATION_SORT_VALUES},
        ),
    ] = "-start_date",
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> listing.InvoicePage:
    filters = listing.InvoiceFilters(
        types=tuple(type or ()),
        statuses=tuple(str(value) for value in status or ()),
        facility_ids=tuple(str(value) for value in facility_id or ()),
        start_date=start_date,
        end_date=end_date,
        invoice_id=invoice_id,
        cups=tuple(cups or ()),
        supplier_ids=tuple(str(value) for value in supplier_id or ()),
        quality_flags=tuple(quality_flag or ()),
        sort=sort,
    )
    return listing.list_invoices(caller, filters, page, size, next_token)


lambda_handler = serve(app)
