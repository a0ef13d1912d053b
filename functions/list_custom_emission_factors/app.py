"""GET /v1/custom-emission-factors: the organization's own emission factors."""

from carbon_accounting import custom_factors
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.models import CustomEmissionFactor

app = create_app()


@app.get("/v1/custom-emission-factors", responses=responses(200), tags=["Emission factors"])
def list_custom_emission_factors(caller: CurrentCaller) -> list[CustomEmissionFactor]:
    return custom_factors.list_custom_emission_factors(caller)


lambda_handler = serve(app)
