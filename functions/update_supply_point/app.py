"""PATCH /v1/facilities/{facility_id}/supply-points/{supply_point_id}: rename or close a supply point."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples
from carbon_accounting.api import CurrentCaller, IfMatch, create_app, responses, serve, versioned
from carbon_accounting.supply import points
from carbon_accounting.supply.models import SupplyPoint, SupplyPointUpdate

app = create_app()
Changes = Annotated[
    SupplyPointUpdate,
    Body(
        openapi_examples=examples.openapi_examples(
            readme=("Name Madrid's CUPS (registers it; If-Match optional)", examples.SUPPLY_POINT_UPDATE)
        )
    ),
]


@app.patch(
    "/v1/facilities/<facility_id>/supply-points/<supply_point_id>",
    responses=responses(200, 404, 412),
    tags=["Supply points"],
)
def update_supply_point(
    facility_id: UUID,
    supply_point_id: UUID,
    body: Changes,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> Response[SupplyPoint]:
    return versioned(points.update_supply_point(caller, facility_id, supply_point_id, body, if_match))


lambda_handler = serve(app)
