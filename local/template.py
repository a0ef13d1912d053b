"""Read a SAM template into the typed model the local stack runs.

template.yaml is the single source of truth: functions, their environment, routes, the authorizer,
event sources, the table and the bucket all come from here, never restated by hand. Intrinsic
functions are resolved for a local context: the fake account and region of ``local.aws``,
CloudFormation-like physical names (``<stack>-<LogicalId>``) and plausible fake ARNs.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from local.aws import ACCOUNT_ID, REGION

logger = logging.getLogger(__name__)

IMPLICIT_HTTP_API = "ServerlessHttpApi"  # the API SAM creates for HttpApi events without ApiId
DEFAULT_ROUTE = "$default"
TABLE = "AWS::DynamoDB::Table"
BUCKET = "AWS::S3::Bucket"
FUNCTION = "AWS::Serverless::Function"
HTTP_API = "AWS::Serverless::HttpApi"
# Stream ARNs end with the stream's creation time; any fixed label makes a plausible fake.
STREAM_LABEL = "1970-01-01T00:00:00.000"


class TemplateError(Exception):
    """The template declares something the local stack cannot run."""


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
    events: Mapping[str, Any]


@dataclass(frozen=True)
class Route:
    """One HttpApi event: ``METHOD /path`` (or ``$default``) served by a function."""

    method: str
    path: str
    function_id: str
    authorizer: str | None
    payload_format: str = "2.0"

    @property
    def route_key(self) -> str:
        """The API Gateway route key, e.g. "GET /v1/facilities/{facility_id}" or "$default"."""
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"


@dataclass(frozen=True)
class Authorizer:
    """An HttpApi Lambda authorizer."""

    name: str
    function_id: str
    payload_format: str
    simple_responses: bool
    identity_headers: tuple[str, ...] = ()
    identity_query_strings: tuple[str, ...] = ()
    reauthorize_every: int = 0


@dataclass(frozen=True)
class Cors:
    """An HttpApi ``CorsConfiguration``."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None


@dataclass(frozen=True)
class HttpApi:
    """An ``AWS::Serverless::HttpApi`` (or SAM's implicit one) with the routes attached to it."""

    logical_id: str
    api_id: str
    routes: tuple[Route, ...]
    authorizers: Mapping[str, Authorizer]
    cors: Cors | None = None


@dataclass(frozen=True)
class StreamSource:
    """A ``Type: DynamoDB`` event: an event source mapping on a table's stream."""

    function_id: str
    event_name: str
    table_name: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    filter_patterns: tuple[Mapping[str, Any], ...] = ()
    function_response_types: tuple[str, ...] = ()
    maximum_retry_attempts: int = -1
    bisect_batch_on_function_error: bool = False
    on_failure_destination: str | None = None
    enabled: bool = True

    @property
    def reports_batch_item_failures(self) -> bool:
        """Whether the function may answer ``{"batchItemFailures": [...]}``."""
        return "ReportBatchItemFailures" in self.function_response_types


@dataclass(frozen=True)
class S3Source:
    """A ``Type: S3`` event: object notifications of a bucket, filtered by event and key."""

    function_id: str
    event_name: str
    bucket: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class ScheduleSource:
    """A ``Type: Schedule`` (EventBridge rule) or ``ScheduleV2`` (EventBridge Scheduler) event."""

    function_id: str
    event_name: str
    expression: str
    input: str | None = None
    scheduler: bool = False  # True for ScheduleV2
    enabled: bool = True


@dataclass(frozen=True)
class Table:
    """An ``AWS::DynamoDB::Table`` with its local name and resolved properties."""

    logical_id: str
    name: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class Stack:
    """Everything the local stack needs from one template, resolved for local use."""

    template_path: Path
    stack_name: str
    parameters: Mapping[str, str]
    functions: Mapping[str, Function]
    http_apis: Mapping[str, HttpApi]
    tables: Mapping[str, Table]
    buckets: Mapping[str, str]  # logical id -> bucket name
    global_environment: Mapping[str, str]  # Globals.Function.Environment.Variables
    stream_sources: tuple[StreamSource, ...] = ()
    s3_sources: tuple[S3Source, ...] = ()
    schedules: tuple[ScheduleSource, ...] = ()
    unsupported_events: tuple[str, ...] = field(default=())  # "Function/Event (Type)"

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes of every HttpApi."""
        return tuple(route for api in self.http_apis.values() for route in api.routes)


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
    if tag in ("Ref", "Condition"):
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

_NO_VALUE = object()  # AWS::NoValue: the enclosing key or list item disappears
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME_PROPERTIES = {
    TABLE: "TableName",
    BUCKET: "BucketName",
    FUNCTION: "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
}
_ARN_FORMATS = {
    TABLE: "arn:aws:dynamodb:{region}:{account}:table/{name}",
    BUCKET: "arn:aws:s3:::{name}",
    FUNCTION: "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
}


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def _as_str(value: Any) -> str:
    """CloudFormation's string form of a scalar (booleans are lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"expected a scalar, got {value!r}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _referenced_id(value: Any) -> str | None:
    """The logical id named by ``{"Ref": X}`` or ``{"Fn::GetAtt": [X, ...]}``, else None."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


class _Resolver:
    """Evaluates intrinsic functions and conditions against the local context."""

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str], stack_name: str):
        self._resources: Mapping[str, Any] = template["Resources"]
        self._parameter_types = {
            name: spec.get("Type", "String") for name, spec in template.get("Parameters", {}).items()
        }
        self._parameters = parameters
        self._mappings: Mapping[str, Any] = template.get("Mappings", {})
        self._conditions: Mapping[str, Any] = template.get("Conditions", {})
        self._condition_values: dict[str, bool] = {}
        self.stack_name = stack_name

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside `value`; ``AWS::NoValue`` entries are dropped."""
        if _is_intrinsic(value):
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Condition":
                return self.condition(argument)
            return self._function(key, argument)
        if isinstance(value, dict):
            resolved = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not _NO_VALUE}
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item is not _NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        """Evaluate a named condition of the Conditions section (memoized)."""
        if name not in self._condition_values:
            if name not in self._conditions:
                raise TemplateError(f"unknown condition {name!r}")
            self._condition_values[name] = self._truth(self._conditions[name])
        return self._condition_values[name]

    def physical_name(self, logical_id: str) -> str:
        """The resource's name: its explicit name property, else ``<stack>-<LogicalId>``."""
        resource = self._resource(logical_id)
        name_property = _NAME_PROPERTIES.get(resource["Type"])
        properties = resource.get("Properties") or {}
        if name_property and name_property in properties:
            return _as_str(self.resolve(properties[name_property]))
        name = f"{self.stack_name}-{logical_id}"
        return name.lower() if resource["Type"] == BUCKET else name  # bucket names are lower-case

    def arn(self, logical_id: str) -> str:
        """A plausible fake ARN for a resource of the template."""
        resource_type = self._resource(logical_id)["Type"]
        service = resource_type.split("::")[1].lower()
        pattern = _ARN_FORMATS.get(resource_type, "arn:aws:{service}:{region}:{account}:{name}")
        return pattern.format(
            region=REGION, account=ACCOUNT_ID, service=service, name=self.physical_name(logical_id)
        )

    def _resource(self, logical_id: str) -> Mapping[str, Any]:
        if logical_id not in self._resources:
            raise TemplateError(f"unknown resource {logical_id!r}")
        return self._resources[logical_id]

    def _truth(self, value: Any) -> bool:
        result = self.resolve(value)
        if not isinstance(result, bool):
            raise TemplateError(f"condition did not evaluate to a boolean: {value!r}")
        return result

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/local",
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self._parameters:
            value = self._parameters[name]
            list_type = self._parameter_types[name]
            is_list = list_type == "CommaDelimitedList" or list_type.startswith("List<")
            return value.split(",") if is_list else value
        return self.physical_name(name)

    def _get_att(self, argument: Any) -> str:
        logical_id, attribute = self.resolve(argument)
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "StreamArn" and self._resource(logical_id)["Type"] == TABLE:
            return f"{self.arn(logical_id)}/stream/{STREAM_LABEL}"
        logger.warning("Fn::GetAtt %s.%s is not emulated; using a placeholder", logical_id, attribute)
        return f"{self.physical_name(logical_id)}.{attribute}"

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self.resolve(value) for name, value in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} stands for the text ${Literal}
                return "${" + name[1:] + "}"
            if name in values:
                return _as_str(values[name])
            if "." in name and not name.startswith("AWS::"):
                return self._get_att(name.split(".", 1))
            return _as_str(self._ref(name))

        return _SUB_VARIABLE.sub(substitute, text)

    def _function(self, name: str, argument: Any) -> Any:
        if name == "Fn::GetAtt":
            return self._get_att(argument)
        if name == "Fn::Sub":
            return self._sub(argument)
        if name == "Fn::If":
            condition, if_true, if_false = argument
            return self.resolve(if_true if self.condition(condition) else if_false)
        if name == "Fn::Equals":
            left, right = self.resolve(argument)
            return _as_str(left) == _as_str(right)
        if name == "Fn::Not":
            return not self._truth(argument[0])
        if name == "Fn::And":
            return all(self._truth(item) for item in argument)
        if name == "Fn::Or":
            return any(self._truth(item) for item in argument)
        if name == "Fn::Join":
            delimiter, items = self.resolve(argument)
            return delimiter.join(_as_str(item) for item in items)
        if name == "Fn::Select":
            index, items = self.resolve(argument)
            return items[int(index)]
        if name == "Fn::Split":
            delimiter, text = self.resolve(argument)
            return text.split(delimiter)
        if name == "Fn::FindInMap":
            map_name, top_key, second_key = self.resolve(argument)
            return self._mappings[map_name][top_key][second_key]
        if name == "Fn::Base64":
            return base64.b64encode(_as_str(self.resolve(argument)).encode()).decode()
        raise TemplateError(f"{name} is not supported by the local stack")


# ---------------------------------------------------------------- building the stack

# SAM Globals sections and the resource type each applies to (the others do not matter locally).
_GLOBAL_SECTIONS = {"Function": FUNCTION, "HttpApi": HTTP_API}


def _merge_globals(base: Any, override: Any) -> Any:
    """SAM's Globals merge: maps merge, lists add up (globals first), anything else is overridden."""
    if isinstance(base, dict) and isinstance(override, dict):
        if _is_intrinsic(base) or _is_intrinsic(override):
            return override
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
        if name in overrides:
            values[name] = str(overrides[name])
        elif "Default" in spec:
            values[name] = _as_str(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no Default: pass a value for it")
    return values


def _environment(variables: Any) -> dict[str, str]:
    return {name: _as_str(value) for name, value in (variables or {}).items()}


_FUNCTION_KEYS = ("CodeUri", "Handler", "Runtime", "Environment", "Timeout", "MemorySize")


def _build_function(
    logical_id: str, properties: Mapping[str, Any], resolver: _Resolver, template_dir: Path
) -> Function:
    # Only what runs locally is resolved: Policies, Layers, VpcConfig... may use anything.
    resolved = resolver.resolve({key: properties[key] for key in _FUNCTION_KEYS if key in properties})
    code_uri = resolved.get("CodeUri")
    if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
        raise TemplateError(f"{logical_id}: the local stack needs a local CodeUri directory")
    if "Handler" not in resolved:
        raise TemplateError(f"{logical_id}: no Handler")
    return Function(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        arn=resolver.arn(logical_id),
        code_uri=(template_dir / code_uri).resolve(),
        handler=resolved["Handler"],
        runtime=resolved.get("Runtime", ""),
        environment=_environment(resolved.get("Environment", {}).get("Variables")),
        timeout=int(resolved.get("Timeout", 3)),
        memory=int(resolved.get("MemorySize", 128)),
        events=resolver.resolve(properties.get("Events") or {}),
    )


def _build_authorizer(api_id: str, name: str, config: Mapping[str, Any], resolver: _Resolver) -> Authorizer:
    function_id = _referenced_id(config.get("FunctionArn"))
    if function_id is None:
        raise TemplateError(f"{api_id}: authorizer {name} must reference a function of the template")
    resolved = resolver.resolve(config)
    identity = resolved.get("Identity") or {}
    return Authorizer(
        name=name,
        function_id=function_id,
        payload_format=str(resolved.get("AuthorizerPayloadFormatVersion", "2.0")),
        simple_responses=bool(resolved.get("EnableSimpleResponses", False)),
        identity_headers=tuple(identity.get("Headers", ())),
        identity_query_strings=tuple(identity.get("QueryStrings", ())),
        reauthorize_every=int(identity.get("ReauthorizeEvery", 0)),
    )


def _build_cors(config: Any) -> Cors | None:
    if config is True:
        return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    if not isinstance(config, dict):
        return None
    return Cors(
        allow_origins=tuple(config.get("AllowOrigins", ())),
        allow_methods=tuple(method.upper() for method in config.get("AllowMethods", ())),
        allow_headers=tuple(config.get("AllowHeaders", ())),
        expose_headers=tuple(config.get("ExposeHeaders", ())),
        allow_credentials=bool(config.get("AllowCredentials", False)),
        max_age=int(config["MaxAge"]) if "MaxAge" in config else None,
    )


@dataclass
class _ApiDraft:
    """An HttpApi while its routes are collected from the functions' events."""

    logical_id: str
    api_id: str
    default_authorizer: str | None
    authorizer_configs: Mapping[str, Any]
    cors: Cors | None
    routes: list[Route] = field(default_factory=list)


def _api_draft(logical_id: str, properties: Mapping[str, Any], resolver: _Resolver) -> _ApiDraft:
    auth = properties.get("Auth") or {}
    return _ApiDraft(
        logical_id=logical_id,
        api_id=resolver.physical_name(logical_id) if logical_id != IMPLICIT_HTTP_API else "local",
        default_authorizer=auth.get("DefaultAuthorizer"),
        authorizer_configs=auth.get("Authorizers") or {},
        cors=_build_cors(resolver.resolve(properties.get("CorsConfiguration"))),
    )


def _route(function_id: str, properties: Mapping[str, Any], api: _ApiDraft) -> Route:
    authorizer = (properties.get("Auth") or {}).get("Authorizer", api.default_authorizer)
    if authorizer == "NONE":
        authorizer = None
    if authorizer is not None and authorizer not in api.authorizer_configs:
        raise TemplateError(f"{function_id}: unknown authorizer {authorizer!r} on {api.logical_id}")
    return Route(
        method=str(properties.get("Method", "ANY")).upper(),
        path=str(properties.get("Path", DEFAULT_ROUTE)),
        function_id=function_id,
        authorizer=authorizer,
        payload_format=str(properties.get("PayloadFormatVersion", "2.0")),
    )


def _stream_source(
    function_id: str, event_name: str, properties: Mapping[str, Any], raw: Any, tables: Mapping[str, Table]
) -> StreamSource:
    table_id = _referenced_id(raw.get("Stream"))
    if table_id not in tables:
        raise TemplateError(f"{function_id}/{event_name}: Stream must be !GetAtt <Table>.StreamArn")
    patterns = tuple(
        json.loads(item["Pattern"]) if isinstance(item["Pattern"], str) else item["Pattern"]
        for item in (properties.get("FilterCriteria") or {}).get("Filters", ())
    )
    destination = ((properties.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return StreamSource(
        function_id=function_id,
        event_name=event_name,
        table_name=tables[table_id].name,
        batch_size=int(properties.get("BatchSize", 100)),
        starting_position=str(properties.get("StartingPosition", "TRIM_HORIZON")),
        filter_patterns=patterns,
        function_response_types=tuple(properties.get("FunctionResponseTypes", ())),
        maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
        bisect_batch_on_function_error=bool(properties.get("BisectBatchOnFunctionError", False)),
        on_failure_destination=destination,
        enabled=bool(properties.get("Enabled", True)),
    )


def _s3_source(
    function_id: str, event_name: str, properties: Mapping[str, Any], raw: Any, buckets: Mapping[str, str]
) -> S3Source:
    bucket_id = _referenced_id(raw.get("Bucket"))
    if bucket_id not in buckets:
        raise TemplateError(f"{function_id}/{event_name}: Bucket must be !Ref <Bucket> of this template")
    rules = {
        rule["Name"].lower(): rule["Value"]
        for rule in ((properties.get("Filter") or {}).get("S3Key") or {}).get("Rules", ())
    }
    return S3Source(
        function_id=function_id,
        event_name=event_name,
        bucket=buckets[bucket_id],
        events=tuple(_as_list(properties.get("Events"))),
        prefix=rules.get("prefix", ""),
        suffix=rules.get("suffix", ""),
    )


def _schedule_source(
    function_id: str, event_name: str, event_type: str, properties: Mapping[str, Any]
) -> ScheduleSource:
    scheduler = event_type == "ScheduleV2"
    expression = properties.get("ScheduleExpression" if scheduler else "Schedule")
    if not isinstance(expression, str):
        raise TemplateError(f"{function_id}/{event_name}: no schedule expression")
    state = str(properties.get("State", "ENABLED")).upper()
    return ScheduleSource(
        function_id=function_id,
        event_name=event_name,
        expression=expression,
        input=properties.get("Input"),
        scheduler=scheduler,
        enabled=bool(properties.get("Enabled", True)) and state == "ENABLED",
    )


def _finish_api(draft: _ApiDraft, resolver: _Resolver) -> HttpApi:
    authorizers = {
        name: _build_authorizer(draft.logical_id, name, config, resolver)
        for name, config in draft.authorizer_configs.items()
        if "FunctionArn" in config  # a JWT authorizer: rejected below if a route uses it
    }
    for route in draft.routes:
        if route.authorizer is not None and route.authorizer not in authorizers:
            raise TemplateError(f"{route.route_key}: only Lambda authorizers are emulated locally")
    return HttpApi(draft.logical_id, draft.api_id, tuple(draft.routes), authorizers, draft.cors)


@dataclass
class _EventSources:
    """The functions' events, sorted by kind."""

    streams: list[StreamSource] = field(default_factory=list)
    s3: list[S3Source] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def _with_globals(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template's resources with the Globals sections merged into their properties."""
    globals_ = template.get("Globals") or {}
    resources = {}
    for logical_id, resource in template["Resources"].items():
        section = next((s for s, t in _GLOBAL_SECTIONS.items() if t == resource.get("Type")), None)
        if section in globals_:
            properties = _merge_globals(globals_[section], resource.get("Properties") or {})
            resource = {**resource, "Properties": properties}
        resources[logical_id] = resource
    return resources


def build_stack(
    template: Mapping[str, Any],
    *,
    template_path: Path,
    parameters: Mapping[str, str] | None = None,
    stack_name: str = "local",
) -> Stack:
    """Resolve a parsed template (see `read_template`) into a `Stack`.

    `parameters` override the template's parameter defaults; unknown names are an error.
    """
    resources = _with_globals(template)
    values = _parameter_values(template.get("Parameters") or {}, parameters or {})
    resolver = _Resolver({**template, "Resources": resources}, values, stack_name)
    active = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if "Condition" not in resource or resolver.condition(resource["Condition"])
    }

    def of_type(resource_type: str) -> dict[str, Mapping[str, Any]]:
        return {lid: r.get("Properties") or {} for lid, r in active.items() if r["Type"] == resource_type}

    functions = {
        lid: _build_function(lid, props, resolver, template_path.parent)
        for lid, props in of_type(FUNCTION).items()
    }
    tables = {
        lid: Table(lid, resolver.physical_name(lid), resolver.resolve(props))
        for lid, props in of_type(TABLE).items()
    }
    buckets = {lid: resolver.physical_name(lid) for lid in of_type(BUCKET)}
    apis = {lid: _api_draft(lid, props, resolver) for lid, props in of_type(HTTP_API).items()}
    sources = _EventSources()
    for function_id, function_properties in of_type(FUNCTION).items():
        for event_name, raw_event in (function_properties.get("Events") or {}).items():
            event_type = raw_event.get("Type")
            raw = raw_event.get("Properties") or {}
            properties = functions[function_id].events[event_name].get("Properties") or {}
            if event_type == "HttpApi":
                api_id = _referenced_id(raw.get("ApiId")) or IMPLICIT_HTTP_API
                if api_id == IMPLICIT_HTTP_API and api_id not in apis:
                    implicit = (template.get("Globals") or {}).get("HttpApi") or {}
                    apis[api_id] = _api_draft(api_id, implicit, resolver)
                if api_id not in apis:
                    raise TemplateError(f"{function_id}/{event_name}: unknown HttpApi {api_id!r}")
                apis[api_id].routes.append(_route(function_id, properties, apis[api_id]))
            elif event_type == "DynamoDB":
                sources.streams.append(_stream_source(function_id, event_name, properties, raw, tables))
            elif event_type == "S3":
                sources.s3.append(_s3_source(function_id, event_name, properties, raw, buckets))
            elif event_type in ("Schedule", "ScheduleV2"):
                sources.schedules.append(_schedule_source(function_id, event_name, event_type, properties))
            else:
                sources.unsupported.append(f"{function_id}/{event_name} ({event_type})")

    function_globals = (template.get("Globals") or {}).get("Function") or {}
    return Stack(
        template_path=template_path,
        stack_name=stack_name,
        parameters=values,
        functions=functions,
        http_apis={lid: _finish_api(draft, resolver) for lid, draft in apis.items()},
        tables=tables,
        buckets=buckets,
        global_environment=_environment(
            resolver.resolve((function_globals.get("Environment") or {}).get("Variables"))
        ),
        stream_sources=tuple(sources.streams),
        s3_sources=tuple(sources.s3),
        schedules=tuple(sources.schedules),
        unsupported_events=tuple(sources.unsupported),
    )


def load_stack(
    path: Path, parameters: Mapping[str, str] | None = None, *, stack_name: str = "local"
) -> Stack:
    """Read and resolve the template at `path` (see `build_stack`)."""
    path = path.resolve()
    return build_stack(read_template(path), template_path=path, parameters=parameters, stack_name=stack_name)


# ---------------------------------------------------------------- resources for boto3

_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")


def _throughput(value: Mapping[str, Any]) -> dict[str, int]:
    return {key: int(value[key]) for key in ("ReadCapacityUnits", "WriteCapacityUnits")}


def table_definition(stack: Stack, table_name: str | None = None, *, logical_id: str | None = None) -> dict:
    """``create_table(**kwargs)`` arguments for a table of the template.

    The table is the template's only ``AWS::DynamoDB::Table`` unless `logical_id` picks one;
    `table_name` overrides its local name (tests create uniquely named copies). Deployment-only
    settings (PITR, SSE, deletion protection, tags) are left out; the stream is always enabled
    when the template declares one.
    """
    if logical_id is None:
        if len(stack.tables) != 1:
            raise TemplateError(f"the template has {len(stack.tables)} tables: pass logical_id")
        logical_id = next(iter(stack.tables))
    table = stack.tables[logical_id]
    properties = table.properties
    billing_mode = properties.get("BillingMode", "PROVISIONED")  # CloudFormation's default
    definition: dict[str, Any] = {
        "TableName": table_name or table.name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        definition["ProvisionedThroughput"] = _throughput(properties["ProvisionedThroughput"])
    for index_type in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.get(index_type):
            definition[index_type] = [
                {
                    key: _throughput(index[key]) if key == "ProvisionedThroughput" else index[key]
                    for key in _INDEX_KEYS
                    if key in index
                }
                for index in properties[index_type]
            ]
    stream = properties.get("StreamSpecification")
    if stream:
        definition["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    return definition


def bucket_names(stack: Stack) -> list[str]:
    """Local names of the template's S3 buckets."""
    return list(stack.buckets.values())
