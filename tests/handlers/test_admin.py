"""The admin CLI (carbon_accounting.admin) over a moto table, and the API answering the keys it issues."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import pytest

from carbon_accounting import admin, auth, clock, repository
from carbon_accounting.settings import get_settings
from local.template import load_stack, table_definition
from tests.conftest import ROOT, TEST_TABLE
from tests.handlers.conftest import invoke
from tests.tenants import ACME, ACME_KEY, ACME_USER, api_key_headers

NOBODY = "00000000-0000-4000-8000-000000000000"
INVALID_API_KEY = {"detail": "Invalid API key", "code": "INVALID_API_KEY"}


def cli(*arguments: str, table: str = TEST_TABLE) -> tuple[int, object]:
    """Run the CLI in-process against the test table; (exit status, its JSON answer or stderr)."""
    with mock.patch.dict("os.environ"), mock.patch("sys.stdout") as out, mock.patch("sys.stderr") as err:
        status = admin.main(["--table", table, *arguments])
    if status == 0:
        return status, json.loads("".join(call.args[0] for call in out.write.call_args_list))
    return status, "".join(call.args[0] for call in err.write.call_args_list)


def ok(*arguments: str) -> object:
    status, answer = cli(*arguments)
    assert status == 0, answer
    return answer


def facilities(key: str, organization: object) -> object:
    return invoke("list_facilities", api_key_headers(key, organization))


def stored_key(organization: str, key_id: str):
    return repository.find_api_key(organization, key_id)


@pytest.fixture
def onboarded(aws):
    """A new organization and its first key, as an operator makes them."""
    organization = ok("organizations", "create", "Initech")
    key = ok("keys", "create", organization["id"], "--name", "ci")
    return organization, key


def test_an_organization_and_key_made_by_the_cli_open_the_api(onboarded):
    organization, key = onboarded

    answer = facilities(key["api_key"], organization["id"])

    assert answer.status == 200 and answer.body["items"] == []
    assert key["api_key"].startswith("sk_live_") and len(key["api_key"]) == len("sk_live_") + 43
    assert key["prefix"] == key["api_key"][:12] and key["status"] == "active"
    listed = ok("keys", "list", organization["id"])
    assert [each["key_id"] for each in listed] == [key["key_id"]]
    assert "api_key" not in listed[0] and "key_hash" not in listed[0]
    assert key["api_key"] not in json.dumps(repository.client().scan(TableName=TEST_TABLE)["Items"])


def test_keys_are_random_and_test_keys_say_so(onboarded):
    organization, first = onboarded

    second = ok("keys", "create", organization["id"], "--test")

    assert second["api_key"].startswith("sk_test_")
    assert second["api_key"][8:] != first["api_key"][8:] and second["key_id"] != first["key_id"]


def test_a_subsidiary_made_by_the_cli_is_covered_by_its_parents_key(onboarded):
    parent, parent_key = onboarded
    subsidiary = ok("organizations", "create", "Initech Iberia", "--parent", parent["id"])
    subsidiary_key = ok("keys", "create", subsidiary["id"])

    assert subsidiary["ancestors"] == [parent["id"]]
    assert facilities(parent_key["api_key"], subsidiary["id"]).status == 200
    assert facilities(subsidiary_key["api_key"], parent["id"]).status == 403
    shown = ok("organizations", "show", parent["id"])
    assert [each["id"] for each in shown["subsidiaries"]] == [subsidiary["id"]]
    assert {each["id"] for each in ok("organizations", "list")} == {parent["id"], subsidiary["id"]}


def test_a_revoked_key_is_refused_like_an_unknown_one(onboarded):
    organization, key = onboarded
    assert facilities(key["api_key"], organization["id"]).status == 200

    revoked = ok("keys", "revoke", organization["id"], key["key_id"])
    answer = facilities(key["api_key"], organization["id"])

    assert revoked["status"] == "revoked" and revoked["revoked_at"]
    assert (answer.status, answer.body) == (401, INVALID_API_KEY)
    assert cli("keys", "revoke", organization["id"], key["key_id"]) == (
        1,
        f"error: key {key['key_id']} is revoked already\n",
    )


def test_a_rotated_key_works_with_the_new_one_until_its_expiry(onboarded):
    organization, old = onboarded

    new = ok("keys", "rotate", organization["id"], old["key_id"], "--old-expires-in", "2s")

    assert new["api_key"] != old["api_key"] and new["name"] == "ci"
    assert new["rotated"]["key_id"] == old["key_id"] and new["rotated"]["status"] == "active"
    assert facilities(old["api_key"], organization["id"]).status == 200
    assert facilities(new["api_key"], organization["id"]).status == 200
    time.sleep(2.1)
    assert facilities(old["api_key"], organization["id"]).body == INVALID_API_KEY
    assert facilities(new["api_key"], organization["id"]).status == 200
    statuses = {each["key_id"]: each["status"] for each in ok("keys", "list", organization["id"])}
    assert statuses == {old["key_id"]: "expired", new["key_id"]: "active"}
    assert cli("keys", "rotate", organization["id"], old["key_id"])[0] == 1, "an expired key is not rotated"


def test_rotation_keeps_an_earlier_expiry_and_defaults_to_a_day(onboarded):
    organization, old = onboarded

    rotated = ok("keys", "rotate", organization["id"], old["key_id"])["rotated"]
    again = ok("keys", "rotate", organization["id"], old["key_id"], "--old-expires-in", "30d")["rotated"]

    left = datetime.fromisoformat(rotated["expires_at"]) - datetime.now(UTC)
    assert timedelta(hours=23, minutes=59) < left <= timedelta(hours=24)
    assert again["expires_at"] == rotated["expires_at"], "rotating again never extends the old key"


def test_an_expired_key_is_refused_even_by_a_warm_authorizer(onboarded, monkeypatch):
    monkeypatch.setenv("AUTHORIZER_CACHE_SECONDS", "300")
    get_settings.cache_clear()
    auth._verdicts.clear()
    organization, _ = onboarded
    key = ok("keys", "create", organization["id"], "--expires-in", "2s")

    before = facilities(key["api_key"], organization["id"])
    time.sleep(2.1)
    after = facilities(key["api_key"], organization["id"])

    assert before.status == 200
    assert (after.status, after.body) == (401, INVALID_API_KEY), "its cached verdict ends at its expiry"
    auth._verdicts.clear()
    get_settings.cache_clear()


def test_last_used_at_moves_at_most_once_an_hour(onboarded):
    organization, key = onboarded
    assert stored_key(organization["id"], key["key_id"]).last_used_at is None

    facilities(key["api_key"], organization["id"])
    first = stored_key(organization["id"], key["key_id"]).last_used_at
    facilities(key["api_key"], organization["id"])
    within_the_hour = stored_key(organization["id"], key["key_id"]).last_used_at
    hour_ago = clock.text(datetime.now(UTC) - timedelta(minutes=61))
    repository.record_api_key_use(stored_key(organization["id"], key["key_id"]).key_hash, hour_ago, first)
    assert stored_key(organization["id"], key["key_id"]).last_used_at == first, "a write is conditional"
    _set_last_used(organization["id"], key["key_id"], hour_ago)
    facilities(key["api_key"], organization["id"])
    an_hour_later = stored_key(organization["id"], key["key_id"]).last_used_at

    assert first is not None and within_the_hour == first
    assert an_hour_later > first


def test_a_failed_last_used_write_never_refuses_the_request(onboarded, monkeypatch):
    organization, key = onboarded

    def throttled(*args):
        raise repository.client().exceptions.ProvisionedThroughputExceededException(
            {"Error": {"Code": "ProvisionedThroughputExceededException"}}, "UpdateItem"
        )

    monkeypatch.setattr(repository, "record_api_key_use", throttled)

    assert facilities(key["api_key"], organization["id"]).status == 200


def _set_last_used(organization: str, key_id: str, at: str) -> None:
    key_hash = stored_key(organization, key_id).key_hash
    repository.client().update_item(  # test-only write: an hour passes
        TableName=TEST_TABLE,
        Key={"pk": {"S": f"APIKEY#{key_hash}"}, "sk": {"S": "APIKEY"}},
        UpdateExpression="SET last_used_at = :at",
        ExpressionAttributeValues={":at": {"S": at}},
    )


def test_users_are_added_listed_and_removed(onboarded):
    organization, _ = onboarded
    user = "0b7f5a8e-1c2d-4e3f-9a0b-1c2d3e4f5a6b"

    ok("users", "add", organization["id"], user, "ana@initech.test")
    listed = ok("users", "list", organization["id"])
    ok("users", "remove", organization["id"], user)

    assert listed == [{"id": user, "email": "ana@initech.test"}]
    assert ok("users", "list", organization["id"]) == []
    assert cli("users", "remove", organization["id"], user)[0] == 1


def test_an_organization_is_renamed(onboarded):
    organization, _ = onboarded

    renamed = ok("organizations", "rename", organization["id"], "Initech Global")

    assert renamed["name"] == ok("organizations", "show", organization["id"])["name"] == "Initech Global"


@pytest.mark.parametrize(
    ("arguments", "status", "says"),
    [
        (("organizations", "create", "X", "--parent", NOBODY), 1, "no organization"),
        (("organizations", "create", ""), 2, "at least 1 character"),
        (("organizations", "create", "x" * 201), 2, "at most 200 characters"),
        (("organizations", "show", NOBODY), 1, "no organization"),
        (("organizations", "rename", NOBODY, "Y"), 1, "no organization"),
        (("keys", "create", NOBODY), 1, "no organization"),
        (("keys", "revoke", str(ACME), "nosuchkey"), 1, "has no key nosuchkey"),
        (("organizations", "create", "Acme again", "--id", str(ACME)), 1, "exists already"),
        (("users", "add", str(ACME), str(ACME_USER), "ana@acme.test"), 1, "a member of organization"),
        (("keys", "create", str(ACME), "--name", "n" * 101), 2, "at most 100 characters"),
        (("users", "add", str(ACME), "0b7f5a8e-1c2d-4e3f-9a0b-1c2d3e4f5a6b", "not-an-email"), 2, "pattern"),
    ],
)
def test_what_cannot_be_done_is_said_and_writes_nothing(tenants, arguments, status, says):
    before = repository.client().scan(TableName=TEST_TABLE)["Count"]

    answer = cli(*arguments)

    assert answer[0] == status and says in answer[1]
    assert repository.client().scan(TableName=TEST_TABLE)["Count"] == before


@pytest.mark.parametrize("expiry", ["0s", "24", "1w", "-1d", "9999999d"])
def test_a_duration_that_is_not_one_is_a_usage_error(aws, expiry):
    with pytest.raises(SystemExit) as usage, mock.patch("sys.stderr"):
        admin.main(["--table", TEST_TABLE, "keys", "create", str(ACME), "--expires-in", expiry])

    assert usage.value.code == 2


def test_a_short_seed_key_is_never_stored_whole(aws):
    from carbon_accounting import tenants

    assert tenants.stored_key(ACME, "sk_short").prefix == "sk_s"
    assert tenants.stored_key(ACME, ACME_KEY).prefix == "sk_test_a", "half of its 18 characters"
    assert tenants.stored_key(ACME, "sk_live_" + "x" * 43).prefix == "sk_live_xxxx"


def test_seeding_twice_creates_everything_once(aws):
    seed = str(ROOT / "tests" / "e2e" / "seed.json")

    first, second = ok("seed", seed), ok("seed", seed)

    assert first["created"] > 0 and "existing" not in first
    assert second == {"existing": first["created"]}
    assert facilities(ACME_KEY, ACME).status == 200


def test_a_deployed_stack_is_found_by_its_name(aws):
    definition = table_definition(load_stack(ROOT / "template.yaml"), "carbon-accounting-prod-Table-1A2B3C")
    definition.pop("StreamSpecification", None)
    boto3.client("cloudformation").create_stack(
        StackName="carbon-accounting-prod",
        TemplateBody=json.dumps(
            {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": definition}}}
        ),
    )

    with mock.patch.dict("os.environ"), mock.patch("sys.stdout") as out:
        get_settings.cache_clear()
        status = admin.main(["--stack-name", "carbon-accounting-prod", "organizations", "create", "Prod"])
        get_settings.cache_clear()
    created = json.loads(out.write.call_args_list[0].args[0])
    in_stack = boto3.client("dynamodb").scan(TableName="carbon-accounting-prod-Table-1A2B3C")["Items"]

    assert status == 0
    assert [item["id"]["S"] for item in in_stack] == [created["id"]]


def test_a_stack_that_is_not_there_is_said(aws):
    with mock.patch.dict("os.environ"), mock.patch("sys.stderr") as err:
        status = admin.main(["--stack-name", "carbon-accounting-nowhere", "organizations", "list"])

    said = "".join(call.args[0] for call in err.write.call_args_list)
    assert status == 1 and "carbon-accounting-nowhere" in said and said.startswith("error: ")
