"""gzip for responses, so the page and its answers travel light on a slow clinic Wi-Fi link."""
from __future__ import annotations

import gzip

from flask import request

SMALLEST = 1024  # below this the header costs more than it saves
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/manifest+json")


def init_app(app) -> None:
    app.after_request(compress)


def compress(response):
    """Compress a sizeable text response when the client accepts gzip."""
    response.vary.add("Accept-Encoding")
    if ("gzip" not in request.headers.get("Accept-Encoding", "")
            or response.status_code not in (200, 422) or "Content-Encoding" in response.headers
            or not response.mimetype.startswith(COMPRESSIBLE)):
        return response
    response.direct_passthrough = False
    body = response.get_data()
    if len(body) < SMALLEST:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
