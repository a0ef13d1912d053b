"""local.template against the real template.yaml and the test template."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local.paths import TEMPLATE
from local.template import (
    DEFAULT_ROUTE,
    TemplateError,
    bucket_names,
    load_stack,
    read_template,
    table_definition,
)
from tests.local.fixtures import TEST_TEMPLATE


@pytest.fixture(scope="module")
def raw() -> dict:
    return read_template(TEMPLATE)


@pytest.fixture(scope="module")
def real_stack():
    return load_stack(TEMPLATE)


def _http_events(raw: dict) -> set[tuple[str, str, str]]:
    """(method, path, function) of every HttpApi event, read straight from the YAML."""
    return {
        (str(event["Properties"]["Method"]).upper(), event["Properties"]["Path"], logical_id)
        for logical_id, resource in raw["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in (resource["Properties"].get("Events") or {}).values()
        if event["Type"] == "HttpApi"
    }


def test_every_http_api_event_becomes_a_route_of_its_function(raw, real_stack):
    routes = {(route.method, route.path, route.function_id) for route in real_stack.routes}
    assert routes == _http_events(raw)
    assert routes, "the real template declares routes"


def test_default_authorizer_applies_unless_the_event_opts_out(raw, real_stack):
    for api_id, api in real_stack.http_apis.items():
        default = raw["Resources"][api_id]["Properties"]["Auth"]["DefaultAuthorizer"]
        authorizer = api.authorizers[default]
        assert raw["Resources"][authorizer.function_id]["Type"] == "AWS::Serverless::Function"
        for route in api.routes:
            event = next(
                e
                for e in raw["Resources"][route.function_id]["Properties"]["Events"].values()
                if e["Properties"]["Path"] == route.path and e["Properties"]["Method"].upper() == route.method
            )
            opted_out = (event["Properties"].get("Auth") or {}).get("Authorizer") == "NONE"
            assert route.authorizer == (None if opted_out else default)


def test_route_key_of_default_route(real_stack):
    default = [route for route in real_stack.routes if route.path == DEFAULT_ROUTE]
    assert [route.route_key for route in default] == ["$default"] * len(default)
    assert all(route.method == "ANY" for route in default)


def test_functions_get_globals_and_resolved_environment(raw, real_stack):
    globals_ = raw["Globals"]["Function"]
    table = real_stack.tables["Table"]
    for logical_id, function in real_stack.functions.items():
        properties = raw["Resources"][logical_id]["Properties"]
        assert function.code_uri == (TEMPLATE.parent / properties["CodeUri"]).resolve()
        assert function.handler == properties.get("Handler", globals_["Handler"])
        assert function.timeout == properties.get("Timeout", globals_["Timeout"])
        assert function.memory == properties.get("MemorySize", globals_["MemorySize"])
        assert function.environment["TABLE_NAME"] == table.name
        for name in (properties.get("Environment") or {}).get("Variables", {}):
            assert name in function.environment
        assert all(isinstance(value, str) for value in function.environment.values())


def test_parameters_default_and_override(real_stack):
    authorizer = real_stack.functions["AuthorizerFunction"]
    assert authorizer.environment["AUTHORIZER_CACHE_SECONDS"] == "300"  # Number default, as a string
    assert authorizer.environment["JWT_ISSUER"] == ""
    overridden = load_stack(TEMPLATE, {"JwtIssuer": "http://127.0.0.1:9/local"})
    assert overridden.functions["AuthorizerFunction"].environment["JWT_ISSUER"] == "http://127.0.0.1:9/local"
    with pytest.raises(TemplateError, match="NoSuchParameter"):
        load_stack(TEMPLATE, {"NoSuchParameter": "x"})


def test_table_definition_matches_the_template(raw, real_stack):
    properties = raw["Resources"]["Table"]["Properties"]
    definition = table_definition(real_stack, "copy")
    assert definition["TableName"] == "copy"
    assert definition["KeySchema"] == properties["KeySchema"]
    assert definition["AttributeDefinitions"] == properties["AttributeDefinitions"]
    assert definition["BillingMode"] == properties["BillingMode"]
    assert [index["IndexName"] for index in definition["GlobalSecondaryIndexes"]] == [
        index["IndexName"] for index in properties["GlobalSecondaryIndexes"]
    ]
    assert definition["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": properties["StreamSpecification"]["StreamViewType"],
    }
    assert table_definition(real_stack)["TableName"] == real_stack.tables["Table"].name


def test_table_definition_creates_the_table_in_moto(real_stack):
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_definition(real_stack, "moto-copy"))
        table = client.describe_table(TableName="moto-copy")["Table"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"gsi1", "gsi2"}
    assert table["StreamSpecification"]["StreamEnabled"] is True


def test_bucket_names(real_stack):
    assert bucket_names(real_stack) == ["local-bucket"]


def test_short_tags_become_long_form(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  R:\n"
        "    Type: AWS::X::Y\n"
        "    Properties:\n"
        "      A: !Ref P\n"
        "      B: !GetAtt Table.StreamArn\n"
        "      C: !Sub '${AWS::Region}'\n"
        "      D: !If [Cond, !Join ['-', [a, b]], !Ref AWS::NoValue]\n"
        "      E: !Not [!Equals [x, y]]\n"
        "      F: 2012-10-17\n"
    )
    properties = read_template(path)["Resources"]["R"]["Properties"]
    assert properties == {
        "A": {"Ref": "P"},
        "B": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "C": {"Fn::Sub": "${AWS::Region}"},
        "D": {"Fn::If": ["Cond", {"Fn::Join": ["-", ["a", "b"]]}, {"Ref": "AWS::NoValue"}]},
        "E": {"Fn::Not": [{"Fn::Equals": ["x", "y"]}]},
        "F": "2012-10-17",
    }


# ---------------------------------------------------------------- test template


@pytest.fixture(scope="module")
def test_stack():
    return load_stack(TEST_TEMPLATE, {"RecordDir": "/tmp/records"})


def test_intrinsics_and_conditions(test_stack):
    echo = test_stack.functions["EchoFunction"].environment
    assert echo["JOINED"] == "a/b"
    assert echo["TABLE_ARN"] == "arn:aws:dynamodb:us-east-1:000000000000:table/local-Table"
    assert echo["STAGE_LABEL"] == "local-local"
    assert echo["RECORD_DIR"] == "/tmp/records"
    assert "ONLY_IN_PROD" not in echo  # !If [IsProd, ..., !Ref AWS::NoValue]
    assert "ProdOnlyFunction" not in test_stack.functions  # Condition: IsProd
    prod = load_stack(TEST_TEMPLATE, {"Stage": "prod"})
    assert prod.functions["EchoFunction"].environment["ONLY_IN_PROD"] == "yes"
    assert "ProdOnlyFunction" in prod.functions


def test_authorizers_cors_and_routes_per_api(test_stack):
    api, cached = test_stack.http_apis["Api"], test_stack.http_apis["CachedApi"]
    assert api.authorizers["Gate"].function_id == "AuthFunction"
    assert api.authorizers["Gate"].identity_headers == ()
    token_gate = cached.authorizers["TokenGate"]
    assert (token_gate.identity_headers, token_gate.reauthorize_every) == (("x-token",), 60)
    assert cached.cors is not None and cached.cors.allow_origins == ("https://app.example.com",)
    assert api.cors is None
    assert [route.route_key for route in cached.routes] == ["GET /cached"]
    public = next(route for route in api.routes if route.path == "/public")
    assert public.authorizer is None
    assert next(route for route in api.routes if route.path == "/items").authorizer == "Gate"


def test_event_sources(test_stack):
    (stream,) = test_stack.stream_sources
    assert stream.function_id == "StreamFunction"
    assert stream.table_name == test_stack.tables["Table"].name
    assert (stream.batch_size, stream.starting_position, stream.maximum_retry_attempts) == (
        10,
        "TRIM_HORIZON",
        2,
    )
    assert stream.reports_batch_item_failures
    assert stream.filter_patterns == ({"dynamodb": {"NewImage": {"kind": {"S": ["order"]}}}},)
    assert stream.on_failure_destination == "arn:aws:sqs:us-east-1:000000000000:dead-letters"

    (upload,) = test_stack.s3_sources
    assert (upload.bucket, upload.events, upload.prefix, upload.suffix) == (
        "local-bucket",
        ("s3:ObjectCreated:*",),
        "uploads/",
        ".csv",
    )

    schedules = {schedule.event_name: schedule for schedule in test_stack.schedules}
    assert schedules["Tick"].expression == "rate(5 minutes)" and not schedules["Tick"].scheduler
    assert schedules["Nightly"].scheduler and schedules["Nightly"].input == '{"job": "nightly"}'
    assert not schedules["Paused"].enabled
    assert test_stack.unsupported_events == ("UploadFunction/Queue (SQS)",)


def test_table_definition_of_test_template(test_stack):
    definition = table_definition(test_stack)
    assert "SSESpecification" not in definition  # deployment-only settings are left out
    assert definition["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "gsi1",
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ]


def _template(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def test_events_without_api_id_go_to_the_implicit_api_with_globals(tmp_path):
    path = _template(
        tmp_path,
        "Globals:\n"
        "  HttpApi:\n"
        "    CorsConfiguration: true\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.11\n"
        "      Events:\n"
        "        Get: {Type: HttpApi, Properties: {Path: /things, Method: get}}\n",
    )
    stack = load_stack(path)
    api = stack.http_apis["ServerlessHttpApi"]
    assert [route.route_key for route in api.routes] == ["GET /things"]
    assert api.cors is not None and api.cors.allow_origins == ("*",)
    function = stack.functions["Fn"]
    assert (function.timeout, function.memory, function.code_uri) == (3, 128, tmp_path / "src")


def test_routes_protected_by_a_jwt_authorizer_are_rejected(tmp_path):
    path = _template(
        tmp_path,
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::HttpApi\n"
        "    Properties:\n"
        "      Auth:\n"
        "        DefaultAuthorizer: Jwt\n"
        "        Authorizers:\n"
        "          Jwt:\n"
        "            JwtConfiguration: {issuer: x, audience: [y]}\n"
        "            IdentitySource: $request.header.Authorization\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: app.handler\n"
        "      Events:\n"
        "        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /things, Method: GET}}\n",
    )
    with pytest.raises(TemplateError, match="only Lambda authorizers"):
        load_stack(path)
