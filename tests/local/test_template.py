"""local.template against the real template.yaml and the test template."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from local.paths import TEMPLATE
from local.template import DEFAULT_ROUTE, TemplateError, load_stack, read_template, table_definition
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
    api = real_stack.api
    default = raw["Resources"][api.logical_id]["Properties"]["Auth"]["DefaultAuthorizer"]
    assert raw["Resources"][api.authorizers[default]]["Type"] == "AWS::Serverless::Function"
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
    table = real_stack.table
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
    assert table_definition(real_stack)["TableName"] == real_stack.table.name


def test_table_definition_creates_the_table_in_moto(real_stack):
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_definition(real_stack, "moto-copy"))
        table = client.describe_table(TableName="moto-copy")["Table"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {
        "gsi1",
        "gsi2",
        "gsi3",
        "gsi4",
        "gsi5",
    }
    assert table["StreamSpecification"]["StreamEnabled"] is True


def test_bucket_names(real_stack):
    assert real_stack.buckets == {"Bucket": "local-bucket"}
    assert real_stack.eventbridge_buckets == ("local-bucket",)
    assert real_stack.versioned_buckets == ("local-bucket",)


def test_every_event_bridge_rule_event_becomes_a_rule_of_its_function(raw, real_stack):
    declared = {
        (logical_id, event_name)
        for logical_id, resource in raw["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event_name, event in (resource["Properties"].get("Events") or {}).items()
        if event["Type"] == "EventBridgeRule"
    }
    assert {(rule.function_id, rule.event_name) for rule in real_stack.event_rules} == declared


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


def test_intrinsics(test_stack):
    echo = test_stack.functions["EchoFunction"].environment
    assert echo["TABLE_ARN"] == "arn:aws:dynamodb:us-east-1:000000000000:table/local-Table"
    assert echo["OBJECTS_ARN"] == "arn:aws:s3:::local-bucket/*"
    assert echo["API_URL"] == "https://local-Api.execute-api.us-east-1.amazonaws.com/000000000000"
    assert echo["STAGE_LABEL"] == "local-local"
    assert echo["RECORD_DIR"] == "/tmp/records"
    prod = load_stack(TEST_TEMPLATE, {"Stage": "prod"})
    assert prod.functions["EchoFunction"].environment["STAGE_LABEL"] == "local-prod"


def test_authorizer_and_routes(test_stack):
    api = test_stack.api
    assert api.authorizers == {"Gate": "AuthFunction"}
    public = next(route for route in api.routes if route.path == "/public")
    assert public.authorizer is None
    assert next(route for route in api.routes if route.path == "/items").authorizer == "Gate"


def test_event_sources(test_stack):
    (stream,) = test_stack.stream_sources
    assert stream.function_id == "StreamFunction"
    assert stream.table_name == test_stack.table.name
    assert (stream.batch_size, stream.starting_position, stream.maximum_retry_attempts) == (
        10,
        "TRIM_HORIZON",
        2,
    )
    assert stream.report_batch_item_failures
    assert stream.filter_patterns == ({"dynamodb": {"NewImage": {"kind": {"S": ["order"]}}}},)

    (upload,) = test_stack.event_rules
    assert (upload.function_id, upload.event_name) == ("UploadFunction", "Upload")
    assert upload.pattern == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["local-bucket"]}, "object": {"key": [{"prefix": "uploads/"}]}},
    }
    assert test_stack.eventbridge_buckets == ("local-bucket",)

    schedules = {schedule.event_name: schedule for schedule in test_stack.schedules}
    assert schedules["Tick"].expression == "rate(5 minutes)" and not schedules["Tick"].scheduler
    assert schedules["Nightly"].scheduler and schedules["Nightly"].input == '{"job": "nightly"}'


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


# ---------------------------------------------------------------- what the local stack refuses


def _minimal() -> dict[str, Any]:
    """A template the local stack runs: an HttpApi with a Lambda authorizer, a function, a table."""
    return {
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::HttpApi",
                "Properties": {
                    "Auth": {
                        "DefaultAuthorizer": "Gate",
                        "Authorizers": {
                            "Gate": {
                                "FunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]},
                                "AuthorizerPayloadFormatVersion": "2.0",
                                "EnableSimpleResponses": True,
                            }
                        },
                    }
                },
            },
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "src/",
                    "Handler": "app.handler",
                    "Runtime": "python3.11",
                    "Environment": {"Variables": {"TABLE": {"Ref": "Table"}}},
                    "Events": {
                        "Get": {
                            "Type": "HttpApi",
                            "Properties": {"ApiId": {"Ref": "Api"}, "Path": "/things", "Method": "GET"},
                        }
                    },
                },
            },
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                },
            },
        }
    }


def _load(tmp_path: Path, template: dict[str, Any]):
    (tmp_path / "src").mkdir(exist_ok=True)
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(template))
    return load_stack(path)


def _properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def _environment(template: dict[str, Any]) -> dict[str, Any]:
    return _properties(template, "Fn")["Environment"]["Variables"]


def _authorizer(template: dict[str, Any]) -> dict[str, Any]:
    return _properties(template, "Api")["Auth"]["Authorizers"]["Gate"]


def _event(template: dict[str, Any], event_type: str, properties: dict[str, Any]) -> None:
    _properties(template, "Fn")["Events"]["Other"] = {"Type": event_type, "Properties": properties}


STREAM = {"Stream": {"Fn::GetAtt": ["Table", "StreamArn"]}, "StartingPosition": "LATEST"}
WILDCARD = '{"eventName": [{"wildcard": "I*"}]}'
RULE = {"Pattern": {"source": ["aws.s3"], "detail": {"bucket": {"name": [{"Ref": "Bucket"}]}}}}


def _bucket(template: dict[str, Any], properties: dict[str, Any]) -> None:
    template["Resources"]["Bucket"] = {"Type": "AWS::S3::Bucket", "Properties": properties}


def test_event_bridge_rules_and_buckets(tmp_path):
    template = _minimal()
    _bucket(
        template, {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}}
    )
    template["Resources"]["Quiet"] = {"Type": "AWS::S3::Bucket"}
    _event(template, "EventBridgeRule", {**RULE, "DeadLetterConfig": {"Type": "SQS"}})
    stack = _load(tmp_path, template)
    (rule,) = stack.event_rules
    assert (rule.function_id, rule.event_name) == ("Fn", "Other")
    assert rule.pattern == {"source": ["aws.s3"], "detail": {"bucket": {"name": ["local-bucket"]}}}
    assert stack.eventbridge_buckets == ("local-bucket",)
    assert set(stack.buckets.values()) == {"local-bucket", "local-quiet"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: _environment(t).update(X={"Fn::If": ["C", "a", "b"]}), "Fn::If is not supported"),
        (lambda t: _environment(t).update(X={"Fn::Join": ["", ["a"]]}), "Fn::Join is not supported"),
        (lambda t: _environment(t).update(X={"Ref": "AWS::NoValue"}), "AWS::NoValue is not supported"),
        (lambda t: _environment(t).update(X={"Fn::GetAtt": ["Table", "Name"]}), "Table.Name"),
        (lambda t: _environment(t).update(X={"Fn::Sub": ["${A}", {"A": "a"}]}), "variable map"),
        (lambda t: t["Resources"]["Table"].update(Condition="C"), "Condition C is not declared"),
        (lambda t: t.update(Mappings={"M": {"a": {"b": "c"}}}), "Mappings"),
        (lambda t: t.update(Globals={"HttpApi": {"FailOnWarnings": True}}), "Globals.HttpApi"),
        (lambda t: t["Resources"]["Table"]["Properties"].update(TableName="t"), "TableName"),
        (lambda t: t["Resources"]["Table"]["Properties"].pop("BillingMode"), "PAY_PER_REQUEST"),
        (
            lambda t: t["Resources"].update(Other=t["Resources"]["Api"]),
            "exactly one AWS::Serverless::HttpApi",
        ),
        (
            lambda t: _properties(t, "Api").update(CorsConfiguration={"AllowOrigins": ["*"]}),
            "CORS is not emulated locally",
        ),
        (lambda t: _authorizer(t).pop("EnableSimpleResponses"), "EnableSimpleResponses: true"),
        (lambda t: _authorizer(t).update(AuthorizerPayloadFormatVersion="1.0"), "PayloadFormatVersion 2.0"),
        (lambda t: _authorizer(t).update(Identity={"Headers": ["x-key"]}), "identity sources"),
        (
            lambda t: _properties(t, "Api")["Auth"]["Authorizers"].update(
                Jwt={"JwtConfiguration": {"issuer": "x"}, "IdentitySource": "$request.header.Authorization"}
            ),
            "only Lambda authorizers",
        ),
        (lambda t: _properties(t, "Fn").update(Runtime="nodejs20.x"), "nodejs20.x"),
        (lambda t: _properties(t, "Fn").update(CodeUri="s3://bucket/code.zip"), "CodeUri"),
        (lambda t: _event(t, "HttpApi", {"Path": "/x", "Method": "GET"}), "ApiId must be !Ref Api"),
        (
            lambda t: _event(t, "HttpApi", {"ApiId": {"Ref": "Api"}, "Path": "/{proxy+}", "Method": "GET"}),
            "greedy path variables",
        ),
        (
            lambda t: _event(
                t, "HttpApi", {"ApiId": {"Ref": "Api"}, "Path": "/x", "PayloadFormatVersion": "1.0"}
            ),
            "payload format 2.0",
        ),
        (lambda t: _event(t, "SQS", {"Queue": "arn:aws:sqs:us-east-1:0:q"}), "SQS events are not emulated"),
        (
            lambda t: _event(t, "DynamoDB", {**STREAM, "ParallelizationFactor": 2}),
            "ParallelizationFactor not emulated locally",
        ),
        (
            lambda t: _event(
                t, "DynamoDB", {**STREAM, "FilterCriteria": {"Filters": [{"Pattern": WILDCARD}]}}
            ),
            "filter rule(s) wildcard not emulated",
        ),
        (
            lambda t: [
                t["Resources"]["Table"]["Properties"].pop("StreamSpecification"),
                _event(t, "DynamoDB", STREAM),
            ],
            "StreamArn of a stream",
        ),
        (
            lambda t: _event(t, "Schedule", {"Schedule": "rate(1 minute)", "Enabled": False}),
            "Enabled not emulated",
        ),
        (
            lambda t: [_bucket(t, {}), _event(t, "S3", {"Bucket": {"Ref": "Bucket"}, "Events": "s3:*"})],
            "S3 events are not emulated locally",
        ),
        (lambda t: _event(t, "EventBridgeRule", {"RetryPolicy": {}}), "Fn/Other: no Pattern"),
        (
            lambda t: _event(t, "EventBridgeRule", {**RULE, "EventBusName": "custom"}),
            "EventBusName not emulated locally",
        ),
        (
            lambda t: _event(t, "EventBridgeRule", {**RULE, "InputPath": "$.detail", "State": "DISABLED"}),
            "InputPath, State not emulated locally",
        ),
        (
            lambda t: _event(t, "EventBridgeRule", {"Pattern": {"detail-type": [{"wildcard": "Object*"}]}}),
            "pattern rule(s) wildcard not emulated locally",
        ),
        (
            lambda t: _bucket(
                t, {"NotificationConfiguration": {"LambdaConfigurations": [{"Event": "s3:ObjectCreated:*"}]}}
            ),
            "Bucket NotificationConfiguration: LambdaConfigurations not emulated locally",
        ),
    ],
)
def test_what_is_not_emulated_fails_at_load_time(tmp_path, change, message):
    template = _minimal()
    assert _load(tmp_path, template).routes  # the unchanged template loads
    change(template)
    with pytest.raises(TemplateError, match=re.escape(message)):
        _load(tmp_path, template)


def _with_optional_site(template: dict[str, Any], enabled: str) -> dict[str, Any]:
    """The template's optional static site: a parameter, a condition, a conditioned bucket and the
    API's CORS for it, as template.yaml has them for the dashboard."""
    template["Parameters"] = {
        "Site": {"Type": "String", "Default": enabled, "AllowedValues": ["enabled", "disabled"]}
    }
    template["Conditions"] = {"WithSite": {"Fn::Equals": [{"Ref": "Site"}, "enabled"]}}
    template["Resources"]["SiteBucket"] = {"Type": "AWS::S3::Bucket", "Condition": "WithSite"}
    _properties(template, "Api")["CorsConfiguration"] = {
        "Fn::If": ["WithSite", {"AllowOrigins": ["https://site.example"]}, {"Ref": "AWS::NoValue"}]
    }
    return template


def test_a_resource_under_a_false_condition_is_left_out_and_so_is_a_property_it_chooses_away(tmp_path):
    stack = _load(tmp_path, _with_optional_site(_minimal(), "disabled"))

    assert "SiteBucket" not in stack.buckets


def test_a_resource_under_a_true_condition_is_kept_and_what_it_chooses_is_held_to_the_same_rules(tmp_path):
    template = _with_optional_site(_minimal(), "enabled")

    with pytest.raises(TemplateError, match="CORS is not emulated locally"):
        _load(tmp_path, template)
    _properties(template, "Api").pop("CorsConfiguration")
    assert "SiteBucket" in _load(tmp_path, template).buckets


@pytest.mark.parametrize(
    "condition",
    [
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "Site"}, "enabled"]}]},
        {"Fn::And": [{"Condition": "Other"}, {"Fn::Equals": ["a", "b"]}]},
        {"Fn::Or": [{"Fn::Equals": ["a", "b"]}, {"Fn::Equals": [{"Ref": "Site"}, "disabled"]}]},
    ],
)
def test_conditions_are_evaluated_with_the_parameters(tmp_path, condition):
    template = _with_optional_site(_minimal(), "enabled")
    _properties(template, "Api").pop("CorsConfiguration")
    template["Conditions"] = {"WithSite": condition, "Other": {"Fn::Equals": ["x", "x"]}}

    assert "SiteBucket" not in _load(tmp_path, template).buckets
