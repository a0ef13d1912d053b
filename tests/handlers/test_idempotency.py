"""Idempotency-Key on every route that creates, in-process over moto: a retry answers the first
response and creates nothing, whatever failed in between."""

import json
import time

import pytest

from carbon_accounting import repository
from carbon_accounting.settings import get_settings
from local.template import load_stack
from tests.conftest import ROOT
from tests.faults import Fault
from tests.functions import LambdaContext
from tests.handlers.conftest import invoke
from tests.handlers.test_invoices import distributed_heat, electricity, stored_invoices
from tests.tenants import ACME, ACME_KEY, ACME_MADRID, GLOBEX, GLOBEX_BERLIN, GLOBEX_KEY, api_key_headers

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
GLOBEX_HEADERS = api_key_headers(GLOBEX_KEY, GLOBEX)
# Every function that creates, with the body it is sent (None: its sample event's, in events/).
CREATES = {
    "create_invoice": electricity(),
    "create_facility": None,
    "create_custom_emission_factor": None,
    "create_presigned_urls": None,
    "create_bulk_import": None,
    "create_invoice_document": None,
    "request_recalculation": None,
    "create_supply_point": {"type": "water", "identifier": "W-1", "identifier_kind": "meter"},
}
PATHS = {"create_supply_point": {"facility_id": str(ACME_MADRID)}}
# A create of what has a natural key: the same one again, without a key, is 409 (a meter is registered once).
NATURAL_KEYS = {"create_supply_point": "SUPPLY_POINT_EXISTS"}


def keyed(key, headers=ACME_HEADERS):
    return headers | {"idempotency-key": key}


def partition(organization):
    """Every item in an organization's partition but the idempotency records (a test-only read)."""
    answer = repository.client().query(
        TableName=get_settings().table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ORG#{organization}"}},
    )
    return sorted(
        item["sk"]["S"] for item in answer["Items"] if not item["sk"]["S"].startswith("IDEMPOTENCY#")
    )


def test_every_post_route_that_creates_is_idempotent():
    # Given the template's POST routes, When their functions are listed, Then each is one of CREATES
    # (a new create must be added there, and so to every test below).
    stack = load_stack(ROOT / "template.yaml")
    posted = {
        stack.functions[route.function_id].code_uri.name for route in stack.routes if route.method == "POST"
    }
    assert posted == set(CREATES)


@pytest.mark.parametrize("function", CREATES)
def test_a_retry_with_the_same_key_answers_the_first_response_and_creates_nothing(api, function):
    # Given a create that succeeded with a key
    before = partition(ACME)
    first = invoke(function, keyed("retry-1"), body=CREATES[function], path=PATHS.get(function))
    assert 200 <= first.status < 300, first.body
    created = partition(ACME)
    assert len(created) > len(before)

    # When it is sent again, with the same key and body
    retry = invoke(function, keyed("retry-1"), body=CREATES[function], path=PATHS.get(function))

    # Then it answers the first response, says so, and nothing more was written
    assert retry.status == first.status
    assert retry.body == first.body
    for header in ("Location", "ETag"):
        assert retry.headers.get(header) == first.headers.get(header)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert partition(ACME) == created


@pytest.mark.parametrize("function", CREATES)
def test_without_a_key_every_request_creates(api, function):
    before = len(partition(ACME))
    invoke(function, ACME_HEADERS, body=CREATES[function], path=PATHS.get(function))
    once = len(partition(ACME))

    again = invoke(function, ACME_HEADERS, body=CREATES[function], path=PATHS.get(function))

    if function in NATURAL_KEYS:
        assert (again.status, again.body["code"], len(partition(ACME))) == (409, NATURAL_KEYS[function], once)
    else:
        assert len(partition(ACME)) - once == once - before > 0


def test_the_same_key_with_another_body_is_422_and_creates_nothing(api):
    invoke("create_invoice", keyed("reused"), body=electricity())

    answer = invoke("create_invoice", keyed("reused"), body=electricity(base_quantity=3))

    assert answer.status == 422
    assert answer.body["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert answer.body["detail"][0]["loc"] == ["header", "idempotency-key"]
    assert len(stored_invoices(ACME)) == 1


def test_a_key_reused_with_another_body_after_its_record_expired_creates_that_body(api):
    # Given a create whose key's record DynamoDB's TTL has since removed
    first = invoke("create_invoice", keyed("expired"), body=electricity())
    for item in repository.client().scan(TableName=get_settings().table_name)["Items"]:
        if item["sk"]["S"].startswith("IDEMPOTENCY#"):
            repository.client().delete_item(
                TableName=get_settings().table_name, Key={"pk": item["pk"], "sk": item["sk"]}
            )

    # When the key comes back with another body
    second = invoke("create_invoice", keyed("expired"), body=electricity(base_quantity=9))

    # Then that body is created, as a new invoice (never answered with the old one's id)
    assert second.status == 201
    assert second.body["id"] != first.body["id"]
    assert sorted(invoice["base_quantity"] for invoice in stored_invoices(ACME)) == [2.5, 9]  # MWh, as sent


def test_the_same_body_in_other_spacing_is_the_same_request(api):
    first = invoke("create_invoice", keyed("spacing"), body=electricity())
    spaced = json.dumps(electricity(), indent=4)
    retry = invoke("create_invoice", keyed("spacing"), raw_body=spaced)

    assert retry.status == 201
    assert retry.body["id"] == first.body["id"]
    assert len(stored_invoices(ACME)) == 1


def test_two_organizations_never_share_a_key(api):
    acme = invoke("create_invoice", keyed("shared-key"), body=electricity())
    globex_body = electricity(
        facility_percentages=[
            {"organization_id": str(GLOBEX), "facility_id": str(GLOBEX_BERLIN), "percentage": 1}
        ],
        cups=None,
    )
    globex = invoke("create_invoice", keyed("shared-key", GLOBEX_HEADERS), body=globex_body)

    assert acme.status == globex.status == 201
    assert acme.body["id"] != globex.body["id"]
    assert len(stored_invoices(ACME)) == len(stored_invoices(GLOBEX)) == 1


def test_a_refused_request_is_not_the_keys_answer_so_the_corrected_one_creates(api):
    # Given a create refused for the client's fault (a facility that does not exist)
    wrong = electricity(
        facility_percentages=[{**electricity()["facility_percentages"][0], "facility_id": str(ACME)}]
    )
    refused = invoke("create_invoice", keyed("corrected"), body=wrong)
    assert 400 <= refused.status < 500

    # When the corrected request is sent under the same key
    corrected = invoke("create_invoice", keyed("corrected"), body=electricity())

    # Then it is created: the 4xx was not stored as the key's answer
    assert corrected.status == 201
    assert len(stored_invoices(ACME)) == 1


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "clé", "tab\there", "line\nbreak"],
    ids=["empty", "256-chars", "non-ascii", "tab", "newline"],
)
def test_a_key_that_is_not_1_to_255_printable_ascii_is_422_and_creates_nothing(api, key):
    answer = invoke("create_invoice", keyed(key), body=electricity())

    assert answer.status == 422
    assert answer.body["code"] == "VALIDATION_ERROR"
    assert any(error["loc"] == ["header", "idempotency-key"] for error in answer.body["detail"])
    assert stored_invoices(ACME) == []


def test_the_longest_key_with_spaces_and_symbols_is_taken(api):
    key = ("a b~!@#$%^&*()_+{}|:<>?" * 12)[:255]

    first = invoke("create_invoice", keyed(key), body=electricity())
    retry = invoke("create_invoice", keyed(key), body=electricity())

    assert first.status == retry.status == 201
    assert retry.body["id"] == first.body["id"]


# ------------------------------------------------------------------ faults in between


def _is_idempotency_record(operation, params):
    return params.get("Key", params.get("Item", {})).get("sk", {}).get("S", "").startswith("IDEMPOTENCY#")


@pytest.mark.parametrize("body", [electricity(), distributed_heat()], ids=["single", "distributed"])
def test_a_retry_after_the_write_succeeded_but_its_answer_was_lost_creates_nothing(api, body):
    # Given a create whose transaction was carried out but whose answer never came back (read timeout)
    fault = Fault("ReadTimeoutError", at=1, before=False, matching=lambda op, _: op == "TransactWriteItems")
    lost = invoke("create_invoice", keyed("lost-answer"), body=body, fault=fault)
    assert fault.fired
    assert lost.status == 500
    written = stored_invoices(ACME)
    assert written

    # When the client retries with its key
    retry = invoke("create_invoice", keyed("lost-answer"), body=body)

    # Then the invoice it gets is the one written, and there is still one
    assert retry.status == 201
    assert stored_invoices(ACME) == written
    assert retry.body["id"] in {invoice["id"] for invoice in written}


def _answer_recorded(operation, params):
    return operation == "UpdateItem" and _is_idempotency_record(operation, params)


def test_a_create_whose_answer_could_not_be_recorded_is_in_progress_while_its_attempt_may_run(api):
    # Given a create that wrote the invoice, then failed to record its answer (the record's update)
    fault = Fault("InternalServerError", at=1, matching=_answer_recorded)
    first = invoke("create_invoice", keyed("unrecorded"), body=electricity(), fault=fault)
    assert fault.fired
    assert first.status == 500
    assert first.body["code"] == "INTERNAL_ERROR"
    assert len(stored_invoices(ACME)) == 1

    # When the client retries while that attempt's Lambda could still be running (10 s left)
    busy = invoke("create_invoice", keyed("unrecorded"), body=electricity())

    # Then 409 with Retry-After, and still one invoice
    assert busy.status == 409
    assert busy.body["code"] == "REQUEST_IN_PROGRESS"
    assert busy.headers["Retry-After"] == "1"
    assert len(stored_invoices(ACME)) == 1


class _LastMillisecond(LambdaContext):
    """A Lambda invocation with 1 ms left: its in-progress record expires at once."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 1


@pytest.mark.parametrize("body", [electricity(), distributed_heat()], ids=["single", "distributed"])
def test_a_retry_after_that_attempt_is_over_finds_what_it_wrote_and_creates_nothing(api, body):
    # Given a create that wrote the invoice, failed to record its answer, and whose Lambda time is over
    fault = Fault("InternalServerError", at=1, matching=_answer_recorded)
    first = invoke(
        "create_invoice", keyed("over"), body=body, context=_LastMillisecond("create_invoice"), fault=fault
    )
    assert first.status == 500
    written = stored_invoices(ACME)
    time.sleep(0.002)

    # When the client retries
    retry = invoke("create_invoice", keyed("over"), body=body)

    # Then the retry runs again, derives the same ids, finds them written and writes nothing new
    assert retry.status == 201
    assert stored_invoices(ACME) == written
    assert retry.body["id"] in {invoice["id"] for invoice in written}
    again = invoke("create_invoice", keyed("over"), body=body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.body == retry.body


@pytest.mark.parametrize("error", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttling_when_recording_the_request_is_503_with_retry_after_and_the_retry_creates(api, error):
    fault = Fault(
        error, at=1, matching=lambda op, params: op == "PutItem" and _is_idempotency_record(op, params)
    )
    throttled = invoke("create_invoice", keyed("throttled"), body=electricity(), fault=fault)

    assert throttled.status == 503
    assert throttled.body["code"] == "SERVICE_UNAVAILABLE"
    assert throttled.headers["Retry-After"] == "1"
    assert stored_invoices(ACME) == []
    retry = invoke("create_invoice", keyed("throttled"), body=electricity())
    assert retry.status == 201
    assert len(stored_invoices(ACME)) == 1
