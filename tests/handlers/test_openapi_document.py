"""GET /openapi.json: the committed document, served without credentials."""

import json

from tests.conftest import ROOT


def test_the_document_is_served_to_anyone(api):
    answer = api("get_openapi_document", {})

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.body == json.loads((ROOT / "docs" / "openapi.json").read_text())
