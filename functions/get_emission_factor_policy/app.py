"""GET /v1/emission-factor-policy: whether the organization's invoices follow newer factor versions."""

from carbon_accounting import factor_policy
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.factor_policy import FactorPolicyView

app = create_app()


@app.get("/v1/emission-factor-policy", responses=responses(200), tags=["Emission factors"])
def get_emission_factor_policy(caller: CurrentCaller) -> FactorPolicyView:
    return factor_policy.get_policy(caller)


lambda_handler = serve(app)
