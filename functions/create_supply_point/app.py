"""POST /v1/facilities/{facility_id}/supply-points: register a supply point (a meter) of a facility."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples
from carbon_accounting.api import CurrentCaller, IdempotencyKey, create_app, responses, serve, versioned
from carbon_accounting.supply import points
from carbon_accounting.supply.models import SupplyPoint, SupplyPointCreate

app = create_app()
NewSupplyPoint = Annotated[
    SupplyPointCreate,
    Body(
        openapi_examples=examples.openapi_examples(
            meter=("A British electricity meter", examples.SUPPLY_POINT)
        )
    ),
]


@app.post(
    "/v1/facilities/<facility_id>/supply-points",
    status_code=201,
    responses=responses(201, 404, 409, idempotent=True),
    tags=["Supply points"],
)
def create_supply_point(
    facility_id: UUID, body: NewSupplyPoint, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> Response[SupplyPoint]:
    point = points.create_supply_point(caller, facility_id, body)
    location = f"/v1/facilities/{facility_id}/supply-points/{point.id}"
    return versioned(point, 201, headers={"Location": location})


lambda_handler = serve(app, idempotent=True)
