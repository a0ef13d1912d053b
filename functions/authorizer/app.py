"""HTTP API Lambda authorizer (REQUEST, payload 2.0, simple responses).

Always lets the request through with a verdict in its context; the API functions enforce it, so
that denials answer in the API's error format (see carbon_accounting.auth).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting.auth import authorize

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    verdict = authorize({name.lower(): value for name, value in (event.get("headers") or {}).items()})
    if "denied" in verdict:
        logger.info("Request denied", extra={"code": verdict["denied"], "route": event.get("routeKey")})
    return {"isAuthorized": True, "context": verdict}
