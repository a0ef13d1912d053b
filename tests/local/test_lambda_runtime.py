"""local.functions + local.lambda_runtime: warm workers, context, environment, errors, timeouts."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from local.functions import FunctionError, FunctionPool, FunctionTimeout
from local.lambda_runtime import LambdaContext


def test_invoke_passes_the_event_and_a_realistic_context(pool, stack, moto_endpoints):
    result = pool.invoke("DescribeFunction", {"hello": "world"})
    function = stack.functions["DescribeFunction"]
    assert result["event"] == {"hello": "world"}
    assert result["function_name"] == function.name
    assert result["function_version"] == "$LATEST"
    assert result["memory_limit_in_mb"] == "256"
    assert result["invoked_function_arn"] == function.arn
    assert result["log_group_name"] == f"/aws/lambda/{function.name}"
    assert "[$LATEST]" in result["log_stream_name"]
    assert 5000 < result["remaining_ms"] <= 7000  # Timeout: 7
    assert result["sys_path_0"] == str(function.code_uri)  # CodeUri plays /var/task
    assert result["cwd"] == str(function.code_uri)


def test_worker_environment_is_the_functions_plus_local_endpoints(pool, stack, moto_endpoints):
    environment = pool.invoke("DescribeFunction", {})["environment"]
    assert environment == {
        "AWS_LAMBDA_FUNCTION_NAME": stack.functions["DescribeFunction"].name,
        "AWS_ENDPOINT_URL_DYNAMODB": moto_endpoints.dynamodb,
        "AWS_ENDPOINT_URL_S3": moto_endpoints.moto,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "TABLE_NAME": stack.table.name,
        "STAGE_LABEL": "local-local",
        "TZ": ":UTC",
    }


def test_request_ids_differ_and_the_worker_stays_warm(pool):
    first = pool.invoke("DescribeFunction", {})
    second = pool.invoke("DescribeFunction", {})
    assert first["aws_request_id"] != second["aws_request_id"]
    assert first["pid"] == second["pid"]


def test_function_stdout_goes_to_the_log_not_the_protocol(pool, log_lines):
    pool.invoke("DescribeFunction", {})
    lines = [line for function_id, line in log_lines if function_id == "DescribeFunction"]
    assert json.dumps({"level": "INFO", "message": "describing"}) in lines
    assert any(line.startswith("REPORT RequestId: ") and "Init Duration" in line for line in lines)


def test_handler_exception_is_a_function_error(pool, log_lines):
    with pytest.raises(FunctionError) as raised:
        pool.invoke("CrashFunction", {})
    assert (raised.value.error_type, raised.value.message) == ("ValueError", "boom")
    assert raised.value.stack_trace
    assert any("[ERROR] ValueError: boom" in line for _, line in log_lines)


def test_timeout_kills_the_worker_and_the_next_invoke_cold_starts(pool, stack, moto_endpoints):
    started = time.monotonic()
    with pytest.raises(FunctionTimeout, match=r"timed out after 1\.00 seconds"):
        pool.invoke("SlowFunction", {"seconds": 30})  # Timeout: 1
    assert time.monotonic() - started < 5
    assert pool.invoke("SlowFunction", {"seconds": 0}) is None


def test_import_error_is_reported_like_lambda(stack, moto_endpoints):
    broken = dataclasses.replace(stack.functions["DescribeFunction"], handler="no_such_module.handler")
    broken_stack = dataclasses.replace(stack, functions={"Broken": broken})
    with (
        FunctionPool(broken_stack, moto_endpoints, log=lambda *_: None) as functions,
        pytest.raises(FunctionError) as raised,
    ):
        functions.invoke("Broken", {})
    assert raised.value.error_type == "Runtime.ImportModuleError"
    assert "no_such_module" in raised.value.message


def test_unknown_function(pool):
    with pytest.raises(KeyError, match="NoSuchFunction"):
        pool.invoke("NoSuchFunction", {})


def test_lambda_context_remaining_time():
    context = LambdaContext(
        request_id="r", deadline_ms=int(time.time() * 1000) + 2000, invoked_function_arn="a"
    )
    assert 1500 < context.get_remaining_time_in_millis() <= 2000
    expired = LambdaContext(request_id="r", deadline_ms=0, invoked_function_arn="a")
    assert expired.get_remaining_time_in_millis() == 0
