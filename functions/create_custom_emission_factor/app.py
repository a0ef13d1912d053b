"""POST /v1/custom-emission-factors: an organization's own emission factor."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import custom_factors, examples
from carbon_accounting.api import CurrentCaller, IdempotencyKey, create_app, responses, serve, versioned
from carbon_accounting.models import CustomEmissionFactor, CustomEmissionFactorCreate

app = create_app()
NewFactor = Annotated[
    CustomEmissionFactorCreate,
    Body(
        openapi_examples=examples.openapi_examples(readme=("A process's own factor", examples.CUSTOM_FACTOR))
    ),
]


@app.post(
    "/v1/custom-emission-factors",
    status_code=201,
    responses=responses(201, idempotent=True),
    tags=["Emission factors"],
)
def create_custom_emission_factor(
    body: NewFactor, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> Response[CustomEmissionFactor]:
    return versioned(custom_factors.create_custom_emission_factor(caller, body), 201)


lambda_handler = serve(app, idempotent=True)
