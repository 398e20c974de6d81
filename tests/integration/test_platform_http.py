"""The shared platform HTTP helper against the local fake platform: retries with backoff and jitter,
rate limits with their reset headers, refused credentials, malformed payloads, nothing secret in errors."""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest
from pydantic import BaseModel

from chalicelib.adapters.sources.platform_http import PlatformHttp, RetryPolicy, parse_payload
from chalicelib.domain.errors import RateLimited, SourceMisconfigured, SourceUnavailable
from tests.platform_fake import FakePlatform, Reply

pytestmark = pytest.mark.integration

WALL = 1_796_000_000.0  # 2026-11-29, as epoch seconds


def helper(sleeps: list[float] | None = None, **policy: float) -> PlatformHttp:
    record: Callable[[float], None] = sleeps.append if sleeps is not None else lambda _: None
    return PlatformHttp(
        httpx.Client(),
        source_id="x-mueller",
        policy=RetryPolicy(**policy),  # type: ignore[arg-type]
        sleep=record,
        rng=random.Random(7),
        wall_clock=lambda: WALL,
    )


def test_server_errors_are_retried_with_growing_jittered_waits_then_succeed(
    fake_platform: FakePlatform,
) -> None:
    fake_platform.route("GET", "/api", Reply(503), Reply(502), Reply(json={"ok": True}))
    sleeps: list[float] = []

    body = helper(sleeps, attempts=3, base_delay=1.0, max_delay=10.0).get_json(
        f"{fake_platform.base_url}/api"
    )

    assert body == {"ok": True} and len(fake_platform.calls("/api")) == 3
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0


def test_a_platform_that_keeps_failing_is_unavailable_after_the_allowed_attempts(
    fake_platform: FakePlatform,
) -> None:
    fake_platform.route("GET", "/api", Reply(500, json={"title": "Internal"}))

    with pytest.raises(SourceUnavailable) as caught:
        helper(attempts=3).get_json(f"{fake_platform.base_url}/api")

    assert type(caught.value) is SourceUnavailable and len(fake_platform.calls("/api")) == 3
    assert caught.value.details == [{"status": 500, "path": "/api", "attempts": 3}]


def test_a_timeout_is_retried(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", "/slow", Reply(json={"late": True}, delay=0.5), Reply(json={"ok": True}))

    body = helper(attempts=2, timeout=0.2).get_json(f"{fake_platform.base_url}/slow")

    assert body == {"ok": True}


def test_the_time_budget_stops_retrying_before_the_lambda_would_time_out(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", "/api", Reply(503))

    with pytest.raises(SourceUnavailable):
        helper(attempts=10, timeout=5.0, budget_seconds=5.0).get_json(f"{fake_platform.base_url}/api")

    assert len(fake_platform.calls("/api")) == 1  # a second attempt could not finish within the budget


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"x-rate-limit-reset": str(int(WALL) + 900)}, 900.0),  # X: epoch seconds
        ({"x-ratelimit-reset": "300"}, 300.0),  # Reddit: seconds left
        ({"RateLimit-Reset": str(int(WALL) + 60)}, 60.0),  # Bluesky: epoch seconds
        ({"X-RateLimit-Reset": "2026-11-30T01:03:20.000Z"}, 600.0),  # Mastodon: ISO time
        ({}, None),
    ],
)
def test_a_rate_limit_is_raised_at_once_with_the_wait_the_platform_asks_for(
    fake_platform: FakePlatform, headers: dict[str, str], wait: float | None
) -> None:
    fake_platform.route("GET", "/api", Reply(429, json={"title": "Too Many Requests"}, headers=headers))

    with pytest.raises(RateLimited) as caught:
        helper().get_json(f"{fake_platform.base_url}/api")

    assert caught.value.retry_after == wait and len(fake_platform.calls("/api")) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_a_configuration_error_and_not_retried(
    fake_platform: FakePlatform, status: int
) -> None:
    fake_platform.route("GET", "/api", Reply(status, json={"title": "Unauthorized"}))

    with pytest.raises(SourceMisconfigured) as caught:
        helper().get_json(
            f"{fake_platform.base_url}/api",
            params={"access_token": "EAAB-secret", "appsecret_proof": "abc123"},
            headers={"Authorization": "Bearer AAAA-secret"},
        )

    assert len(fake_platform.calls("/api")) == 1
    assert "secret" not in repr(caught.value.details) + caught.value.message
    assert fake_platform.requests[0].headers["Authorization"] == "Bearer AAAA-secret"


def test_other_client_errors_are_not_retried(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", "/api", Reply(400, json={"errors": [{"message": "bad query"}]}))

    with pytest.raises(SourceUnavailable) as caught:
        helper().get_json(f"{fake_platform.base_url}/api")

    assert caught.value.details == [{"status": 400, "path": "/api"}]
    assert len(fake_platform.calls("/api")) == 1


def test_a_body_that_is_not_json_is_unavailable(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", "/api", Reply(body="<html>maintenance</html>"))

    with pytest.raises(SourceUnavailable, match="not JSON"):
        helper().get_json(f"{fake_platform.base_url}/api")


class Page(BaseModel):
    data: list[dict[str, str]]


def test_a_payload_of_the_wrong_shape_names_the_fields_not_their_values() -> None:
    with pytest.raises(SourceUnavailable) as caught:
        parse_payload(Page, {"data": [{"text": 5}]}, source_id="x-mueller")
    assert caught.value.details == [{"fields": ["data.0.text"]}]
    assert "5" not in repr(caught.value.details)
