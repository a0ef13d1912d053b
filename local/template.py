"""Read a SAM template into the typed model the local stack runs.

template.yaml is the single source of truth: functions, their environment, routes, the authorizer,
event sources, the table and the buckets all come from here, never restated by hand. Intrinsics are
resolved for a local context: the fake account and region of ``local.aws``, physical names
``local-<LogicalId>`` and plausible fake ARNs. Whatever the local stack does not emulate is a
TemplateError at load time rather than silently ignored, so supporting it is a conscious step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from local.aws import ACCOUNT_ID, REGION
from local.event_filter import unknown_rules

STACK_NAME = "local"
DEFAULT_ROUTE = "$default"
TABLE = "AWS::DynamoDB::Table"
BUCKET = "AWS::S3::Bucket"
FUNCTION = "AWS::Serverless::Function"
HTTP_API = "AWS::Serverless::HttpApi"
# Stream ARNs end with the stream's creation time; any fixed label makes a plausible fake.
STREAM_LABEL = "1970-01-01T00:00:00.000"


class TemplateError(Exception):
    """The template declares something the local stack does not emulate."""


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class Function:
    """An ``AWS::Serverless::Function`` with Globals applied and intrinsics resolved."""

    logical_id: str
    name: str
    arn: str
    code_uri: Path
    handler: str
    runtime: str
    environment: Mapping[str, str]
    timeout: int
    memory: int


@dataclass(frozen=True)
class Route:
    """One HttpApi event: ``METHOD /path`` (or ``$default``) served by a function."""

    method: str
    path: str
    function_id: str
    authorizer: str | None

    @property
    def route_key(self) -> str:
        """The API Gateway route key, e.g. "GET /v1/facilities/{facility_id}" or "$default"."""
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"


@dataclass(frozen=True)
class HttpApi:
    """The template's ``AWS::Serverless::HttpApi`` with the routes attached to it."""

    logical_id: str
    api_id: str
    routes: tuple[Route, ...]
    authorizers: Mapping[str, str]  # Lambda authorizer name -> its function's logical id


@dataclass(frozen=True)
class StreamSource:
    """A ``Type: DynamoDB`` event: an event source mapping on the table's stream."""

    function_id: str
    event_name: str
    table_name: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    filter_patterns: tuple[Mapping[str, Any], ...] = ()
    report_batch_item_failures: bool = False
    maximum_retry_attempts: int = -1  # retry until it works
    bisect_batch_on_function_error: bool = False
    on_failure_queue: str | None = None  # the SQS queue a dropped batch's metadata goes to


@dataclass(frozen=True)
class EventRuleSource:
    """A ``Type: EventBridgeRule`` event: a rule of the default event bus with its event pattern."""

    function_id: str
    event_name: str
    pattern: Mapping[str, Any]


@dataclass(frozen=True)
class ScheduleSource:
    """A ``Type: Schedule`` (EventBridge rule) or ``ScheduleV2`` (EventBridge Scheduler) event."""

    function_id: str
    event_name: str
    expression: str
    input: str | None = None
    scheduler: bool = False  # True for ScheduleV2


@dataclass(frozen=True)
class Table:
    """The ``AWS::DynamoDB::Table`` with its local name and resolved properties."""

    logical_id: str
    name: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class Stack:
    """Everything the local stack needs from the template, resolved for local use."""

    template_path: Path
    parameters: Mapping[str, str]
    functions: Mapping[str, Function]
    api: HttpApi
    table: Table
    buckets: Mapping[str, str]  # logical id -> bucket name
    eventbridge_buckets: tuple[str, ...]  # names of the buckets that send their events to EventBridge
    versioned_buckets: tuple[str, ...]  # names of the buckets that keep object versions
    global_environment: Mapping[str, str]  # Globals.Function.Environment.Variables
    stream_sources: tuple[StreamSource, ...]
    event_rules: tuple[EventRuleSource, ...]
    schedules: tuple[ScheduleSource, ...]

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes of the HttpApi."""
        return self.api.routes


# ---------------------------------------------------------------- YAML


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags (``!Ref``, ``!GetAtt``...) into long form."""


def _construct_intrinsic(loader: _TemplateLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag == "Ref":
        return {tag: value}
    if tag == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag}": value}


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)
# CloudFormation reads unquoted dates (a policy's Version: 2012-10-17) as plain strings.
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _TemplateLoader.construct_yaml_str)


def read_template(path: Path) -> dict[str, Any]:
    """Parse a template file; short-form intrinsics come back in long form (``{"Ref": ...}``)."""
    with path.open(encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=_TemplateLoader)
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return template


# ---------------------------------------------------------------- intrinsics

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_PSEUDO_PARAMETERS = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": STACK_NAME,
}
_ARN_FORMATS = {
    TABLE: "arn:aws:dynamodb:{region}:{account}:table/{name}",
    BUCKET: "arn:aws:s3:::{name}",
    FUNCTION: "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",  # a stream's on-failure destination
}
# Explicit names would have to be honoured everywhere; locally every resource is local-<LogicalId>.
_NAME_PROPERTIES = {TABLE: "TableName", BUCKET: "BucketName", FUNCTION: "FunctionName"}


def _as_str(value: Any) -> str:
    """CloudFormation's string form of a scalar (booleans are lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"expected a scalar, got {value!r}")


def _is_intrinsic(value: Any) -> bool:
    """``{"Ref": ...}`` or ``{"Fn::...": ...}``."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or key.startswith("Fn::")


def _referenced_id(value: Any) -> str | None:
    """The logical id named by ``{"Ref": X}`` or ``{"Fn::GetAtt": [X, ...]}``, else None."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


class _Resolver:
    """Evaluates ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub``; any other intrinsic is a TemplateError."""

    def __init__(self, resources: Mapping[str, Any], parameters: Mapping[str, str]) -> None:
        self._resources = resources
        self._parameters = parameters

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic inside it evaluated."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not _is_intrinsic(value):
            return (
                {key: self.resolve(item) for key, item in value.items()} if isinstance(value, dict) else value
            )
        ((key, argument),) = value.items()
        if key == "Ref":
            return self._ref(argument)
        if key == "Fn::GetAtt":
            logical_id, attribute = argument
            return self._get_att(logical_id, attribute)
        if key == "Fn::Sub":
            return self._sub(argument)
        raise TemplateError(f"{key} is not supported by the local stack")

    def physical_name(self, logical_id: str) -> str:
        """The resource's local name, ``local-<LogicalId>`` (lower-case for buckets)."""
        resource = self._resource(logical_id)
        name_property = _NAME_PROPERTIES.get(resource["Type"])
        if name_property in (resource.get("Properties") or {}):
            raise TemplateError(f"{logical_id}: {name_property} is not supported by the local stack")
        name = f"{STACK_NAME}-{logical_id}"
        return name.lower() if resource["Type"] == BUCKET else name

    def arn(self, logical_id: str) -> str:
        """A plausible fake ARN for a table, bucket, function or queue of the template."""
        resource_type = self._resource(logical_id)["Type"]
        if resource_type not in _ARN_FORMATS:
            raise TemplateError(f"the ARN of {logical_id} ({resource_type}) is not supported locally")
        name = self.physical_name(logical_id)
        return _ARN_FORMATS[resource_type].format(region=REGION, account=ACCOUNT_ID, name=name)

    def _resource(self, logical_id: str) -> Mapping[str, Any]:
        if logical_id not in self._resources:
            raise TemplateError(f"unknown resource {logical_id!r}")
        return self._resources[logical_id]

    def _ref(self, name: str) -> str:
        if name in _PSEUDO_PARAMETERS:
            return _PSEUDO_PARAMETERS[name]
        if name.startswith("AWS::"):
            raise TemplateError(f"{name} is not supported by the local stack")
        if name in self._parameters:
            return self._parameters[name]
        return self.physical_name(name)

    def _get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "StreamArn" and self._resource(logical_id)["Type"] == TABLE:
            return f"{self.arn(logical_id)}/stream/{STREAM_LABEL}"
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not supported by the local stack")

    def _sub(self, text: Any) -> str:
        if not isinstance(text, str):
            raise TemplateError("Fn::Sub with a variable map is not supported by the local stack")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name:  # ${Resource.Attribute}
                logical_id, attribute = name.split(".", 1)
                return self._get_att(logical_id, attribute)
            return self._ref(name)

        return _SUB_VARIABLE.sub(substitute, text)


def resolved(template: Mapping[str, Any], value: Any) -> Any:
    """``value`` (a part of ``template``) with its intrinsics evaluated as the local stack evaluates
    them, the parameters at their defaults."""
    parameters = _parameter_values(template.get("Parameters") or {}, {})
    return _Resolver(template["Resources"], parameters).resolve(value)


# ---------------------------------------------------------------- building the stack


def _merge_globals(base: Any, override: Any) -> Any:
    """SAM's Globals merge: maps merge, lists add up (globals first), anything else is overridden."""
    if _is_intrinsic(base) or _is_intrinsic(override):
        return override
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge_globals(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return base + override
    return override


def _parameter_values(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"unknown template parameter(s): {', '.join(unknown)}")
    values = {}
    for name, spec in declared.items():
        if spec.get("Type") not in ("String", "Number"):
            raise TemplateError(f"parameter {name}: type {spec.get('Type')} is not supported locally")
        if name in overrides:
            values[name] = overrides[name]
        elif "Default" in spec:
            values[name] = _as_str(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no Default: pass a value for it")
    return values


def _environment(variables: Any) -> dict[str, str]:
    return {name: _as_str(value) for name, value in (variables or {}).items()}


def _check_keys(where: str, properties: Mapping[str, Any], supported: set[str]) -> None:
    """Refuse the properties the local stack does not emulate, rather than ignore them."""
    unsupported = sorted(set(properties) - supported)
    if unsupported:
        raise TemplateError(f"{where}: {', '.join(unsupported)} not emulated locally")


def _only_one(resources: Mapping[str, Any], resource_type: str) -> tuple[str, Mapping[str, Any]]:
    if len(resources) != 1:
        raise TemplateError(f"the local stack runs exactly one {resource_type}, not {len(resources)}")
    ((logical_id, properties),) = resources.items()
    return logical_id, properties


_FUNCTION_KEYS = ("CodeUri", "Handler", "Runtime", "Environment", "Timeout", "MemorySize")


def _build_function(
    logical_id: str, properties: Mapping[str, Any], resolver: _Resolver, template_dir: Path
) -> Function:
    # Only what runs locally is resolved: Policies, Layers... are deployment matters.
    resolved = resolver.resolve({key: properties[key] for key in _FUNCTION_KEYS if key in properties})
    code_uri = resolved.get("CodeUri")
    if not isinstance(code_uri, str) or not (template_dir / code_uri).is_dir():
        raise TemplateError(f"{logical_id}: the local stack needs a local CodeUri directory")
    if "Handler" not in resolved:
        raise TemplateError(f"{logical_id}: no Handler")
    runtime = str(resolved.get("Runtime", ""))
    if not runtime.startswith("python"):
        raise TemplateError(f"{logical_id}: runtime {runtime!r} does not run locally, only Python")
    return Function(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        arn=resolver.arn(logical_id),
        code_uri=(template_dir / code_uri).resolve(),
        handler=resolved["Handler"],
        runtime=runtime,
        environment=_environment(resolved.get("Environment", {}).get("Variables")),
        timeout=int(resolved.get("Timeout", 3)),
        memory=int(resolved.get("MemorySize", 128)),
    )


def _conditions(declared: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, bool]:
    """Each of the template's conditions, evaluated: Fn::Equals of parameters and strings, Fn::Not,
    Fn::And, Fn::Or and Condition."""

    def operand(value: Any) -> str:
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in values:
            return values[value["Ref"]]
        if isinstance(value, dict):
            raise TemplateError(f"condition operand {value!r} is not supported by the local stack")
        return _as_str(value)

    def holds(expression: Any) -> bool:
        (function, argument), *rest = expression.items() if isinstance(expression, dict) else [(None, None)]
        if rest or function is None:
            raise TemplateError(f"condition {expression!r} is not supported by the local stack")
        if function == "Fn::Equals":
            return operand(argument[0]) == operand(argument[1])
        if function == "Fn::Not":
            return not holds(argument[0])
        if function == "Fn::And":
            return all(holds(each) for each in argument)
        if function == "Fn::Or":
            return any(holds(each) for each in argument)
        if function == "Condition":
            return holds(declared[argument])
        raise TemplateError(f"{function} in a condition is not supported by the local stack")

    return {name: holds(expression) for name, expression in declared.items()}


def _created(resource: Mapping[str, Any], holds: Mapping[str, bool]) -> bool:
    """Whether the resource is created: it has no Condition, or its Condition holds."""
    condition = resource.get("Condition")
    if condition is None:
        return True
    if condition not in holds:
        raise TemplateError(f"Condition {condition} is not declared")
    return holds[condition]


def _chosen_properties(resource: Mapping[str, Any], holds: Mapping[str, bool]) -> dict[str, Any]:
    """The resource with each top-level property that is an Fn::If replaced by its chosen branch
    (a branch of AWS::NoValue: the property is left out)."""
    properties = {}
    for name, value in (resource.get("Properties") or {}).items():
        if isinstance(value, dict) and set(value) == {"Fn::If"}:
            condition, when_true, when_false = value["Fn::If"]
            value = when_true if holds[condition] else when_false
            if value == {"Ref": "AWS::NoValue"}:
                continue
        properties[name] = value
    return {**resource, "Properties": properties}


def _lambda_authorizers(api_id: str, properties: Mapping[str, Any]) -> dict[str, str]:
    """Authorizer name -> function id, for the one kind API Gateway is emulated with."""
    if "CorsConfiguration" in properties:
        raise TemplateError(
            f"{api_id}: CORS is not emulated locally (the local dashboard is the API's origin)"
        )
    authorizers = {}
    for name, config in ((properties.get("Auth") or {}).get("Authorizers") or {}).items():
        where = f"{api_id} authorizer {name}"
        function_id = _referenced_id(config.get("FunctionArn"))
        if function_id is None:
            raise TemplateError(f"{where}: only Lambda authorizers of the template are emulated locally")
        if str(config.get("AuthorizerPayloadFormatVersion")) != "2.0":
            raise TemplateError(f"{where}: only AuthorizerPayloadFormatVersion 2.0 is emulated locally")
        if config.get("EnableSimpleResponses") is not True:
            raise TemplateError(f"{where}: only simple responses (EnableSimpleResponses: true) are emulated")
        if "Identity" in config:
            raise TemplateError(f"{where}: identity sources (and verdict caching) are not emulated locally")
        authorizers[name] = function_id
    return authorizers


def _route(
    function_id: str,
    event_name: str,
    properties: Mapping[str, Any],
    api_id: str,
    authorizers: Mapping[str, str],
    default_authorizer: str | None,
) -> Route:
    where = f"{function_id}/{event_name}"
    _check_keys(where, properties, {"ApiId", "Path", "Method", "Auth", "PayloadFormatVersion"})
    if _referenced_id(properties.get("ApiId")) != api_id:
        raise TemplateError(f"{where}: ApiId must be !Ref {api_id}")
    if str(properties.get("PayloadFormatVersion", "2.0")) != "2.0":
        raise TemplateError(f"{where}: only payload format 2.0 is emulated locally")
    path = str(properties.get("Path", DEFAULT_ROUTE))
    if "+}" in path:
        raise TemplateError(f"{where}: greedy path variables are not emulated locally")
    authorizer = (properties.get("Auth") or {}).get("Authorizer", default_authorizer)
    if authorizer == "NONE":
        authorizer = None
    if authorizer is not None and authorizer not in authorizers:
        raise TemplateError(f"{where}: unknown authorizer {authorizer!r}")
    return Route(str(properties.get("Method", "ANY")).upper(), path, function_id, authorizer)


_STREAM_PROPERTIES = {
    "Stream",
    "StartingPosition",
    "BatchSize",
    "FilterCriteria",
    "FunctionResponseTypes",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    # Accepted, not emulated: local records never get old.
    "MaximumRecordAgeInSeconds",
    "DestinationConfig",
}


def _stream_source(
    function_id: str, event_name: str, raw: Mapping[str, Any], resolver: _Resolver, table: Table
) -> StreamSource:
    where = f"{function_id}/{event_name}"
    _check_keys(where, raw, _STREAM_PROPERTIES)
    if _referenced_id(raw.get("Stream")) != table.logical_id or "StreamSpecification" not in table.properties:
        raise TemplateError(f"{where}: Stream must be !GetAtt {table.logical_id}.StreamArn of a stream")
    properties = resolver.resolve(raw)
    patterns = [
        json.loads(item["Pattern"]) for item in (properties.get("FilterCriteria") or {}).get("Filters", ())
    ]
    unknown = sorted(set().union(*map(unknown_rules, patterns)))
    if unknown:
        raise TemplateError(f"{where}: filter rule(s) {', '.join(unknown)} not emulated locally")
    return StreamSource(
        function_id=function_id,
        event_name=event_name,
        table_name=table.name,
        batch_size=int(properties.get("BatchSize", 100)),
        starting_position=str(properties.get("StartingPosition", "TRIM_HORIZON")),
        filter_patterns=tuple(patterns),
        report_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", ()),
        maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
        bisect_batch_on_function_error=bool(properties.get("BisectBatchOnFunctionError", False)),
        on_failure_queue=_on_failure_queue(where, properties),
    )


def _on_failure_queue(where: str, properties: Mapping[str, Any]) -> str | None:
    """The name of the SQS queue a stream mapping's dropped batches are reported to, if any."""
    destination = ((properties.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if destination is None:
        return None
    if not (isinstance(destination, str) and destination.startswith("arn:aws:sqs:")):
        raise TemplateError(f"{where}: only an SQS queue is emulated as an on-failure destination")
    return destination.rsplit(":", 1)[1]


_EVENT_RULE_PROPERTIES = {
    "Pattern",
    # Accepted, not emulated: they govern EventBridge's delivery to Lambda (throttled, denied), which
    # locally never fails. A failing function is retried by Lambda's asynchronous invocation instead.
    "RetryPolicy",
    "DeadLetterConfig",
}


def _event_rule_source(
    function_id: str, event_name: str, raw: Mapping[str, Any], resolver: _Resolver
) -> EventRuleSource:
    where = f"{function_id}/{event_name}"
    _check_keys(where, raw, _EVENT_RULE_PROPERTIES)
    pattern = resolver.resolve(raw).get("Pattern")
    if not isinstance(pattern, dict) or not pattern:
        raise TemplateError(f"{where}: no Pattern")
    unknown = sorted(unknown_rules(pattern))
    if unknown:
        raise TemplateError(f"{where}: pattern rule(s) {', '.join(unknown)} not emulated locally")
    return EventRuleSource(function_id, event_name, pattern)


def _sends_to_eventbridge(logical_id: str, properties: Mapping[str, Any], resolver: _Resolver) -> bool:
    """Whether a bucket's events go to EventBridge, the one kind of bucket notification emulated."""
    notifications = resolver.resolve(properties.get("NotificationConfiguration") or {})
    _check_keys(f"{logical_id} NotificationConfiguration", notifications, {"EventBridgeConfiguration"})
    enabled = (notifications.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled", False)
    return _as_str(enabled) == "true"


def _schedule_source(
    function_id: str, event_name: str, event_type: str, raw: Mapping[str, Any], resolver: _Resolver
) -> ScheduleSource:
    where, scheduler = f"{function_id}/{event_name}", event_type == "ScheduleV2"
    expression_key = "ScheduleExpression" if scheduler else "Schedule"
    # ScheduleV2's RetryPolicy is accepted, not emulated (locally a failed run is logged); its time
    # zone must be UTC, the zone the local scheduler reads cron expressions in.
    _check_keys(
        where,
        raw,
        {expression_key, "Input", *(("ScheduleExpressionTimezone", "RetryPolicy") if scheduler else ())},
    )
    properties = resolver.resolve(raw)
    expression = properties.get(expression_key)
    if not isinstance(expression, str):
        raise TemplateError(f"{where}: no {expression_key}")
    if properties.get("ScheduleExpressionTimezone", "UTC") != "UTC":
        raise TemplateError(f"{where}: only ScheduleExpressionTimezone UTC is emulated locally")
    return ScheduleSource(function_id, event_name, expression, properties.get("Input"), scheduler)


def build_stack(
    template: Mapping[str, Any], *, template_path: Path, parameters: Mapping[str, str] | None = None
) -> Stack:
    """Resolve a parsed template (see `read_template`) into a `Stack`.

    `parameters` override the template's parameter defaults; unknown names are an error.
    """
    globals_ = template.get("Globals") or {}
    unsupported = [f"Globals.{section}" for section in globals_ if section != "Function"]
    unsupported += ["Mappings"] if "Mappings" in template else []
    if unsupported:
        raise TemplateError(f"{', '.join(unsupported)} not supported by the local stack")
    values = _parameter_values(template.get("Parameters") or {}, parameters or {})
    # A resource created only under a condition is left out when it is false (the optional dashboard
    # hosting); Fn::If is evaluated in the HttpApi's properties only (its CORS, for that dashboard).
    # Elsewhere the resolver refuses Fn::If wherever it would have to evaluate it.
    holds = _conditions(template.get("Conditions") or {}, values)
    function_globals = globals_.get("Function") or {}
    resources = {
        logical_id: {
            **resource,
            "Properties": _merge_globals(function_globals, resource.get("Properties") or {}),
        }
        if resource["Type"] == FUNCTION
        else _chosen_properties(resource, holds)
        if resource["Type"] == HTTP_API
        else resource
        for logical_id, resource in template["Resources"].items()
        if _created(resource, holds)
    }
    resolver = _Resolver(resources, values)

    def of_type(resource_type: str) -> dict[str, Mapping[str, Any]]:
        return {lid: r.get("Properties") or {} for lid, r in resources.items() if r["Type"] == resource_type}

    api_id, api = _only_one(of_type(HTTP_API), HTTP_API)
    table_id, table_properties = _only_one(of_type(TABLE), TABLE)
    table = Table(table_id, resolver.physical_name(table_id), resolver.resolve(table_properties))
    if table.properties.get("BillingMode") != "PAY_PER_REQUEST":
        raise TemplateError(f"{table_id}: only BillingMode PAY_PER_REQUEST is emulated locally")
    buckets = {lid: resolver.physical_name(lid) for lid in of_type(BUCKET)}
    eventbridge_buckets = tuple(
        buckets[lid] for lid, props in of_type(BUCKET).items() if _sends_to_eventbridge(lid, props, resolver)
    )
    versioned_buckets = tuple(
        buckets[lid]
        for lid, props in of_type(BUCKET).items()
        if (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled"
    )
    functions = {
        lid: _build_function(lid, props, resolver, template_path.parent)
        for lid, props in of_type(FUNCTION).items()
    }
    authorizers = _lambda_authorizers(api_id, api)
    default_authorizer = (api.get("Auth") or {}).get("DefaultAuthorizer")
    routes: list[Route] = []
    streams: list[StreamSource] = []
    rules: list[EventRuleSource] = []
    schedules: list[ScheduleSource] = []
    for function_id, function_properties in of_type(FUNCTION).items():
        for event_name, event in (function_properties.get("Events") or {}).items():
            event_type, raw = event["Type"], event.get("Properties") or {}
            if event_type == "HttpApi":
                routes.append(_route(function_id, event_name, raw, api_id, authorizers, default_authorizer))
            elif event_type == "DynamoDB":
                streams.append(_stream_source(function_id, event_name, raw, resolver, table))
            elif event_type == "EventBridgeRule":
                rules.append(_event_rule_source(function_id, event_name, raw, resolver))
            elif event_type in ("Schedule", "ScheduleV2"):
                schedules.append(_schedule_source(function_id, event_name, event_type, raw, resolver))
            else:
                raise TemplateError(
                    f"{function_id}/{event_name}: {event_type} events are not emulated locally"
                )

    return Stack(
        template_path=template_path,
        parameters=values,
        functions=functions,
        api=HttpApi(api_id, resolver.physical_name(api_id), tuple(routes), authorizers),
        table=table,
        buckets=buckets,
        eventbridge_buckets=eventbridge_buckets,
        versioned_buckets=versioned_buckets,
        global_environment=_environment(
            resolver.resolve((function_globals.get("Environment") or {}).get("Variables"))
        ),
        stream_sources=tuple(streams),
        event_rules=tuple(rules),
        schedules=tuple(schedules),
    )


def load_stack(path: Path, parameters: Mapping[str, str] | None = None) -> Stack:
    """Read and resolve the template at `path` (see `build_stack`)."""
    path = path.resolve()
    return build_stack(read_template(path), template_path=path, parameters=parameters)


def table_definition(stack: Stack, table_name: str | None = None) -> dict[str, Any]:
    """``create_table(**kwargs)`` arguments for the template's table.

    `table_name` overrides its local name (tests create uniquely named copies). Deployment-only
    settings (PITR, SSE, deletion protection, tags) are left out; the stream is always enabled
    when the template declares one.
    """
    properties = stack.table.properties
    definition: dict[str, Any] = {
        "TableName": table_name or stack.table.name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties["BillingMode"],
    }
    for index_type in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.get(index_type):
            definition[index_type] = [
                {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
                for index in properties[index_type]
            ]
    if "StreamSpecification" in properties:
        view_type = properties["StreamSpecification"]["StreamViewType"]
        definition["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view_type}
    return definition
