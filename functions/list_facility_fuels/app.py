"""GET /v1/facility-fuels: the fuels a heat invoice can name, with the properties used to convert them."""

from carbon_accounting import emissions
from carbon_accounting.api import CurrentCaller, create_app, responses, serve

app = create_app()


@app.get("/v1/facility-fuels", responses=responses(200), tags=["Catalogues"])
def list_facility_fuels(caller: CurrentCaller) -> list[emissions.Fuel]:
    return emissions.fuels()


lambda_handler = serve(app)
