"""Administer tenants on any stack's table: organizations, users, API keys, seeds.

    python -m carbon_accounting.admin [--stack-name NAME | --table NAME [--endpoint-url URL]]
                                      [--region REGION] [--state-dir .local] GROUP COMMAND ...

Which table: a deployed stack's by ``--stack-name`` (its ``Table`` resource, read from
CloudFormation) or ``--table``, with boto3's usual credentials (environment, profile, SSO, role);
by default the running local stack's (``make dev``, from the ``stack.json`` it writes). Every
command prints JSON; ``keys create`` and ``keys rotate`` print the new key, which is shown this once.
Exit status 0 on success, 1 when the operation cannot be done (said on stderr), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from carbon_accounting.models import ApiKey

_DURATION = re.compile(r"^([1-9]\d{0,5})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# What local.dev (local/state.py) publishes about the running local stack, and its fake credentials.
_LOCAL_STATE = Path(".local") / "stack.json"
_LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``24h``, ``30d``."""
    match = _DURATION.fullmatch(text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected a duration such as 90s, 15m, 24h or 30d, got {text!r}")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m carbon_accounting.admin", description=__doc__.splitlines()[0]
    )
    target = main.add_mutually_exclusive_group()
    target.add_argument("--stack-name", help="a deployed stack: its Table resource")
    target.add_argument("--table", help="the table's name")
    main.add_argument("--endpoint-url", help="DynamoDB endpoint (DynamoDB Local); with --table")
    main.add_argument("--region", help="AWS region (default: boto3's)")
    main.add_argument("--state-dir", type=Path, default=_LOCAL_STATE.parent, help="the local stack's state")
    groups = main.add_subparsers(dest="group", required=True)

    organizations = groups.add_parser("organizations", help="create, list, show, rename").add_subparsers(
        dest="command", required=True
    )
    create = organizations.add_parser("create", help="a new organization (a subsidiary with --parent)")
    create.add_argument("name")
    create.add_argument("--parent", type=UUID, help="the parent organization's id")
    create.add_argument("--id", type=UUID, help="its id (default: a new UUID)")
    organizations.add_parser("list", help="every organization")
    show = organizations.add_parser("show", help="an organization with its subsidiaries")
    show.add_argument("organization", type=UUID)
    rename = organizations.add_parser("rename")
    rename.add_argument("organization", type=UUID)
    rename.add_argument("name")

    users = groups.add_parser("users", help="add, remove, list").add_subparsers(dest="command", required=True)
    add = users.add_parser("add", help="make a user (a JWT's sub) a member of an organization")
    add.add_argument("organization", type=UUID)
    add.add_argument("user", type=UUID)
    add.add_argument("email")
    remove = users.add_parser("remove")
    remove.add_argument("organization", type=UUID)
    remove.add_argument("user", type=UUID)
    users.add_parser("list").add_argument("organization", type=UUID)

    keys = groups.add_parser("keys", help="create, list, revoke, rotate").add_subparsers(
        dest="command", required=True
    )
    issue = keys.add_parser("create", help="a new key, printed once")
    issue.add_argument("organization", type=UUID)
    issue.add_argument("--name", help="what the key is for")
    issue.add_argument("--test", action="store_true", help="an sk_test_ key (default sk_live_)")
    issue.add_argument("--expires-in", type=duration, help="e.g. 90d (default: no expiry)")
    keys.add_parser("list").add_argument("organization", type=UUID)
    revoke = keys.add_parser("revoke", help="refuse the key from now on")
    revoke.add_argument("organization", type=UUID)
    revoke.add_argument("key_id")
    rotate = keys.add_parser("rotate", help="a new key; the old one works until --old-expires-in")
    rotate.add_argument("organization", type=UUID)
    rotate.add_argument("key_id")
    rotate.add_argument("--old-expires-in", type=duration, default=timedelta(hours=24), help="default 24h")

    rollups = groups.add_parser("rollups", help="verify, rebuild").add_subparsers(
        dest="command", required=True
    )
    for name, text in (
        ("verify", "recount from the invoices and list every difference (exit 1 if any)"),
        ("rebuild", "repair to the recount; idempotent, resumable, safe while writes continue"),
    ):
        command = rollups.add_parser(name, help=text)
        which = command.add_mutually_exclusive_group(required=True)
        which.add_argument("--organization", type=UUID)
        which.add_argument("--all", action="store_true", help="every organization")

    seed = groups.add_parser("seed", help="load a seed file (make dev's format); idempotent")
    seed.add_argument("file", type=Path)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    from botocore.exceptions import BotoCoreError, ClientError

    from carbon_accounting.tenants import TenantError

    try:
        _point_at_table(arguments)
        result = _run(arguments)
        print(json.dumps(result, indent=2, default=str))
    except (TenantError, BotoCoreError, ClientError) as error:  # AWS's: no stack, no credentials...
        print(f"error: {error}", file=sys.stderr)
        return 1
    except ValidationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if (
        arguments.group == "rollups"
        and arguments.command == "verify"
        and any(r["differences"] for r in result)
    ):
        return 1  # a verification found differences
    return 0


def _point_at_table(arguments: argparse.Namespace) -> None:
    """Set the environment the repository reads (its settings and boto3's), before its first call."""
    if arguments.region:
        os.environ["AWS_DEFAULT_REGION"] = arguments.region
    if arguments.stack_name:
        import boto3

        resource = boto3.client("cloudformation").describe_stack_resource(
            StackName=arguments.stack_name, LogicalResourceId="Table"
        )
        table, endpoint = resource["StackResourceDetail"]["PhysicalResourceId"], arguments.endpoint_url
    elif arguments.table:
        table, endpoint = arguments.table, arguments.endpoint_url
    else:
        state = _local_stack(arguments.state_dir / _LOCAL_STATE.name)
        table, endpoint = state["tables"]["Table"], arguments.endpoint_url or state["endpoints"]["dynamodb"]
        for name, value in _LOCAL_CREDENTIALS.items():
            os.environ.setdefault(name, value)
    os.environ["TABLE_NAME"] = table
    if endpoint:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint


def _local_stack(path: Path) -> dict[str, Any]:
    try:
        stack: dict[str, Any] = json.loads(path.read_text())
        return stack
    except FileNotFoundError:
        raise SystemExit(
            f"no {path}: start the local stack (make dev), or name a table (--stack-name or --table)"
        ) from None


def _run(arguments: argparse.Namespace) -> Any:
    from carbon_accounting import repository, tenants
    from carbon_accounting.models import User
    from carbon_accounting.seed import read_seed, write_seed

    match arguments.group, getattr(arguments, "command", None):
        case "organizations", "create":
            return _dump(tenants.create_organization(arguments.name, arguments.parent, arguments.id))
        case "organizations", "list":
            return [_dump(each) for each in repository.list_organizations()]
        case "organizations", "show":
            organization = tenants.find_organization(arguments.organization)
            subsidiaries = repository.list_subsidiaries(organization.id)
            return _dump(organization) | {"subsidiaries": [_dump(each) for each in subsidiaries]}
        case "organizations", "rename":
            return _dump(tenants.rename_organization(arguments.organization, arguments.name))
        case "users", "add":
            user = User(id=arguments.user, email=arguments.email)
            return _dump(tenants.add_user(arguments.organization, user))
        case "users", "remove":
            tenants.remove_user(arguments.organization, arguments.user)
            return {"removed": str(arguments.user), "organization_id": str(arguments.organization)}
        case "users", "list":
            tenants.find_organization(arguments.organization)
            return [_dump(each) for each in repository.list_users(arguments.organization)]
        case "keys", "create":
            expires_at = datetime.now(UTC) + arguments.expires_in if arguments.expires_in else None
            mode = "test" if arguments.test else "live"
            issued = tenants.issue_key(
                arguments.organization, mode=mode, name=arguments.name, expires_at=expires_at
            )
            return {"api_key": issued.secret, **_key(issued.key)}
        case "keys", "list":
            return [_key(each) for each in tenants.keys(arguments.organization)]
        case "keys", "revoke":
            return _key(tenants.revoke_key(arguments.organization, arguments.key_id))
        case "keys", "rotate":
            issued, old = tenants.rotate_key(
                arguments.organization, arguments.key_id, arguments.old_expires_in
            )
            return {"api_key": issued.secret, **_key(issued.key), "rotated": _key(old)}
        case "rollups", command:
            from carbon_accounting.rollups import verification

            organizations = (
                [each.id for each in repository.list_organizations()]
                if arguments.all
                else [tenants.find_organization(arguments.organization).id]
            )
            if command == "verify":
                return [verification.verify(each).as_report() for each in organizations]
            return [verification.rebuild(each).as_report(repaired=True) for each in organizations]
        case "seed", _:
            return dict(write_seed(read_seed(arguments.file)))
    raise AssertionError(arguments)  # argparse allows nothing else


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _key(key: ApiKey) -> dict[str, Any]:
    """What a list shows of a key: never its hash (a stolen listing must not help find the key)."""
    from carbon_accounting import clock

    shown = key.model_dump(mode="json", exclude={"key_hash", "revoked"})
    return shown | {"status": str(key.status(clock.now()))}


if __name__ == "__main__":
    sys.exit(main())
