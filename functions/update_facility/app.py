"""PATCH /v1/facilities/{facility_id}: rename, move, archive or restore a facility."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples, facilities
from carbon_accounting.api import CurrentCaller, IfMatch, create_app, responses, serve, versioned
from carbon_accounting.models import Facility, FacilityUpdate

app = create_app()
Changes = Annotated[
    FacilityUpdate,
    Body(
        openapi_examples=examples.openapi_examples(
            readme=("Archive it (send If-Match to fail on a stale version)", examples.FACILITY_UPDATE)
        )
    ),
]


@app.patch("/v1/facilities/<facility_id>", responses=responses(200, 404, 412), tags=["Facilities"])
def update_facility(
    facility_id: UUID,
    body: Changes,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> Response[Facility]:
    return versioned(facilities.update_facility(caller, facility_id, body, if_match))


lambda_handler = serve(app)
