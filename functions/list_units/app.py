"""GET /api/v1/units: the units catalogue (stable ids), optionally of one type."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting import emissions
from carbon_accounting.api import CurrentCaller, create_app, responses, serve

app = create_app()


@app.get("/api/v1/units", responses=responses(200), tags=["Catalogues"])
def list_units(
    caller: CurrentCaller,
    type: Annotated[emissions.UnitType | None, Query(description="energy, volume or mass")] = None,
) -> list[emissions.Unit]:
    return emissions.units(type)


lambda_handler = serve(app)
