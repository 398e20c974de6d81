"""What every response carries, whoever answers it: security headers, and the error shape.

Errors the gateway answers itself, before the app runs: unknown routes, bodies over its limit,
throttling, its own failures. They carry the API's error shape and headers too, and never echo the
request: API Gateway's own body for an unknown route quotes the caller's whole Authorization header.

One table for both gateways: infra/service.py turns it into API Gateway's gateway responses, and the
local server (chalicelib/local/server.py) answers with it where Chalice's local gateway would not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

# On every response of the app and the gateway. Pages set their own, wider CSP (api/meta.py).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'",
}
# Deployed stages are served over HTTPS only; the local stack speaks plain HTTP on loopback.
HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}
DEPLOYED_STAGES = ("dev", "prod")


def security_headers(stage: str) -> dict[str, str]:
    return {**SECURITY_HEADERS, **(HSTS if stage in DEPLOYED_STAGES else {})}


@dataclass(frozen=True)
class GatewayError:
    code: str
    message: str
    status: int | None = None  # None: the gateway's own status (any 4xx or 5xx) stands


_NO_ROUTE = GatewayError("not_found", "no such route; the routes are listed in /openapi.json", 404)

# API Gateway response types. Our routes authenticate in the app, never with IAM, so a missing or
# malformed AWS signature only ever means a path or method the API does not have.
GATEWAY_ERRORS: dict[str, GatewayError] = {
    "DEFAULT_4XX": GatewayError("rejected", "the request was refused before it reached the API"),
    "DEFAULT_5XX": GatewayError("gateway_error", "the gateway could not complete the request; try again"),
    "MISSING_AUTHENTICATION_TOKEN": _NO_ROUTE,
    "INVALID_SIGNATURE": _NO_ROUTE,
    "RESOURCE_NOT_FOUND": _NO_ROUTE,
    "UNAUTHORIZED": GatewayError("unauthorized", "missing or invalid credentials", 401),
    "ACCESS_DENIED": GatewayError("forbidden", "access denied", 403),
    "WAF_FILTERED": GatewayError("forbidden", "the request was blocked", 403),
    "BAD_REQUEST_PARAMETERS": GatewayError("invalid_input", "the request parameters are invalid", 400),
    "BAD_REQUEST_BODY": GatewayError("invalid_input", "the body is invalid", 400),
    "REQUEST_TOO_LARGE": GatewayError("payload_too_large", "the request is too large", 413),
    "UNSUPPORTED_MEDIA_TYPE": GatewayError("unsupported_media_type", "unsupported content type", 415),
    "THROTTLED": GatewayError("throttled", "too many requests; slow down and retry", 429),
    "QUOTA_EXCEEDED": GatewayError("throttled", "the request quota is used up", 429),
    "INTEGRATION_FAILURE": GatewayError("gateway_error", "the API could not be reached; try again", 502),
    "INTEGRATION_TIMEOUT": GatewayError("timeout", "the API did not answer in time; try again", 504),
    "API_CONFIGURATION_ERROR": GatewayError("internal_error", "the API is misconfigured", 500),
}


def error_body(error: GatewayError, request_id: str) -> str:
    """The API's error shape; the only request value it carries is the gateway's own request id."""
    details = [{"request_id": request_id}]
    return json.dumps({"error": {"code": error.code, "message": error.message, "details": details}})
