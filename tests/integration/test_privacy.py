"""DSGVO through the real app (issue 12): dates that would escape retention are refused, expired data
is never served, an author's data is exported (Art. 15) and erased (Art. 17), and the retention job
deletes what is due."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.services.push import SIGNATURE_HEADER, sign
from tests.conftest import bearer

pytestmark = pytest.mark.integration


@pytest.fixture
def push_secret(container: Any) -> bytes:
    secret = "push-secret-for-privacy"
    client = boto3.client("secretsmanager")
    try:
        client.create_secret(Name=container.settings.ingest_secret_id, SecretString=secret)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=container.settings.ingest_secret_id, SecretString=secret)
    return secret.encode()


def _push(api: Any, keys: dict, secret: bytes, published_at: str, native_id: str = "p-1") -> Any:
    body = json.dumps(
        {
            "mentions": [
                {
                    "platform": "x",
                    "native_id": native_id,
                    "brand": "mueller",
                    "text": "Mein Spülmeister 3000 ist kaputt.",
                    "published_at": published_at,
                    "author": {"handle": "@zeitreisende", "followers": 10},
                }
            ]
        }
    ).encode()
    headers = {**bearer(keys["responder"]), "Content-Type": "application/json"}
    return api.http.post("/ingest", headers={**headers, SIGNATURE_HEADER: sign(body, secret)}, body=body)


def _error(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(response.body)["error"]
    return error


@pytest.mark.parametrize(
    "published_at", ["2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z"]
)
def test_a_pushed_mention_dated_outside_2000_to_2100_is_a_422_naming_the_field(
    api: Any, keys: dict, push_secret: bytes, published_at: str
) -> None:
    response = _push(api, keys, push_secret, published_at)

    assert response.status_code == 422, response.body
    fields = [d["field"] for d in _error(response)["details"]]
    assert fields == ["body.mentions.0.published_at"]


def test_a_pushed_mention_dated_beyond_the_clock_skew_is_a_422_and_nothing_is_stored(
    container: Any, api: Any, keys: dict, push_secret: bytes
) -> None:
    # Given our clock, a post dated ten minutes ahead of it (five are tolerated)
    ahead = (container.clock() + timedelta(minutes=10)).isoformat()

    # When it is pushed
    response = _push(api, keys, push_secret, ahead, native_id="p-ahead")

    # Then it is refused with the field named, and a post within the skew is taken
    assert response.status_code == 422, response.body
    assert _error(response)["details"][0]["field"] == "body.mentions.0.published_at"
    within = (container.clock() + timedelta(minutes=4)).isoformat()
    assert _push(api, keys, push_secret, within, native_id="p-within").status_code == 202
    listed = json.loads(
        api.http.get("/mentions?brand=mueller&limit=100", headers=bearer(keys["viewer"])).body
    )["items"]
    assert "p-ahead" not in {m["native_id"] for m in listed}


@pytest.mark.parametrize(
    "query",
    [
        "/mentions?brand=mueller&since=1999-12-31T23:59:59Z",
        "/mentions?brand=mueller&until=2100-01-02T00:00:00Z",
        "/reports/summary?since=1900-01-01T00:00:00Z",
    ],
)
def test_query_dates_outside_2000_to_2100_are_a_422(api: Any, keys: dict, query: str) -> None:
    response = api.http.get(query, headers=bearer(keys["viewer"]))

    assert response.status_code == 422, response.body
    assert _error(response)["details"][0]["field"].startswith("query.")
