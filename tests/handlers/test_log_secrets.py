"""No credential reaches the logs: requests to each function template.yaml routes, with an API key, a JWT
and a tampered JWT, every record formatted as its logger's handler writes it (the authorizer's too)."""

import logging

import pytest

from local.template import load_stack
from tests.conftest import ROOT
from tests.handlers.test_auth import bearer, issuer_key, signing_key, token  # noqa: F401 - fixtures
from tests.tenants import ACME, ACME_KEY, ACME_USER, api_key_headers

STACK = load_stack(ROOT / "template.yaml")
HTTP_FUNCTIONS = sorted({STACK.functions[route.function_id].code_uri.name for route in STACK.routes})


class _Collected(logging.Handler):
    """Every record as its logger's own handler formats it, i.e. the line CloudWatch would get."""

    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _collecting() -> list[tuple[logging.Logger, _Collected]]:
    """A collector beside each stream handler of every logger there is (the functions' Powertools
    loggers write to a stream bound when they were made, which the test cannot read)."""
    collectors = []
    for logger in [logging.getLogger(), *logging.root.manager.loggerDict.values()]:
        if not isinstance(logger, logging.Logger):
            continue
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:  # not pytest's own capture handlers
                collector = _Collected(handler.formatter)
                logger.addHandler(collector)
                collectors.append((logger, collector))
    return collectors


@pytest.mark.parametrize("function", HTTP_FUNCTIONS)
def test_no_api_key_or_token_is_logged_by_any_route(api, signing_key, function):  # noqa: F811
    jwt = token(signing_key, ACME_USER)
    api(function, api_key_headers(ACME_KEY, ACME))  # the function and its loggers are loaded
    collectors = _collecting()
    try:
        api(function, api_key_headers(ACME_KEY, ACME))
        api(function, bearer(jwt, ACME))
        api(function, bearer(jwt + "tampered", ACME))  # refused: the authorizer logs why
    finally:
        for logger, collector in collectors:
            logger.removeHandler(collector)

    logged = "\n".join(line for _, collector in collectors for line in collector.lines)
    assert logged, "the requests were logged"
    assert ACME_KEY not in logged
    assert jwt not in logged and jwt.split(".")[1] not in logged
