"""GET /v1/facilities/{facility_id}: one facility of the caller's organization."""

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from carbon_accounting import facilities
from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.models import Facility

app = create_app()


@app.get("/v1/facilities/<facility_id>", responses=responses(200, 404), tags=["Facilities"])
def get_facility(facility_id: UUID, caller: CurrentCaller) -> Response[Facility]:
    return versioned(facilities.get_facility(caller, facility_id))


lambda_handler = serve(app)
