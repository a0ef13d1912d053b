"""PUT /v1/coverage/settings: after how many months unbilled coverage calls a supply point stale."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.supply import coverage
from carbon_accounting.supply.models import CoverageSettings, CoverageSettingsView

app = create_app()
Settings = Annotated[
    CoverageSettings,
    Body(
        openapi_examples=examples.openapi_examples(
            readme=("Stale after two months without a bill", examples.COVERAGE_SETTINGS)
        )
    ),
]


@app.put("/v1/coverage/settings", responses=responses(200), tags=["Supply points"])
def set_coverage_settings(body: Settings, caller: CurrentCaller) -> CoverageSettingsView:
    return coverage.set_settings(caller, body)


lambda_handler = serve(app)
