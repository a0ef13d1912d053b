"""GET /v1/emissions/summary: the organization's emissions, grouped for a dashboard."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.emissions import InvoiceType
from carbon_accounting.invoices import summary
from carbon_accounting.models import IsoDate

app = create_app()


@app.get("/v1/emissions/summary", responses=responses(200), tags=["Emissions"])
def emissions_summary(
    caller: CurrentCaller,
    group_by: Annotated[list[summary.GroupBy], Query(description="facility, type, scope and/or month")],
    start_date: Annotated[IsoDate | None, Query()] = None,
    end_date: Annotated[IsoDate | None, Query()] = None,
    facility_id: Annotated[list[UUID] | None, Query(alias="facility_id[]")] = None,
    type: Annotated[list[InvoiceType] | None, Query(alias="type[]")] = None,
) -> summary.EmissionsSummary:
    types = [str(value) for value in type] if type else None
    return summary.summarize(caller, group_by, start_date, end_date, facility_id, types)


lambda_handler = serve(app)
