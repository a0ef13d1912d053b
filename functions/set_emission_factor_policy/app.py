"""PUT /v1/emission-factor-policy: latest (follow newer factor versions) or pinned."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples, factor_policy
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.factor_policy import FactorPolicySetting, FactorPolicyView

app = create_app()
Setting = Annotated[
    FactorPolicySetting,
    Body(
        openapi_examples=examples.openapi_examples(
            readme=("Keep computed figures on their factor versions", examples.FACTOR_POLICY)
        )
    ),
]


@app.put("/v1/emission-factor-policy", responses=responses(200), tags=["Emission factors"])
def set_emission_factor_policy(body: Setting, caller: CurrentCaller) -> FactorPolicyView:
    return factor_policy.set_policy(caller, body)


lambda_handler = serve(app)
