"""Run the application locally: no AWS account, no Docker.

    python -m local.dev [--port 3000] [--seed local/seed.json | --no-seed] [--template template.yaml]
                        [--state-dir .local] [--parameter Key=Value ...]

Starts DynamoDB Local and a moto server, creates the template's tables and buckets, loads the seed
data, then serves the HttpApi routes on 127.0.0.1:<port> with every function in a warm worker and
runs the event sources (DynamoDB streams, S3 notifications, schedules). It writes stack.json to
the state directory for ``local.invoke`` and ``local.token``. Ctrl-C or SIGTERM stops everything.
Defaults: port from $PORT or 3000, seed from $SEED or local/seed.json.
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
from typing import Any

from local.aws import Endpoints
from local.dynamodb_local import DynamoDBLocalError, dynamodb_endpoint
from local.functions import FunctionPool, Invoke
from local.gateway import Gateway
from local.jwt_keys import LOCAL_AUDIENCE, JwksServer
from local.moto_server import MotoServer
from local.net import LOOPBACK, free_port
from local.paths import SEED, STATE_DIR, TEMPLATE
from local.polling import PollingThread
from local.s3_events import S3EventPoller
from local.schedules import Scheduler
from local.state import StackState, remove_state, write_state
from local.streams import StreamPoller
from local.template import Stack, TemplateError, bucket_names, build_stack, read_template, table_definition

logger = logging.getLogger("local.dev")

READY = "Local stack ready on"  # tests and scripts wait for this line


def _parameter(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator:
        raise argparse.ArgumentTypeError(f"expected Key=Value, got {text!r}")
    return name, value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line, with $PORT and $SEED as defaults."""
    parser = argparse.ArgumentParser(prog="python -m local.dev", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")), help="API port")
    seed = parser.add_mutually_exclusive_group()
    seed.add_argument("--seed", type=Path, default=os.environ.get("SEED"), help="seed file (JSON)")
    seed.add_argument("--no-seed", action="store_true", help="start with empty tables")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="SAM template")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR, help="where stack.json and keys go")
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


def create_resources(stack: Stack, endpoints: Endpoints) -> None:
    """Create the template's tables and buckets in the local services."""
    dynamodb = endpoints.client("dynamodb")
    for logical_id, table in stack.tables.items():
        dynamodb.create_table(**table_definition(stack, logical_id=logical_id))
        dynamodb.get_waiter("table_exists").wait(TableName=table.name, WaiterConfig={"Delay": 1})
    s3 = endpoints.client("s3")
    for bucket in bucket_names(stack):
        s3.create_bucket(Bucket=bucket)


def event_sources(stack: Stack, endpoints: Endpoints, invoke: Invoke) -> list[PollingThread]:
    """Pollers for the template's stream, S3 and schedule events."""
    pollers: list[PollingThread] = [
        StreamPoller(source, endpoints, invoke) for source in stack.stream_sources if source.enabled
    ]
    if stack.s3_sources:
        pollers.append(S3EventPoller(stack.s3_sources, endpoints, invoke))
    if stack.schedules:
        names = {function_id: function.name for function_id, function in stack.functions.items()}
        pollers.append(Scheduler(stack.schedules, names, invoke))
    return pollers


def load_seed_data(args: argparse.Namespace) -> Any | None:
    """Load the seed file through local.seed (when both exist); return its summary."""
    if args.no_seed:
        return None
    path = args.seed or SEED
    if not path.exists():
        if args.seed:
            raise FileNotFoundError(f"seed file {path} not found")
        print(f"NOTICE: no seed file at {path}; starting with empty tables")
        return None
    try:
        from local.seed import load_seed
    except ModuleNotFoundError as error:
        if error.name != "local.seed":
            raise
        print("NOTICE: local/seed.py does not exist yet; starting with empty tables")
        return None
    return load_seed(path)


def _python() -> str:
    """This interpreter, relative to the working directory when it lives below it (.venv/bin/python)."""
    try:
        return str(Path(sys.executable).relative_to(Path.cwd()))
    except ValueError:
        return sys.executable


def print_summary(gateways: Sequence[Gateway], seed: Any | None, state_dir: Path) -> None:
    """The routes served, a curl line for the first seeded organization, how to mint a token."""
    for gateway in gateways:
        print(f"\nRoutes of {gateway.api.logical_id} ({gateway.url}):")
        for route in gateway.api.routes:
            auth = f"[{route.authorizer}]" if route.authorizer else "[no auth]"
            print(f"  {route.method:<7} {route.path:<40} {route.function_id:<32} {auth}")
    organizations = getattr(seed, "organizations", None) or []
    user = "<user-id>"
    if organizations and gateways:
        organization = organizations[0]
        if organization.api_keys:
            print("\nTry it:")
            print(
                f"  curl -s {gateways[0].url}/v1/facilities -H 'x-api-key: {organization.api_keys[0]}'"
                f" -H 'x-organization-id: {organization.id}'"
            )
        if organization.users:
            user = organization.users[0].id
    state_option = "" if state_dir.resolve() == STATE_DIR else f" --state-dir {state_dir}"
    print("\nMint a user token (Authorization: Bearer <token>):")
    print(f"  {_python()} -m local.token --user {user}{state_option}\n")


def _local_issuer(state_dir: Path, resources: ExitStack) -> dict[str, str]:
    """Serve the local JWKS; return the JWT settings of the stack."""
    key_dir = state_dir / "jwt"
    issuer = resources.enter_context(JwksServer(key_dir))
    return {
        "issuer": issuer.issuer,
        "audience": LOCAL_AUDIENCE,
        "jwks_url": issuer.jwks_url,
        "key_dir": str(key_dir.resolve()),
    }


def _serve(stack: Stack, invoke: Invoke, port: int, resources: ExitStack) -> list[Gateway]:
    """A gateway per HttpApi: the first on `port`, any other on a free port."""
    gateways = []
    for index, api in enumerate(stack.http_apis.values()):
        gateway = Gateway(api, invoke)
        gateway.start(port if index == 0 else 0)
        resources.callback(gateway.stop)
        gateways.append(gateway)
    return gateways


def start(args: argparse.Namespace, resources: ExitStack) -> StackState:
    """Start every part of the stack; `resources` stops them in reverse order."""
    port = args.port or free_port()
    with socket.socket() as probe:  # fail before starting anything if the port is taken
        probe.bind((LOOPBACK, port))
    template = read_template(args.template)
    jwt = _local_issuer(args.state_dir, resources)
    overrides = {**jwt_parameters(list(template.get("Parameters") or {}), jwt), **dict(args.parameter)}
    stack = build_stack(template, template_path=args.template.resolve(), parameters=overrides)
    for event in stack.unsupported_events:
        print(f"NOTICE: event {event} is not emulated locally")

    moto = resources.enter_context(MotoServer())
    dynamodb = resources.enter_context(dynamodb_endpoint(fallback=moto.endpoint))
    endpoints = Endpoints(dynamodb=dynamodb, moto=moto.endpoint)
    # In-process clients (the seed loader) see the stack as a function would.
    os.environ.update(endpoints.environment())
    os.environ.update(stack.global_environment)
    create_resources(stack, endpoints)
    seed = load_seed_data(args)

    pool = resources.enter_context(FunctionPool(stack, endpoints))
    for poller in event_sources(stack, endpoints, pool.invoke):
        resources.enter_context(poller)
    gateways = _serve(stack, pool.invoke, port, resources)

    state = StackState(
        url=gateways[0].url if gateways else f"http://{LOOPBACK}:{port}",
        pid=os.getpid(),
        template=str(stack.template_path),
        stack_name=stack.stack_name,
        parameters=dict(stack.parameters),
        endpoints={"dynamodb": endpoints.dynamodb, "moto": endpoints.moto},
        tables={logical_id: table.name for logical_id, table in stack.tables.items()},
        buckets=dict(stack.buckets),
        functions={logical_id: function.name for logical_id, function in stack.functions.items()},
        jwt=jwt,
    )
    write_state(args.state_dir, state)
    resources.callback(remove_state, args.state_dir)
    print_summary(gateways, seed, args.state_dir)
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
