"""Run the application locally: no AWS account, no Docker.

    python -m local.dev [--port 3000] [--seed local/seed.json | --no-seed] [--template template.yaml]
                        [--state-dir .local] [--persist] [--parameter Key=Value ...]

Starts DynamoDB Local and a moto server, creates the template's table and buckets, loads what the
table does not hold yet of the seed data (with ``--persist`` the table is kept in <state-dir>/dynamodb
and resumed by the next run; the buckets are always new: moto keeps them in memory), then serves the
HttpApi on 127.0.0.1:<port> with every function in a warm worker and runs the event sources
(DynamoDB streams, EventBridge rules, schedules). It writes stack.json to the state directory for
``local.invoke``, ``local.token`` and ``carbon_accounting.admin``. Ctrl-C or SIGTERM stops everything.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from carbon_accounting.seed import Seed, load_seed
from local.aws import REGION, Endpoints
from local.dashboard import content_security_policy, dashboard_site
from local.docs import docs_site
from local.dynamodb_local import DynamoDBLocalError, dynamodb_endpoint
from local.event_rules import EventRulePoller
from local.functions import FunctionPool, Invoke
from local.gateway import Gateway, HttpRequest, HttpResponse
from local.jwt_keys import local_issuer
from local.moto_server import moto_server
from local.net import LOOPBACK
from local.paths import SEED, STATE_DIR, TEMPLATE
from local.polling import PollingThread
from local.schedules import Scheduler
from local.state import StackState, remove_state, write_state
from local.streams import StreamPoller
from local.template import Route, Stack, TemplateError, build_stack, read_template, table_definition

logger = logging.getLogger("local.dev")

READY = "Local stack ready on"  # tests and scripts wait for this line


def _parameter(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator:
        raise argparse.ArgumentTypeError(f"expected Key=Value, got {text!r}")
    return name, value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m local.dev", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000, help="API port")
    seed = parser.add_mutually_exclusive_group()
    seed.add_argument("--seed", type=Path, default=SEED, help="seed file (JSON)")
    seed.add_argument("--no-seed", action="store_true", help="start with an empty table")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="SAM template")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR, help="where stack.json and keys go")
    parser.add_argument(
        "--persist", action="store_true", help="keep the table in <state-dir>/dynamodb between runs"
    )
    parser.add_argument(
        "--parameter",
        type=_parameter,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter override (repeatable)",
    )
    return parser.parse_args(argv)


def jwt_parameters(declared: Sequence[str], jwt: dict[str, str]) -> dict[str, str]:
    """Overrides pointing the template's JWT parameters (those it declares) at the local key."""
    wanted = {"JwtIssuer": jwt["issuer"], "JwtAudience": jwt["audience"], "JwksUrl": jwt["jwks_url"]}
    return {name: value for name, value in wanted.items() if name in declared}


def create_resources(stack: Stack, endpoints: Endpoints) -> bool:
    """Create the template's buckets, and its table unless a kept database holds it already;
    whether the table was resumed."""
    dynamodb = endpoints.client("dynamodb")
    resumed = stack.table.name in dynamodb.list_tables()["TableNames"]
    definition = table_definition(stack)
    if not resumed:
        dynamodb.create_table(**definition)
        dynamodb.get_waiter("table_exists").wait(TableName=stack.table.name, WaiterConfig={"Delay": 1})
    else:  # a kept table: the indexes the template has gained since, as a deployment adds them
        existing = dynamodb.describe_table(TableName=stack.table.name)["Table"].get(
            "GlobalSecondaryIndexes", []
        )
        for index in definition.get("GlobalSecondaryIndexes", []):
            if index["IndexName"] not in {each["IndexName"] for each in existing}:
                dynamodb.update_table(
                    TableName=stack.table.name,
                    AttributeDefinitions=definition["AttributeDefinitions"],
                    GlobalSecondaryIndexUpdates=[{"Create": index}],
                )
    s3 = endpoints.client("s3")
    for bucket in stack.buckets.values():
        s3.create_bucket(Bucket=bucket)
        if bucket in stack.versioned_buckets:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return resumed


def event_sources(stack: Stack, endpoints: Endpoints, invoke: Invoke) -> list[PollingThread]:
    """Pollers for the template's stream, EventBridge rule and schedule events."""
    pollers: list[PollingThread] = [
        StreamPoller(source, endpoints, invoke) for source in stack.stream_sources
    ]
    if stack.event_rules:
        pollers.append(EventRulePoller(stack.event_rules, stack.eventbridge_buckets, endpoints, invoke))
    if stack.schedules:
        names = {function_id: function.name for function_id, function in stack.functions.items()}
        pollers.append(Scheduler(stack.schedules, names, invoke))
    return pollers


def _python() -> str:
    """This interpreter, relative to the working directory when it lives below it (.venv/bin/python)."""
    try:
        return str(Path(sys.executable).relative_to(Path.cwd()))
    except ValueError:
        return sys.executable


def demo_credentials(seed: Seed | None) -> dict[str, str] | None:
    """What /dashboard?demo=1 signs in with: the first seeded organization with an API key."""
    for organization in seed.organizations if seed else ():
        if organization.api_keys:
            return {
                "organization_id": str(organization.id),
                "api_key": organization.api_keys[0],
                "api_url": "",
            }
    return None


def print_summary(
    url: str, routes: Sequence[Route], seed: Seed | None, state_dir: Path, admin: dict[str, str]
) -> None:
    """The routes served, a curl line for the first seeded organization, how to mint a token, and
    the admin CLI's options for this stack."""
    print(f"\nRoutes ({url}):")
    for route in routes:
        auth = f"[{route.authorizer}]" if route.authorizer else "[no auth]"
        print(f"  {route.method:<7} {route.path:<40} {route.function_id:<32} {auth}")
    user = "<user-id>"
    if seed and seed.organizations:
        organization = seed.organizations[0]
        if organization.api_keys:
            print("\nTry it:")
            print(
                f"  curl -s {url}/v1/facilities -H 'x-api-key: {organization.api_keys[0]}'"
                f" -H 'x-organization-id: {organization.id}'"
            )
        if organization.users:
            user = str(organization.users[0].id)
    print(f"\nAPI docs (Swagger UI; Authorize with the key and the organization): {url}/docs")
    demo = f" (as the demo tenant: {url}/dashboard?demo=1)" if demo_credentials(seed) else ""
    print(f"Dashboard: {url}/dashboard{demo}")
    state_option = "" if state_dir.resolve() == STATE_DIR else f" --state-dir {state_dir}"
    print("\nMint a user token (Authorization: Bearer <token>):")
    print(f"  {_python()} -m local.token --user {user}{state_option}")
    print("\nAdminister tenants (organizations, users, API keys) of this stack:")
    print(f"  {_python()} -m carbon_accounting.admin{state_option} organizations list")
    print("  or, as against a deployed stack (with AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local):")
    print(
        f"  {_python()} -m carbon_accounting.admin --endpoint-url {admin['endpoint']}"
        f" --table {admin['table']} --region {admin['region']} organizations list\n"
    )


def start(args: argparse.Namespace, resources: ExitStack) -> StackState:
    """Start every part of the stack; `resources` stops them in reverse order."""
    with socket.socket() as probe:  # fail before starting anything if the port is taken
        probe.bind((LOOPBACK, args.port))
    template = read_template(args.template)
    jwt = resources.enter_context(local_issuer(args.state_dir / "jwt"))
    overrides = {**jwt_parameters(list(template.get("Parameters") or {}), jwt), **dict(args.parameter)}
    stack = build_stack(template, template_path=args.template.resolve(), parameters=overrides)

    moto = resources.enter_context(moto_server())
    kept = args.state_dir / "dynamodb" if args.persist else None
    endpoints = Endpoints(dynamodb=resources.enter_context(dynamodb_endpoint(moto, kept)), moto=moto)
    # In-process clients (the seed loader) see the stack as a function would.
    os.environ.update(endpoints.environment())
    os.environ.update(stack.global_environment)
    resumed = create_resources(stack, endpoints)
    print(
        f"Table {stack.table.name}: resumed from {kept}"
        if resumed
        else f"Table {stack.table.name}: fresh" + (f", kept in {kept}" if kept else " (in memory)")
    )
    seed = None if args.no_seed else load_seed(args.seed)

    pool = resources.enter_context(FunctionPool(stack, endpoints))
    for poller in event_sources(stack, endpoints, pool.invoke):
        resources.enter_context(poller)
    dashboard = dashboard_site(demo_credentials(seed), content_security_policy(template))

    def site(request: HttpRequest) -> HttpResponse | None:
        return docs_site(request) or dashboard(request)

    url = resources.enter_context(Gateway(stack.api, pool.invoke, site).serve(args.port))

    state = StackState(
        url=url,
        pid=os.getpid(),
        template=str(stack.template_path),
        parameters=dict(stack.parameters),
        endpoints={"dynamodb": endpoints.dynamodb, "moto": endpoints.moto},
        tables={stack.table.logical_id: stack.table.name},
        buckets=dict(stack.buckets),
        functions={logical_id: function.name for logical_id, function in stack.functions.items()},
        jwt=jwt,
    )
    write_state(args.state_dir, state)
    resources.callback(remove_state, args.state_dir)
    admin = {"endpoint": endpoints.dynamodb, "table": stack.table.name, "region": REGION}
    print_summary(url, stack.routes, seed, args.state_dir, admin)
    return state


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack like Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # readable when piped
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s", datefmt="%H:%M:%S"
    )
    for chatty in ("botocore", "werkzeug"):  # the moto server's access log and boto3's notes
        logging.getLogger(chatty).setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ExitStack() as resources:
            state = start(args, resources)
            print(f"{READY} {state.url}")
            while True:
                signal.pause()
    except KeyboardInterrupt:
        print("Local stack stopped")
        return 0
    except (DynamoDBLocalError, TemplateError, OSError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
