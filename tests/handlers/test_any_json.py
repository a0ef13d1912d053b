"""Property: whatever JSON a client puts in any field of an invoice or facility body, the API answers
2xx or a 4xx with ``{detail, code}``, never a 5xx, and anything it answered 2xx reads back."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.handlers.conftest import invoke
from tests.handlers.test_invoices import ACME_HEADERS, distributed_heat, electricity

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**45), max_value=10**45)
    | st.floats()  # NaN and infinities too: sent as JSON's non-standard tokens
    | st.sampled_from([1e38, 1e126, 5e-324, 1e-131, 0.0, -0.0, 1e12, 1e-6])
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)
FACILITY = {"name": "Valencia Plant", "country": "ES", "type": "plant", "cups_list": ["ES1234123456789012JY"]}
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def mutated(valid: dict, draw_field: str, value, mode: str) -> dict:
    body = dict(valid)
    if mode == "drop":
        body.pop(draw_field, None)
    else:
        body[draw_field] = value
    return body


def check(answer, read_back):
    assert answer.status < 500, answer.body
    if answer.status >= 400:
        assert set(answer.body) == {"detail", "code"}, answer.body
    else:
        assert read_back(answer.body).status == 200


def bodies(valid: dict):
    fields = st.sampled_from([*valid, "unknown_field", "facility_id"])
    return st.tuples(fields, JSON, st.sampled_from(["set", "set", "drop"])).map(
        lambda drawn: mutated(valid, *drawn)
    )


@SETTINGS
@given(body=bodies(electricity()) | bodies(distributed_heat()))
def test_any_json_in_an_invoice_field_is_2xx_or_a_clean_4xx(tenants, body):
    answer = invoke("create_invoice", ACME_HEADERS, raw_body=json.dumps(body))

    check(answer, lambda invoice: invoke("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}))


@SETTINGS
@given(body=bodies(FACILITY), update=bodies({"name": "Valencia", "status": "archived", "address": "Calle 1"}))
def test_any_json_in_a_facility_field_is_2xx_or_a_clean_4xx(tenants, body, update):
    created = invoke("create_facility", ACME_HEADERS, raw_body=json.dumps(body))
    check(
        created, lambda facility: invoke("get_facility", ACME_HEADERS, path={"facility_id": facility["id"]})
    )

    if created.status == 201:
        path = {"facility_id": created.body["id"]}
        updated = invoke("update_facility", ACME_HEADERS, path=path, raw_body=json.dumps(update))
        check(updated, lambda _: invoke("get_facility", ACME_HEADERS, path=path))


@SETTINGS
@given(value=JSON, field=st.sampled_from(["percentage", "organization_id", "facility_id", "company_name"]))
def test_any_json_in_a_facility_share_is_2xx_or_a_clean_4xx(tenants, value, field):
    body = electricity()
    body["facility_percentages"] = [dict(body["facility_percentages"][0], **{field: value})]

    answer = invoke("create_invoice", ACME_HEADERS, raw_body=json.dumps(body))

    check(answer, lambda invoice: invoke("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}))


OTHER_BODIES = {
    "create_custom_emission_factor": {
        "name": "Kiln",
        "unit_id": "336ebb52-69f2-533e-aca6-497a2c698409",
        "factor": 0.5,
        "valid_from": "2024-01-01",
        "valid_to": "2024-12-31",
        "renewable_percentage": 20,
    },
    "create_bulk_import": {"file_name": "invoices.csv"},
    "request_recalculation": {"type": ["electricity"], "start_date": "2024-01-01", "end_date": "2024-12-31"},
    "set_emission_factor_policy": {"policy": "pinned"},
}
READ_BACK = {
    "create_custom_emission_factor": lambda _: invoke("list_custom_emission_factors", ACME_HEADERS),
    "create_bulk_import": lambda job: invoke("get_bulk_import", ACME_HEADERS, path={"job_id": job["job_id"]}),
    "request_recalculation": lambda job: invoke(
        "get_recalculation", ACME_HEADERS, path={"job_id": job["job_id"]}
    ),
    "set_emission_factor_policy": lambda _: invoke("get_emission_factor_policy", ACME_HEADERS),
}


@SETTINGS
@given(
    call=st.sampled_from(sorted(OTHER_BODIES)).flatmap(
        lambda function: st.tuples(st.just(function), bodies(OTHER_BODIES[function]))
    )
)
def test_any_json_in_the_other_bodies_is_2xx_or_a_clean_4xx(tenants, call):
    function, body = call

    answer = invoke(function, ACME_HEADERS, raw_body=json.dumps(body))

    check(answer, READ_BACK[function])


@SETTINGS
@given(
    files=st.lists(bodies({"name": "bill.pdf", "mime_type": "application/pdf", "size_kb": 240}), max_size=3)
)
def test_any_json_in_a_file_announcement_is_2xx_or_a_clean_4xx(tenants, files):
    answer = invoke("create_presigned_urls", ACME_HEADERS, raw_body=json.dumps(files))

    check(answer, lambda created: invoke("get_file", ACME_HEADERS, path={"file_id": created[0]["id"]}))
