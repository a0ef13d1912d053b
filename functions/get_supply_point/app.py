"""GET /v1/facilities/{facility_id}/supply-points/{supply_point_id}: one supply point of a facility."""

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.supply import points
from carbon_accounting.supply.models import SupplyPoint

app = create_app()


@app.get(
    "/v1/facilities/<facility_id>/supply-points/<supply_point_id>",
    responses=responses(200, 404),
    tags=["Supply points"],
)
def get_supply_point(
    facility_id: UUID, supply_point_id: UUID, caller: CurrentCaller
) -> Response[SupplyPoint]:
    return versioned(points.get_supply_point(caller, facility_id, supply_point_id))


lambda_handler = serve(app)
