"""schemathesis against the demo stack, bounded for make test: every operation, the examples,
coverage, fuzzing and stateful phases, every check, and zero failures. Its report (as make fuzz
writes docs/reliability.md, from a longer run) and schemathesis' own reports go to .artifacts/."""

from __future__ import annotations

import pytest

from tests import fuzz
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

MAX_EXAMPLES, MAX_TIME = 20, 120  # seconds; make fuzz runs 100 examples for 15 minutes


def test_schemathesis_finds_nothing_on_any_operation(demo_stack):
    artifacts = ROOT / ".artifacts"
    outcome = fuzz.run(
        demo_stack.url, max_examples=MAX_EXAMPLES, max_time=MAX_TIME, keep=artifacts / "schemathesis"
    )
    (artifacts / "reliability.md").write_text(fuzz.report(outcome, "make test (tests/e2e/test_fuzz.py)"))

    assert not outcome.failures and not outcome.errors, outcome.output
    # Every operation is called but the one serving the document schemathesis loaded, which it
    # leaves out (tests/handlers/test_openapi_document.py covers it).
    assert set(outcome.requests) == fuzz.operations_of(demo_stack.url) - {"GET /openapi.json"}
    assert set(outcome.checks_run) == fuzz.checks(), "every check runs"
