"""local.dashboard: make dev's /dashboard (the page, its assets from node_modules, the demo sign-in)
and its publication to a deployed stack's bucket."""

import json
import re

import boto3
import pytest
from moto import mock_aws

from local.dashboard import FILES, ROOT, content_security_policy, dashboard_site, publish
from local.gateway import HttpRequest
from local.template import read_template

DEMO = {"organization_id": "b5879f92-1478-40d5-b42e-0adfb22471ac", "api_key": "sk_test_demo", "api_url": ""}


@pytest.mark.parametrize(
    ("target", "location"), [("/dashboard", "/dashboard/"), ("/dashboard?demo=1", "/dashboard/?demo=1")]
)
def test_the_bare_path_goes_to_the_page_keeping_its_query(target, location):
    answer = dashboard_site(DEMO)(HttpRequest("GET", target))

    assert answer is not None and answer.status == 302
    assert answer.header("location") == location


def test_the_page_and_its_assets_are_local_files_never_a_cdn():
    site = dashboard_site(None)

    page = site(HttpRequest("GET", "/dashboard/"))
    chart = site(HttpRequest("GET", "/dashboard/vendor/echarts.min.js"))

    assert page is not None and page.status == 200 and page.header("content-type") == "text/html"
    assert not re.search(r'(src|href)="(https?:)?//', page.body.decode()), "no CDN: the machines are offline"
    assert chart is not None and chart.header("content-type") == "text/javascript"
    assert b"echarts" in chart.body[:2000]


def test_demo_credentials_only_where_the_stack_has_a_demo_tenant():
    with_demo = dashboard_site(DEMO)(HttpRequest("GET", "/dashboard/demo.json"))

    assert with_demo is not None and json.loads(with_demo.body) == DEMO
    assert with_demo.header("cache-control") == "no-store"
    assert dashboard_site(None)(HttpRequest("GET", "/dashboard/demo.json")) is None


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "/dashboard/../package.json"),
        ("GET", "/dashboard/vendor/../app.js.map"),
        ("POST", "/dashboard/"),
        ("GET", "/dashboardx"),
    ],
)
def test_anything_else_is_left_to_the_api(method, target):
    assert dashboard_site(DEMO)(HttpRequest(method, target)) is None


@mock_aws
def test_publish_uploads_the_page_its_assets_and_the_apis_url():
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="dash", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    written = publish("dash", "https://abc.execute-api.eu-west-1.amazonaws.com", s3)

    assert written == sorted([*FILES, "config.json"])
    config = s3.get_object(Bucket="dash", Key="config.json")
    assert json.loads(config["Body"].read()) == {"api_url": "https://abc.execute-api.eu-west-1.amazonaws.com"}
    page = s3.get_object(Bucket="dash", Key="index.html")
    assert page["ContentType"] == "text/html"
    assert "demo.json" not in {item["Key"] for item in s3.list_objects_v2(Bucket="dash")["Contents"]}


def test_the_local_page_lives_under_the_hosted_pages_content_security_policy():
    policy = content_security_policy(read_template(ROOT / "template.yaml"))
    page = dashboard_site(None, policy)(HttpRequest("GET", "/dashboard/"))

    assert policy is not None and "default-src 'self'" in policy and "${" not in policy
    assert page is not None and page.header("content-security-policy") == policy
