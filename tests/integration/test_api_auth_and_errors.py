"""The HTTP edge: authentication, roles, and 4xx errors with details (never a 500)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer

pytestmark = pytest.mark.integration


def _error(response) -> dict:
    body = json.loads(response.body)
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def test_health_needs_no_key(api) -> None:
    response = api.http.get("/health")
    assert response.status_code == 200
    assert json.loads(response.body)["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/incidents"),
        ("get", "/incidents/INC-20261120-ABCDEF"),
        ("post", "/incidents/INC-20261120-ABCDEF/acknowledge"),
        ("post", "/incidents/INC-20261120-ABCDEF/resolve"),
        ("get", "/mentions?brand=mueller"),
        ("get", "/alerts"),
        ("post", "/api-keys"),
        ("post", "/ingest"),
        ("get", "/openapi.json"),
    ],
)
def test_every_route_but_health_needs_a_key(api, method: str, path: str) -> None:
    response = getattr(api.http, method)(path)
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Basic abc", "Bearer kr_0123456789abcdef_" + "x" * 43, "kr_only"],
)
def test_bad_keys_get_401(api, keys, header: str) -> None:
    response = api.http.get("/incidents", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_key_with_a_wrong_secret_is_rejected(api, keys) -> None:
    key_id = keys["admin"].split("_")[1]
    forged = f"kr_{key_id}_{'A' * 43}"
    assert api.http.get("/incidents", headers=bearer(forged)).status_code == 401


def test_missing_role_gets_403(api, keys) -> None:
    response = api.http.post(
        "/api-keys",
        headers={**bearer(keys["approver"]), "Content-Type": "application/json"},
        body=json.dumps({"name": "crm", "role": "viewer"}),
    )
    assert response.status_code == 403
    error = _error(response)
    assert error["details"][0]["required"] == "admin"


def test_viewer_cannot_acknowledge(api, keys) -> None:
    response = api.http.post("/incidents/INC-20261120-ABCDEF/acknowledge", headers=bearer(keys["viewer"]))
    assert response.status_code == 403


def test_admin_creates_a_key_that_then_works_with_its_role(api, keys) -> None:
    response = api.http.post(
        "/api-keys",
        headers={**bearer(keys["admin"]), "Content-Type": "application/json"},
        body=json.dumps({"name": "CRM integration", "role": "viewer"}),
    )
    assert response.status_code == 201
    created = json.loads(response.body)
    assert created["role"] == "viewer"
    assert created["api_key"].startswith(f"kr_{created['key_id']}_")
    assert api.http.get("/incidents", headers=bearer(created["api_key"])).status_code == 200
    assert api.http.post("/incidents/INC-X/resolve", headers=bearer(created["api_key"])).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "role": "superuser"}, "body.role"),
        ({"name": "", "role": "viewer"}, "body.name"),
        ({"name": "x", "role": "viewer", "extra": 1}, "body.extra"),
        ({"role": "viewer"}, "body.name"),
        ({"name": 5, "role": "viewer"}, "body.name"),
    ],
)
def test_invalid_bodies_name_the_field(api, keys, body: dict, field: str) -> None:
    response = api.http.post(
        "/api-keys",
        headers={**bearer(keys["admin"]), "Content-Type": "application/json"},
        body=json.dumps(body),
    )
    assert response.status_code == 400
    assert field in [d["field"] for d in _error(response)["details"]]


def test_malformed_json_is_a_400(api, keys) -> None:
    response = api.http.post(
        "/api-keys", headers={**bearer(keys["admin"]), "Content-Type": "application/json"}, body="{not json"
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_input"


def test_wrong_content_type_is_a_415(api, keys) -> None:
    response = api.http.post(
        "/api-keys",
        headers={**bearer(keys["admin"]), "Content-Type": "text/plain"},
        body='{"name":"a","role":"viewer"}',
    )
    assert response.status_code == 415


def test_body_over_256_kb_is_a_413(api, keys) -> None:
    response = api.http.post(
        "/api-keys",
        headers={**bearer(keys["admin"]), "Content-Type": "application/json"},
        body=json.dumps({"name": "x" * (300 * 1024), "role": "viewer"}),
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "query",
    [
        "status=burning",
        "severity=SEV9",
        "limit=0",
        "limit=1000",
        "limit=abc",
        "unknown=1",
        "next_token=%%%",
        "next_token=eyJmb28iOiAxfQ",
    ],
)
def test_bad_incident_queries_are_400(api, keys, query: str) -> None:
    response = api.http.get(f"/incidents?{query}", headers=bearer(keys["viewer"]))
    assert response.status_code == 400, response.body
    assert _error(response)["details"]


def test_unknown_incident_is_404(api, keys) -> None:
    for incident_id in ("INC-20260101-000000", "nothing-like-an-id"):
        response = api.http.get(f"/incidents/{incident_id}", headers=bearer(keys["viewer"]))
        assert response.status_code == 404
        assert _error(response)["code"] == "not_found"
    response = api.http.post("/incidents/INC-20260101-000000/acknowledge", headers=bearer(keys["responder"]))
    assert response.status_code == 404


def test_mentions_need_a_brand_and_an_ordered_range(api, keys) -> None:
    assert api.http.get("/mentions", headers=bearer(keys["viewer"])).status_code == 400
    response = api.http.get(
        "/mentions?brand=mueller&since=2026-11-20T10:00:00Z&until=2026-11-20T09:00:00Z",
        headers=bearer(keys["viewer"]),
    )
    assert response.status_code == 400
    naive = api.http.get("/mentions?brand=mueller&since=2026-11-20T10:00:00", headers=bearer(keys["viewer"]))
    assert naive.status_code == 400


def test_openapi_lists_exactly_the_app_routes(api, keys) -> None:
    import app as chalice_app

    response = api.http.get("/openapi.json", headers=bearer(keys["viewer"]))
    assert response.status_code == 200
    document = json.loads(response.body)
    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = {(path, method) for path, methods in chalice_app.app.routes.items() for method in methods}
    assert documented == routed


def test_errors_chalice_answers_itself_have_the_same_shape(api, keys) -> None:
    response = api.http.put("/incidents", headers=bearer(keys["viewer"]))
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


def test_a_key_revoked_by_another_instance_stops_within_seconds_though_used_all_the_time(
    api, keys, container
) -> None:
    import time

    from chalicelib.services.auth import CACHE_SECONDS

    # Given a key this instance has verified and that keeps being used, four times a second
    key_id = keys["responder"].split("_")[1]
    assert api.http.get("/incidents", headers=bearer(keys["responder"])).status_code == 200
    # When another Lambda instance revokes it (in the store; this instance's cache is not told)
    container.api_keys.revoke(key_id, at=container.clock(), by="another instance")
    revoked = time.monotonic()
    while api.http.get("/incidents", headers=bearer(keys["responder"])).status_code == 200:
        assert time.monotonic() - revoked < CACHE_SECONDS + 2, "the revoked key still works"
        time.sleep(0.25)
    delay = time.monotonic() - revoked
    # Then it stops within the cache time, give or take one poll and one request (3.8 and 5.2 s measured
    # on 2026-11-29 on the loaded 2-core machine)
    print(f"revocation took effect after {delay:.2f} s (cache {CACHE_SECONDS:.0f} s)")
    assert delay <= CACHE_SECONDS + 1.5
