"""The API over real HTTP, as `make run` serves it (issue 12): routes that do not exist answer 404 in
the API's error shape without echoing the caller's headers, and every response carries the security
headers."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.integration

SECRET = "kr_0123456789abcdef_" + "S" * 43


def _request(base: str, method: str, path: str, headers: dict[str, str | bytes]) -> tuple[int, Any, bytes]:
    """http.client, so that a header may carry raw (non-ASCII) bytes as an attacker would send them."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.putrequest(method, path)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("POST", "/incidents/INC-1/explode"),
        ("GET", "/admin/../etc/passwd"),
        ("PATCH", "/ui/app.js/x"),
    ],
)
@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {SECRET}", f"Bearer {SECRET}".encode() + "ä€".encode(), "AWS4-HMAC-SHA256 x"],
)
def test_an_unknown_route_is_a_404_in_the_error_shape_that_echoes_nothing(
    live_api: str, method: str, path: str, authorization: str | bytes | None
) -> None:
    # Given a caller who sends a key (or none, or one with non-ASCII bytes) to a route the API lacks
    headers: dict[str, str | bytes] = {"Authorization": authorization} if authorization else {}
    # When they call it
    status, response_headers, body = _request(live_api, method, path, headers)
    # Then it is a 404 in the API's error shape, and their key appears nowhere in the answer
    assert status == 404, body
    error = json.loads(body)["error"]
    assert error["code"] == "not_found" and "openapi.json" in error["message"]
    assert error["details"][0]["request_id"]
    assert b"SSSS" not in body and "SSSS" not in str(response_headers)
    assert response_headers["Content-Type"].startswith("application/json")
    assert response_headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/health", "/incidents", "/openapi.json", "/ui/app.js", "/"])
def test_every_response_carries_the_security_headers(live_api: str, keys: dict, path: str) -> None:
    status, headers, _ = _request(live_api, "GET", path, {"Authorization": f"Bearer {keys['viewer']}"})
    assert status == 200
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "base-uri 'none'" in policy and "form-action" in policy
    # The local stack speaks plain HTTP: HSTS belongs to the deployed stages only
    assert "Strict-Transport-Security" not in headers


def test_errors_the_app_answers_carry_the_security_headers_too(live_api: str) -> None:
    status, headers, body = _request(live_api, "PUT", "/incidents", {})
    assert status in (401, 405)
    assert json.loads(body)["error"]["code"] in ("unauthorized", "method_not_allowed")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_deployed_stages_add_hsts_and_pages_may_submit_forms_only_to_themselves() -> None:
    from chalicelib.api.gateway import security_headers
    from chalicelib.api.meta import _SECURITY_HEADERS as PAGE_HEADERS

    for stage in ("dev", "prod"):
        assert security_headers(stage)["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in security_headers("local")
    assert "form-action 'self'" in PAGE_HEADERS["Content-Security-Policy"]
