"""Load the Lambda functions of functions/ in-process, and the context Lambda would pass them."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType

from tests.conftest import ROOT


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


@cache
def load_function(name: str) -> ModuleType:
    """functions/<name>/app.py, imported under a name of its own (every function's module is `app`)."""
    spec = importlib.util.spec_from_file_location(f"function_{name}", ROOT / "functions" / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
