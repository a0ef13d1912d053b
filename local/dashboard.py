"""The dashboard (``dashboard/``): served by the local stack at ``/dashboard``, published to AWS.

    python -m local.dashboard publish [--config-env default|prod]   (make dashboard ENV=...)

Locally, ``make dev`` serves the page and its assets at ``/dashboard/``: the charting library from the
npm package ``echarts`` (pinned in package.json, installed in node_modules), never from a CDN; and
``/dashboard/demo.json``, the demo tenant's credentials, which ``/dashboard?demo=1`` signs in with
(the local stack only: a deployment has no such file).

``publish`` uploads the page, its assets and a ``config.json`` naming the API's URL to the stack's
dashboard bucket (``template.yaml``, deployed with ``Dashboard=enabled``), and invalidates the
CloudFront distribution's cache; it reads the bucket, the URL and the distribution from the outputs of
the stack samconfig.toml names for the environment. Credentials come from the usual places
(AWS_PROFILE, SSO, environment).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from local.gateway import HttpRequest, HttpResponse, Site
from local.template import resolved

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "dashboard"
PREFIX = "/dashboard"
# What the page is made of: its path under /dashboard/, and the file served for it.
FILES = {
    "index.html": PAGE / "index.html",
    "app.js": PAGE / "app.js",
    "style.css": PAGE / "style.css",
    "vendor/echarts.min.js": ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js",
}


def _file(name: str, body: bytes, cache: str = "no-cache") -> HttpResponse:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return HttpResponse(200, [("content-type", content_type), ("cache-control", cache)], body)


def content_security_policy(template: Mapping[str, Any]) -> str | None:
    """The policy the hosted dashboard is served with (template.yaml's ``DashboardHeaders``), for the
    local page to live under the same; None when the template has none."""
    headers = (template["Resources"].get("DashboardHeaders") or {}).get("Properties") or {}
    security = (headers.get("ResponseHeadersPolicyConfig") or {}).get("SecurityHeadersConfig") or {}
    policy = resolved(template, (security.get("ContentSecurityPolicy") or {}).get("ContentSecurityPolicy"))
    return policy if isinstance(policy, str) else None


def dashboard_site(demo: Mapping[str, str] | None, policy: str | None = None) -> Site:
    """The local stack's pages at /dashboard; ``demo`` is what ``demo.json`` answers (an organization
    id and its API key), or None for no demo sign-in; ``policy``, the page's Content-Security-Policy."""

    def serve(request: HttpRequest) -> HttpResponse | None:
        path, _, query = request.target.partition("?")
        if request.method not in ("GET", "HEAD") or not (path == PREFIX or path.startswith(PREFIX + "/")):
            return None
        if path == PREFIX:  # the page's relative links need the slash
            location = PREFIX + "/" + (f"?{query}" if query else "")
            return HttpResponse(302, [("location", location)], b"")
        name = path.removeprefix(PREFIX + "/") or "index.html"
        if name == "demo.json" and demo is not None:
            return _file(name, json.dumps(demo).encode(), cache="no-store")
        if name == "config.json":  # the API is the page's own origin
            return _file(name, json.dumps({"api_url": ""}).encode())
        if name not in FILES:
            return None
        answer = _file(name, FILES[name].read_bytes())
        if policy and name == "index.html":
            answer.headers.append(("content-security-policy", policy))
        return answer

    return serve


def publish(
    bucket: str, api_url: str, s3: Any, cloudfront: Any = None, distribution_id: str | None = None
) -> list[str]:
    """Upload the page, its assets and ``config.json`` to ``bucket``; invalidate the distribution's
    cache when one is given. The keys written."""
    uploads = {name: path.read_bytes() for name, path in FILES.items()}
    uploads["config.json"] = json.dumps({"api_url": api_url}).encode()
    for name, body in uploads.items():
        s3.put_object(
            Bucket=bucket,
            Key=name,
            Body=body,
            ContentType=mimetypes.guess_type(name)[0] or "application/octet-stream",
            CacheControl="no-cache",
        )
    if cloudfront is not None and distribution_id:
        cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": str(time.time()),
            },
        )
    return sorted(uploads)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.dashboard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("publish", help="upload the dashboard to a deployed stack's bucket")
    command.add_argument("--config-env", default="default", help="samconfig.toml's environment (its stack)")
    args = parser.parse_args(argv)
    import boto3  # the local stack's own dependency; imported only to publish

    settings = tomllib.loads((ROOT / "samconfig.toml").read_text())[args.config_env]["global"]["parameters"]
    session = boto3.session.Session(region_name=settings["region"])
    stack = session.client("cloudformation").describe_stacks(StackName=settings["stack_name"])["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if "DashboardBucketName" not in outputs:
        print(
            f"Stack {settings['stack_name']} has no dashboard: deploy it with Dashboard=enabled",
            file=sys.stderr,
        )
        return 1
    publish(
        outputs["DashboardBucketName"],
        outputs["ApiUrl"],
        session.client("s3"),
        session.client("cloudfront"),
        outputs.get("DashboardDistributionId"),
    )
    print(f"Published: {outputs['DashboardUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
