"""GET /v1/reports/inventory: the GHG inventory of a year or of whole months, as JSON, CSV or XLSX."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.models import IsoDate
from carbon_accounting.reports import files, inventory
from carbon_accounting.reports.models import InventoryReport, ReportFormat

app = create_app()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILES: dict[int, OpenAPIResponse] = {
    200: {
        "description": "The inventory: JSON (format=json), or a file to download (format=csv or xlsx)",
        "content": {
            "application/json": {"model": InventoryReport},
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


# No return annotation: Powertools validates and JSON-serializes an annotated return, which would
# read the XLSX's bytes as text; unannotated, a file is answered as it is (bytes base64-encoded).
@app.get("/v1/reports/inventory", responses=responses(200) | _FILES, tags=["Reports"])
def get_inventory_report(  # type: ignore[no-untyped-def]
    caller: CurrentCaller,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="A calendar year")] = None,
    start_date: Annotated[IsoDate | None, Query(description="Or the first day of a month")] = None,
    end_date: Annotated[
        IsoDate | None, Query(description="and the last day of a month (60 months at most)")
    ] = None,
    facility_id: Annotated[list[UUID] | None, Query(alias="facility_id[]")] = None,
    format: Annotated[ReportFormat, Query(description="json, csv or xlsx")] = ReportFormat.JSON,
):
    start, end = inventory.period_of(year, start_date, end_date)
    report, sources = inventory.inventory(caller, start, end, facility_id)
    if format == ReportFormat.JSON:
        return Response(200, "application/json", report.model_dump_json())
    name = f"inventory-{start.isoformat()}-{end.isoformat()}.{format.value}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == ReportFormat.CSV:
        return Response(200, "text/csv; charset=utf-8", files.as_csv(report), disposition)
    behind = inventory.invoices_behind(sources, start, end, files.MAX_INVOICE_ROWS)
    return Response(200, XLSX, files.as_xlsx(report, behind), disposition)


lambda_handler = serve(app)
