"""The interactive API docs of the local stack: Swagger UI at ``/docs``, offline.

Swagger UI's assets come from the npm package ``swagger-ui-dist`` (pinned in package.json, installed
in node_modules), never from a CDN; the page loads the document the API itself serves,
``GET /openapi.json``, so "Try it out" calls the local stack. Not part of a deployment: there, the
document is at ``/openapi.json`` and any Swagger UI or client generator can load it.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from local.gateway import HttpRequest, HttpResponse

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "node_modules" / "swagger-ui-dist"
PREFIX = "/docs"
SERVED = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png")
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Carbon accounting API (local)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      persistAuthorization: true,
      displayRequestDuration: true,
    });
  </script>
</body>
</html>
"""


def docs_site(request: HttpRequest) -> HttpResponse | None:
    """The answer to a request for the docs page or one of its assets; None for anything else."""
    path = request.target.split("?", 1)[0]
    if request.method not in ("GET", "HEAD") or not (path == PREFIX or path.startswith(PREFIX + "/")):
        return None
    name = path.removeprefix(PREFIX).strip("/")
    if not name:
        return HttpResponse(200, [("content-type", "text/html; charset=utf-8")], PAGE.encode())
    if name not in SERVED:
        return None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return HttpResponse(200, [("content-type", content_type)], (ASSETS / name).read_bytes())
