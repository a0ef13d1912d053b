"""local.docs: make dev's /docs page and Swagger UI's assets, from node_modules, nothing else."""

import pytest

from local.docs import docs_site
from local.gateway import HttpRequest


@pytest.mark.parametrize("target", ["/docs", "/docs/", "/docs?x=1"])
def test_the_page_loads_the_served_document_and_local_assets(target):
    page = docs_site(HttpRequest("GET", target))

    assert page is not None and page.status == 200
    text = page.body.decode()
    assert 'url: "/openapi.json"' in text
    assert "https://" not in text, "no CDN: the machines are offline"


def test_assets_come_from_swagger_ui_dist():
    asset = docs_site(HttpRequest("GET", "/docs/swagger-ui-bundle.js"))

    assert asset is not None and asset.header("content-type") == "text/javascript"
    assert b"SwaggerUIBundle" in asset.body


@pytest.mark.parametrize(
    ("method", "target"),
    [("GET", "/docs/../package.json"), ("GET", "/docs/index.html"), ("POST", "/docs"), ("GET", "/docsx")],
)
def test_anything_else_is_left_to_the_api(method, target):
    assert docs_site(HttpRequest(method, target)) is None
