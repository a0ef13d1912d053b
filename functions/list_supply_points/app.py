"""GET /v1/facilities/{facility_id}/supply-points: a facility's supply points, registered, listed in
its cups_list or named by its invoices."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.models import Page
from carbon_accounting.supply import points
from carbon_accounting.supply.models import SupplyPoint, SupplyPointStatus, SupplyType

app = create_app()


@app.get("/v1/facilities/<facility_id>/supply-points", responses=responses(200, 404), tags=["Supply points"])
def list_supply_points(
    facility_id: UUID,
    caller: CurrentCaller,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 50,
    type: Annotated[list[SupplyType] | None, Query(alias="type[]")] = None,
    status: Annotated[list[SupplyPointStatus] | None, Query(alias="status[]")] = None,
) -> Page[SupplyPoint]:
    return points.list_supply_points(caller, facility_id, page, size, list(type or ()), status)


lambda_handler = serve(app)
