"""GET /v1/facilities: the caller's organization's facilities, filtered and paginated."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from carbon_accounting import facilities
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.models import CountryCode, Facility, FacilityStatus, Page

app = create_app()


@app.get("/v1/facilities", responses=responses(200), tags=["Facilities"])
def list_facilities(
    caller: CurrentCaller,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
    status: Annotated[list[FacilityStatus] | None, Query(alias="status[]")] = None,
    country: Annotated[CountryCode | None, Query()] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=200, description="Name contains")] = None,
) -> Page[Facility]:
    return facilities.list_facilities(caller, page, size, status, country, name)


lambda_handler = serve(app)
