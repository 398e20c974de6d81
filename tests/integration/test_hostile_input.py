"""Input an attacker would send (issue 12): each answers 4xx in the API's error shape, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import bearer

pytestmark = pytest.mark.integration


def _error(response: Any) -> dict:
    body = json.loads(response.body)
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("post", "/api-keys", "admin"),
        ("put", "/escalation", "admin"),
        ("post", "/incidents/INC-20990101-000000/notes", "responder"),
    ],
)
def test_json_nested_deeper_than_the_bound_is_a_400(
    api: Any, keys: dict, method: str, path: str, role: str, depth: int
) -> None:
    # Given a body of {depth} nested arrays (Python's json alone would raise RecursionError at 1,000)
    body = '{"name": ' + _nested(depth) + "}"
    # When it is posted to a JSON route
    response = getattr(api.http, method)(
        path, headers={**bearer(keys[role]), "Content-Type": "application/json"}, body=body
    )
    # Then it is an invalid body that says why, not a 500
    assert response.status_code == 400, response.body
    error = _error(response)
    assert error["code"] == "invalid_input"
    assert "nested" in json.dumps(error).lower()


def test_json_nested_within_the_bound_is_still_parsed(api: Any, keys: dict) -> None:
    # Given a body nested 20 deep (deeper than any of the API's models, within the bound)
    body = json.dumps({"name": json.loads(_nested(20)), "role": "viewer"})
    # When it is posted, the model names the field, as for any invalid value
    response = api.http.post(
        "/api-keys", headers={**bearer(keys["admin"]), "Content-Type": "application/json"}, body=body
    )
    assert response.status_code == 400
    assert "body.name" in [d["field"] for d in _error(response)["details"]]


@pytest.mark.parametrize(
    "query",
    [
        "until=0001-01-01T00:00:00Z",
        "since=0001-01-01T00:00:00Z",
        "until=9999-12-31T23:59:59Z",
        "since=9999-12-31T23:59:58Z&until=9999-12-31T23:59:59Z",
        "since=0001-01-01T00:00:00%2B14:00",
        "until=0001-01-01T00:00:00-12:00",
    ],
)
def test_mentions_at_the_ends_of_time_are_not_a_500(api: Any, keys: dict, query: str) -> None:
    response = api.http.get(f"/mentions?brand=mueller&{query}", headers=bearer(keys["viewer"]))
    assert response.status_code in (200, 400, 422), response.body
    if response.status_code != 200:
        assert _error(response)["code"] == "invalid_input"


@pytest.mark.parametrize("path", ["/reports/summary", "/reports/incidents.csv", "/reports/mentions.csv"])
@pytest.mark.parametrize("query", ["until=0001-01-01T00:00:00Z", "since=9999-12-31T23:59:59Z"])
def test_reports_at_the_ends_of_time_are_not_a_500(api: Any, keys: dict, path: str, query: str) -> None:
    response = api.http.get(f"{path}?brand=mueller&{query}", headers=bearer(keys["viewer"]))
    assert response.status_code in (200, 400, 422), response.body


def _signed_push(container: Any, published_at: str) -> tuple[bytes, dict[str, str]]:
    from chalicelib.services.push import SIGNATURE_HEADER, sign

    body = json.dumps(
        {
            "mentions": [
                {
                    "platform": "crm",
                    "native_id": f"edge-{published_at}",
                    "brand": "mueller",
                    "text": "Gerät qualmt",
                    "published_at": published_at,
                }
            ]
        }
    ).encode()
    return body, {SIGNATURE_HEADER: sign(body, container.secrets.ingest_secret(), container.clock())}


@pytest.mark.parametrize(
    "published_at",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
    ],
)
def test_pushed_mentions_at_the_ends_of_time_are_not_a_500(
    container: Any, api: Any, keys: dict, published_at: str
) -> None:
    body, signature = _signed_push(container, published_at)
    headers = {**bearer(keys["responder"]), "Content-Type": "application/json", **signature}
    response = api.http.post("/ingest", headers=headers, body=body)
    assert response.status_code in (202, 400, 422), response.body
    if response.status_code != 202:
        assert _error(response)["code"] == "invalid_input"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Krisenradar-Signature": "sha256=ü" + "0" * 63},
        {"X-Krisenradar-Signature": "ß"},
        {"X-Krisenradar-Signature": "t={now},v1=ü" + "0" * 63},
        {"webhook-id": "msg_1", "webhook-timestamp": "{now}", "webhook-signature": "v1,äöü"},
        {"webhook-id": "msg_ü", "webhook-timestamp": "{now}", "webhook-signature": "v1,AAAA v1,ß"},
        {"webhook-id": "msg_1", "webhook-timestamp": "１７００", "webhook-signature": "v1,AAAA"},
    ],
)
def test_a_non_ascii_signature_is_a_401(
    container: Any, api: Any, keys: dict, headers: dict[str, str]
) -> None:
    now = str(int(container.clock().timestamp()))
    signature = {name: value.replace("{now}", now) for name, value in headers.items()}
    response = api.http.post(
        "/ingest",
        headers={**bearer(keys["responder"]), "Content-Type": "application/json", **signature},
        body=b'{"mentions": []}',
    )
    assert response.status_code == 401, response.body
    assert _error(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kr_ü",
        "Bearer " + "é" * 60,
        "Bäarer x",
        "Bearer kr_" + "0" * 16 + "_" + "ä" * 43,
        "Bearer ä.ö.ü",
    ],
)
def test_a_non_ascii_authorization_header_is_a_401(api: Any, header: str) -> None:
    response = api.http.get("/incidents", headers={"Authorization": header})
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"


@pytest.mark.parametrize("token", ["ü" * 27, "AAAA" * 6 + "ä", "%%%"])
def test_a_non_ascii_alert_link_is_a_401(api: Any, token: str) -> None:
    response = api.http.get("/incidents/INC-20990101-000000", headers={"Authorization": f"Link {token}"})
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"


@pytest.mark.parametrize("email", ["0@\x8c\U00094aad\x1f.HUTNz", "a\x00b@example.de", "x@m\U000659a2.ej"])
def test_an_email_with_control_or_non_ascii_characters_is_a_400_and_alerts_keep_working(
    api: Any, keys: dict, email: str
) -> None:
    # Given an admin who sets a team member's email to what schemathesis sent (found 2026-11-29: SNS
    # subscribed it, and every later listing of the topic's subscriptions failed to parse: a 500 for
    # every change to any person)
    headers = {**bearer(keys["admin"]), "Content-Type": "application/json"}
    response = api.http.put("/users/jonas-weber", headers=headers, body=json.dumps({"email": email}))
    # Then it is refused, naming the field
    assert response.status_code == 400, response.body
    assert "body.email" in [d["field"] for d in _error(response)["details"]]
    # And changes to people, which sync the alert subscriptions, still work
    again = api.http.put("/users/jonas-weber", headers=headers, body=json.dumps({"email": "jw@example.de"}))
    assert again.status_code == 200, again.body
