"""template.yaml: it lints, validates and builds, and it agrees with the functions' own resolvers."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from local.template import load_stack, read_template
from tests.conftest import ROOT
from tests.functions import load_function

TEMPLATE = ROOT / "template.yaml"
STACK = load_stack(TEMPLATE)
RAW = read_template(TEMPLATE)
FUNCTIONS = sorted(STACK.functions.values(), key=lambda function: function.logical_id)
HTTP_FUNCTIONS = [f for f in FUNCTIONS if any(route.function_id == f.logical_id for route in STACK.routes)]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def run(command: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def sam() -> str:
    path = shutil.which("sam")
    if path is None:
        pytest.fail(
            "AWS SAM CLI is not on PATH: run the tests with `make test`, which installs it in .venv-sam"
        )
    return path


def test_cfn_lint_passes():
    result = run([str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)])

    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes():
    result = run([sam(), "validate", "--lint", "--template-file", str(TEMPLATE), "--region", "eu-west-1"])

    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_build_builds_every_function_and_an_arm64_layer(tmp_path):
    result = run([sam(), "build", "--template-file", str(TEMPLATE), "--build-dir", str(tmp_path / "build")])

    assert result.returncode == 0, result.stdout + result.stderr
    layer = tmp_path / "build" / "CarbonAccountingLayer" / "python"
    assert (layer / "carbon_accounting" / "repository" / "table.py").is_file()
    assert list(layer.glob("pydantic_core/_pydantic_core.cpython-311-aarch64-linux-gnu.so"))
    # Bytecode for every module, valid whatever the zip does to timestamps (an unchecked hash-based
    # .pyc: flags 0b01), for the runtime's Python: /opt is read-only, so Lambda could not write it.
    modules = sorted(layer.rglob("*.py"))
    bytecode = [module.parent / "__pycache__" / f"{module.stem}.cpython-311.pyc" for module in modules]
    assert len(modules) > 500 and [pyc for pyc in bytecode if not pyc.is_file()] == []
    assert {int.from_bytes(pyc.read_bytes()[4:8], "little") for pyc in bytecode} == {0b01}
    for function in FUNCTIONS:
        assert (tmp_path / "build" / function.logical_id / "app.py").is_file()
    # The served document (and the paths the $default route answers 405 on) is a link to
    # docs/openapi.json: the build holds the file itself.
    for function in ("GetOpenApiDocumentFunction", "RouteNotFoundFunction"):
        served = tmp_path / "build" / function / "openapi.json"
        assert not served.is_symlink() and served.read_text() == (ROOT / "docs" / "openapi.json").read_text()


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda function: function.logical_id)
def test_every_function_is_a_python311_arm64_handler_that_exists(function):
    properties = RAW["Globals"]["Function"] | RAW["Resources"][function.logical_id]["Properties"]

    assert (properties["Runtime"], properties["Architectures"]) == ("python3.11", ["arm64"])
    module_name, _, handler_name = function.handler.rpartition(".")
    assert (function.code_uri / f"{module_name}.py").is_file()
    assert callable(getattr(load_function(function.code_uri.name), handler_name))


@pytest.mark.parametrize("function", HTTP_FUNCTIONS, ids=lambda function: function.logical_id)
def test_the_template_routes_a_function_exactly_what_its_resolver_serves(function):
    declared = {
        (route.method, route.path)
        for route in STACK.routes
        if route.function_id == function.logical_id and route.path != "$default"
    }
    schema = load_function(function.code_uri.name).app.get_openapi_schema()
    served = {
        (method.upper(), path)
        for path, item in (schema.paths or {}).items()
        for method in HTTP_METHODS
        if getattr(item, method) is not None
    }

    assert served == declared


def test_every_route_goes_through_the_authorizer_and_unknown_routes_reach_the_404_function():
    public = {route.route_key for route in STACK.routes if route.authorizer is None}
    assert public == {"GET /openapi.json"}, "only the API's document is served without credentials"
    assert {route.authorizer for route in STACK.routes} - {None} == {"CallerAuthorizer"}
    default = [route for route in STACK.routes if route.path == "$default"]
    assert [route.function_id for route in default] == ["RouteNotFoundFunction"]


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda function: function.logical_id)
def test_every_function_has_its_own_least_privilege_policy(function):
    properties = RAW["Resources"][function.logical_id]["Properties"]
    policies = properties.get("Policies", [])
    statements = [
        statement for policy in policies if "Statement" in policy for statement in policy["Statement"]
    ]
    templates = [policy for policy in policies if "Statement" not in policy]

    assert "Role" not in properties, "functions do not share a role"
    for template in templates:  # SAM policy templates are scoped to one resource of this template
        assert list(template) == ["SQSSendMessagePolicy"]
        assert template["SQSSendMessagePolicy"]["QueueName"]["Fn::GetAtt"][0] in RAW["Resources"]
    for statement in statements:
        if "Fn::If" in statement:  # a statement of one configuration: the document extractor's Textract
            condition, statement, otherwise = statement["Fn::If"]
            assert (condition, otherwise) == ("UsesTextract", {"Ref": "AWS::NoValue"})
        assert statement["Effect"] == "Allow"
        assert all(not action.endswith("*") for action in statement["Action"])
        if all(action.startswith("textract:") for action in statement["Action"]):
            # Textract has no resource-level permissions: the actions are what is scoped.
            assert function.logical_id == "ExtractDocumentFunction"
            assert statement["Action"] == ["textract:StartDocumentAnalysis", "textract:GetDocumentAnalysis"]
            continue
        if all(action.startswith("s3:") for action in statement["Action"]):
            # Object actions only, on one prefix of the bucket: never the whole bucket.
            prefix = statement["Resource"]["Fn::Sub"].removeprefix("${Bucket.Arn}/")
            assert prefix in ("files/*", "imports/*", "reports/*"), statement["Resource"]
            continue
        indexes = [{"Fn::Sub": f"${{Table.Arn}}/index/gsi{number}"} for number in (1, 2, 3, 4, 5)]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        table_or_index = resources == [{"Fn::GetAtt": ["Table", "Arn"]}] or (
            statement["Action"] == ["dynamodb:Query"] and all(resource in indexes for resource in resources)
        )
        assert table_or_index, statement["Resource"]
        assert "dynamodb:Scan" not in statement["Action"], "no request path scans"


def test_the_table_is_durable_encrypted_and_streams_both_images():
    table = RAW["Resources"]["Table"]
    properties = table["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["DeletionPolicy"] == "Retain"


def test_outputs_name_the_api_url_the_table_and_the_bucket():
    assert set(RAW["Outputs"]) >= {"ApiUrl", "TableName", "BucketName"}


# ------------------------------------------------------------------ deploy: samconfig.toml, alarms

SAMCONFIG = ROOT / "samconfig.toml"
_TRANSFORM = """
import json, re, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

text = open(sys.argv[1]).read()
# The transform wants S3 locations where `sam build` would put them.
text = re.sub(r"(CodeUri|ContentUri): [^s][^\\n]*", r"\\1: s3://bucket/key", text)

class NoManagedPolicies:
    def load(self):
        return {}

print(json.dumps(transform(yaml_parse(text), {}, NoManagedPolicies())["Resources"]))
"""


def transformed_resources() -> dict:
    """The template's resources as CloudFormation sees them, after the SAM transform (SAM's own
    interpreter, in .venv-sam: the transform's library pins what the app's virtualenv does not)."""
    result = run(
        [str(Path(sam()).with_name("python")), "-c", _TRANSFORM, str(TEMPLATE)],
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_queue_of_the_deployed_stack_has_an_alarm_on_its_messages():
    resources = transformed_resources()
    queues = {name for name, resource in resources.items() if resource["Type"] == "AWS::SQS::Queue"}
    watched = {
        resource["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for resource in resources.values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and resource["Properties"].get("Namespace") == "AWS/SQS"
    }

    assert len(queues) == 6, "four on-failure queues and two event rules' dead-letter queues"
    assert watched == queues


def test_alarms_notify_the_topic_only_when_one_is_given():
    alarms = [
        resource for resource in RAW["Resources"].values() if resource["Type"] == "AWS::CloudWatch::Alarm"
    ]
    when_given = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}

    assert len(alarms) == 10
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == alarm["Properties"]["OKActions"] == when_given
    assert RAW["Conditions"]["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_samconfig_deploys_each_environment_without_questions(environment):
    config = tomllib.loads(SAMCONFIG.read_text())[environment]
    deploy = config["deploy"]["parameters"]
    overrides = dict(
        (name, value.strip('"'))
        for name, value in (
            pair.split("=", 1) for pair in shlex.split(deploy["parameter_overrides"], posix=False)
        )
    )

    assert config["global"]["parameters"]["stack_name"] and config["global"]["parameters"]["region"]
    assert deploy["resolve_s3"] is True and "CAPABILITY_IAM" in deploy["capabilities"]
    assert set(overrides) <= set(RAW["Parameters"]), "every override is a parameter of template.yaml"
    result = run([sam(), "validate", "--config-env", environment, "--template-file", str(TEMPLATE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dashboard_is_hosted_only_when_asked_and_privately_and_the_api_answers_cors_to_it_alone():
    resources = RAW["Resources"]
    hosting = [name for name, resource in resources.items() if name.startswith("Dashboard")]

    assert RAW["Parameters"]["Dashboard"]["Default"] == "disabled"
    assert RAW["Conditions"]["WithDashboard"] == {"Fn::Equals": [{"Ref": "Dashboard"}, "enabled"]}
    assert all(resources[name]["Condition"] == "WithDashboard" for name in hosting) and len(hosting) == 5
    assert not any(name.startswith("Dashboard") for name in STACK.buckets)  # make dev: not created
    bucket = resources["DashboardBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (reader, _) = resources["DashboardBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert (
        "distribution/${DashboardDistribution}"
        in reader["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    )
    cors = resources["HttpApi"]["Properties"]["CorsConfiguration"]["Fn::If"]
    assert cors[0] == "WithDashboard" and cors[2] == {"Ref": "AWS::NoValue"}
    assert cors[1]["AllowOrigins"] == [{"Fn::Sub": "https://${DashboardDistribution.DomainName}"}]
    headers = resources["DashboardHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert "default-src 'self'" in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
