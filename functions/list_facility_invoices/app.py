"""GET /api/v1/invoices/casted/facility/{facility_id}: a facility's invoices, filtered, sorted, paginated."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.invoices import listing

app = create_app()
EARLIEST, LATEST = listing.EARLIEST_TIMESTAMP, listing.LATEST_TIMESTAMP
OVERLAPS = "Unix timestamp (seconds, UTC): invoices whose period overlaps"


@app.get("/api/v1/invoices/casted/facility/<facility_id>", responses=responses(200, 404), tags=["Invoices"])
def list_facility_invoices(
    facility_id: UUID,
    caller: CurrentCaller,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 50,
    invoice_id: Annotated[str | None, Query(max_length=100, description="Exact external reference")] = None,
    start_date: Annotated[int | None, Query(ge=EARLIEST, le=LATEST, description=OVERLAPS)] = None,
    end_date: Annotated[int | None, Query(ge=EARLIEST, le=LATEST, description=OVERLAPS)] = None,
    filters: Annotated[
        str | None,
        Query(
            description="Comma-separated invoice types",
            json_schema_extra={"pattern": listing.FILTERS_PATTERN},
        ),
    ] = None,
    filter_by: Annotated[
        str | None,
        Query(
            description="field:value, e.g. status:active",
            json_schema_extra={"pattern": listing.FILTER_BY_PATTERN},
        ),
    ] = None,
    sort_by: Annotated[
        str | None,
        Query(
            description="field:asc|desc (default start_date:desc)",
            json_schema_extra={"pattern": listing.SORT_BY_PATTERN},
        ),
    ] = None,
) -> listing.FacilityInvoicePage:
    return listing.list_facility_invoices(
        caller,
        facility_id,
        page=page,
        size=size,
        invoice_id=invoice_id,
        start_date=start_date,
        end_date=end_date,
        filters=filters,
        filter_by=filter_by,
        sort_by=sort_by,
    )


lambda_handler = serve(app)
