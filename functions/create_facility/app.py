"""POST /v1/facilities: register a facility for the caller's organization."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from carbon_accounting import examples, facilities
from carbon_accounting.api import (
    CurrentCaller,
    IdempotencyKey,
    create_app,
    metrics,
    responses,
    serve,
    versioned,
)
from carbon_accounting.models import Facility, FacilityCreate

app = create_app()
NewFacility = Annotated[
    FacilityCreate,
    Body(
        openapi_examples=examples.openapi_examples(plant=("A plant with one supply point", examples.FACILITY))
    ),
]


@app.post(
    "/v1/facilities", status_code=201, responses=responses(201, 400, idempotent=True), tags=["Facilities"]
)
def create_facility(
    body: NewFacility, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> Response[Facility]:
    facility = facilities.create_facility(caller, body)
    metrics.add_metric(name="FacilityCreated", unit=MetricUnit.Count, value=1)
    return versioned(facility, 201, headers={"Location": f"/v1/facilities/{facility.id}"})


lambda_handler = serve(app, idempotent=True)
