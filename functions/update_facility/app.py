"""PATCH /v1/facilities/{facility_id}: rename, move, archive or restore a facility."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from carbon_accounting import facilities
from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.models import Facility, FacilityUpdate

app = create_app()


@app.patch("/v1/facilities/<facility_id>", responses=responses(200, 404, 412), tags=["Facilities"])
def update_facility(
    facility_id: UUID,
    body: FacilityUpdate,
    caller: CurrentCaller,
    if_match: Annotated[str | None, Header(alias="if-match", description="The version to update")] = None,
) -> Response[Facility]:
    return versioned(facilities.update_facility(caller, facility_id, body, if_match))


lambda_handler = serve(app)
