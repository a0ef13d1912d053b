"""POST /v1/custom-emission-factors: an organization's own emission factor."""

from aws_lambda_powertools.event_handler import Response

from carbon_accounting import custom_factors
from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.models import CustomEmissionFactor, CustomEmissionFactorCreate

app = create_app()


@app.post("/v1/custom-emission-factors", status_code=201, responses=responses(201), tags=["Emission factors"])
def create_custom_emission_factor(
    body: CustomEmissionFactorCreate, caller: CurrentCaller
) -> Response[CustomEmissionFactor]:
    return versioned(custom_factors.create_custom_emission_factor(caller, body), 201)


lambda_handler = serve(app)
