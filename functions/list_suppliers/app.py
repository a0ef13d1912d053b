"""GET /api/v1/suppliers: electricity suppliers, and whether they sell only certified renewable power."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting import emissions
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.models import CountryCode

app = create_app()


@app.get("/api/v1/suppliers", responses=responses(200), tags=["Catalogues"])
def list_suppliers(
    caller: CurrentCaller, country: Annotated[CountryCode | None, Query()] = None
) -> list[emissions.Supplier]:
    return emissions.suppliers(country)


lambda_handler = serve(app)
