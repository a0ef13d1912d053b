"""The fake AWS account of the local stack and the endpoints that stand in for AWS services."""

import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
# DynamoDB Local (2.x and later) only accepts alphanumeric access keys.
ACCESS_KEY_ID = "local"
SECRET_ACCESS_KEY = "local"


@dataclass(frozen=True)
class Endpoints:
    """Where the local services listen: DynamoDB (and its streams) and the moto server (the rest)."""

    dynamodb: str
    moto: str

    def environment(self) -> dict[str, str]:
        """Environment variables that point any boto3 client at the local services, never at AWS."""
        return {
            # The generic endpoint catches every service without a dedicated one below.
            "AWS_ENDPOINT_URL": self.moto,
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self.dynamodb,
            "AWS_ENDPOINT_URL_S3": self.moto,
            "AWS_ENDPOINT_URL_SQS": self.moto,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            # A developer's ~/.aws profiles must not leak settings (or real credentials) in.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str, config: Config | None = None) -> Any:
        """A boto3 client for `service` bound to its local endpoint with the fake credentials."""
        endpoint = self.dynamodb if service in ("dynamodb", "dynamodbstreams") else self.moto
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=config,
        )
