"""Health, the OpenAPI document, and the thin web frontend (same origin, no build step)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.api.http import endpoint, json_response
from chalicelib.domain.enums import Role
from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.domain.models import Principal

bp = Blueprint(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"
_ASSET = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,80}\.(js|css|svg|json|png|ico)$")
# Third-party files kept as their authors publish them (web/vendor/, beside their licences), served
# flat under /ui/ by exact name only: nothing else in vendor/ is reachable.
_VENDORED = {"uPlot.iife.min.js": "js", "uPlot.min.css": "css"}
_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
}


@bp.route("/health", methods=["GET"])
@endpoint(bp, None)
def health() -> Response:
    return json_response({"status": "ok", "service": "krisenradar"})


@bp.route("/openapi.json", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def openapi(principal: Principal) -> Response:
    from chalicelib.api.openapi import document  # the schemas load here, not at cold start

    return json_response(document())


def _file(name: str, kind: str) -> Response:
    path = WEB / name
    if not path.is_file():
        raise NotFound("no such asset", [{"asset": name}])
    return Response(
        body=path.read_text(encoding="utf-8"),
        status_code=200,
        headers={"Content-Type": _TYPES[kind], "Cache-Control": "no-cache", **_SECURITY_HEADERS},
    )


@bp.route("/", methods=["GET"])
@endpoint(bp, None)
def index() -> Response:
    return _file("index.html", "html")


@bp.route("/ui/{asset}", methods=["GET"])
@endpoint(bp, None)
def asset(asset: str) -> Response:
    if asset in _VENDORED:
        return _file(f"vendor/{asset}", _VENDORED[asset])
    match = _ASSET.match(asset)
    if match is None or match.group(1) not in _TYPES:
        raise NotFound("no such asset", [{"asset": asset}])
    return _file(asset, match.group(1))
