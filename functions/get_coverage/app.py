"""GET /v1/coverage: is every supply point billed every day of a window, and once?"""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.models import IsoDate
from carbon_accounting.supply import coverage
from carbon_accounting.supply.models import Coverage, SupplyType

app = create_app()


@app.get("/v1/coverage", responses=responses(200), tags=["Supply points"])
def get_coverage(
    caller: CurrentCaller,
    start_date: Annotated[IsoDate, Query(description="The window's first day")],
    end_date: Annotated[IsoDate, Query(description="Its last day (at most 60 months after)")],
    facility_id: Annotated[list[UUID] | None, Query(alias="facility_id[]")] = None,
    type: Annotated[list[SupplyType] | None, Query(alias="type[]")] = None,
) -> Coverage:
    return coverage.coverage(caller, start_date, end_date, facility_id, list(type or ()))


lambda_handler = serve(app)
