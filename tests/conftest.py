"""Fixtures shared by the unit and handler tests: environment, moto, the table from template.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_TABLE = "carbon-accounting-test"
TEST_BUCKET = "carbon-accounting-test-bucket"

# Settings are read lazily, so setting them here (before any test imports a function) is enough.
os.environ.update(
    TABLE_NAME=TEST_TABLE,
    BUCKET_NAME=TEST_BUCKET,
    AWS_DEFAULT_REGION="eu-west-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    POWERTOOLS_METRICS_NAMESPACE="CarbonAccountingTest",
    POWERTOOLS_SERVICE_NAME="tests",
    AUTHORIZER_CACHE_SECONDS="0",
    CURSOR_SIGNING_KEY="test-cursor-signing-key",
)
for endpoint in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3"):
    os.environ.pop(endpoint, None)


@pytest.fixture
def aws():
    """moto in-process: the table as template.yaml defines it, and a versioned bucket."""
    import boto3
    from moto import mock_aws

    from carbon_accounting import repository, storage
    from carbon_accounting.settings import get_settings
    from local.template import load_stack, table_definition

    with mock_aws():
        repository.client.cache_clear()
        storage.client.cache_clear()
        get_settings.cache_clear()
        table = table_definition(load_stack(ROOT / "template.yaml"), TEST_TABLE)
        boto3.client("dynamodb").create_table(**table)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=TEST_BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_versioning(Bucket=TEST_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield
        repository.client.cache_clear()
        storage.client.cache_clear()


@pytest.fixture
def tenants(aws):
    """The organizations, keys, users and facilities of tests/e2e/seed.json."""
    from carbon_accounting.seed import load_seed

    return load_seed(ROOT / "tests" / "e2e" / "seed.json")
