"""PUT /v1/emission-factor-policy: latest (follow newer factor versions) or pinned."""

from carbon_accounting import factor_policy
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.factor_policy import FactorPolicySetting, FactorPolicyView

app = create_app()


@app.put("/v1/emission-factor-policy", responses=responses(200), tags=["Emission factors"])
def set_emission_factor_policy(body: FactorPolicySetting, caller: CurrentCaller) -> FactorPolicyView:
    return factor_policy.set_policy(caller, body)


lambda_handler = serve(app)
