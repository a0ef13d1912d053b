"""Print a user JWT for the running local stack.

    python -m local.token --user <user-id> [--ttl 3600] [--state-dir .local]

Use it as ``-H "authorization: Bearer $(python -m local.token --user <id>)"``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from local.jwt_keys import mint
from local.paths import STATE_DIR
from local.state import read_state


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__.splitlines()[0])
    parser.add_argument("--user", required=True, help="the user id (the token's sub)")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR, help="state directory of the stack")
    args = parser.parse_args(argv)
    settings = read_state(args.state_dir).jwt
    print(
        mint(args.user, settings["issuer"], settings["audience"], args.ttl, key_dir=Path(settings["key_dir"]))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
