"""One way for every platform adapter to call its API over HTTP, with the faults handled alike.

- Timeouts, connection errors, 408 and 5xx are retried with exponential backoff and full jitter
  (AWS Architecture Blog, "Exponential Backoff And Jitter"), a bounded number of times and within a
  time budget that stays well inside the collector's 60-second Lambda.
- 429 raises `RateLimited` at once, with the seconds to wait from `Retry-After` or the platform's
  reset header. The collector stops that source for this run and skips it until then.
- 401 and 403 raise `SourceMisconfigured`: a wrong or expired token, or a missing permission. Retrying
  would not help, and hammering an API with a bad token can get the app blocked.
- Any other 4xx, and a 2xx whose body is not the JSON the adapter expects, raise `SourceUnavailable`.

Errors name the source, the status and the URL path only. Query strings (Facebook's `access_token`,
`appsecret_proof`), headers and bodies may hold credentials or people's posts, so they are never logged.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from chalicelib.domain.errors import (
    DeliveryFailed,
    DeliveryRejected,
    RateLimited,
    SourceMisconfigured,
    SourceUnavailable,
)
from chalicelib.observability import logger

M = TypeVar("M", bound=BaseModel)

USER_AGENT = "Krisenradar/0.1 (+https://github.com/krisenradar)"
# Seconds-until-reset or epoch seconds, depending on the platform (X: epoch, Reddit: seconds, Bluesky:
# epoch, Mastodon: an ISO timestamp); `seconds_until_reset` tells them apart.
RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset")
MAX_WAIT_SECONDS = 24 * 3600.0
_EPOCH_THRESHOLD = 1_000_000_000  # larger numbers are points in time, not durations
_RETRIED_STATUS = frozenset({408, 500, 502, 503, 504})
_ERROR_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_. ]{0,47}$")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one call tries. The defaults keep a call under ~25 s: three attempts of at most 8 s
    each, and at most `budget_seconds` spent in total before a retry is no longer started."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 4.0
    timeout: float = 8.0
    budget_seconds: float = 25.0


def seconds_until_reset(value: str, now: float) -> float | None:
    """A rate-limit header value as seconds from `now` (epoch seconds): delta seconds, epoch seconds,
    an HTTP date or an ISO timestamp. None if unreadable; never negative, at most a day."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        moment = _parse_moment(value)
        if moment is None:
            return None
        wait = moment.timestamp() - now
    else:
        wait = number - now if number > _EPOCH_THRESHOLD else number
    return min(max(wait, 0.0), MAX_WAIT_SECONDS)


def _parse_moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait after a 429: `Retry-After` first, else the first readable reset header."""
    for name in ("retry-after", *RESET_HEADERS):
        if name in headers:
            wait = seconds_until_reset(headers[name], now)
            if wait is not None:
                return wait
    return None


def parse_payload(model: type[M], payload: Any, *, source_id: str) -> M:
    """The documented response shape, or SourceUnavailable naming the fields that did not fit (never
    their values: they are people's posts)."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in item["loc"]) for item in error.errors()})[:10]
        raise SourceUnavailable(
            f"{source_id}: the platform answered in an unexpected shape", [{"fields": fields}]
        ) from error


class PlatformHttp:
    """The HTTP client of one configured source. `sleep`, `rng` and the clocks are injectable, so that
    tests run fast and deterministically."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        source_id: str,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self.source_id = source_id
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._monotonic = monotonic
        self._wall_clock = wall_clock

    def get_json(
        self, url: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        return self.json(self.request("GET", url, params=params, headers=headers))

    def post_json(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.json(self.request("POST", url, params=params, headers=headers, json=json, data=data))

    def json(self, response: httpx.Response) -> Any:
        """The body of a successful response as JSON (SourceUnavailable if it is not JSON)."""
        try:
            return response.json()
        except ValueError as error:
            raise SourceUnavailable(
                f"{self.source_id}: the platform answered with a body that is not JSON",
                [{"status": response.status_code, "path": _path(str(response.request.url))}],
            ) from error

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """A 2xx response, after the retries the policy allows; otherwise one of the errors above."""
        policy = self._policy
        started = self._monotonic()
        sent_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        path = _path(url)
        failure: dict[str, Any] = {}
        for attempt in range(1, max(1, policy.attempts) + 1):
            try:
                response = self._client.request(
                    method,
                    url,
                    params=params,
                    headers=sent_headers,
                    json=json,
                    data=data,
                    timeout=httpx.Timeout(policy.timeout, connect=min(policy.timeout, 3.0)),
                )
            except httpx.TransportError as error:  # timeouts, refused and reset connections
                failure = {"error": type(error).__name__}
            else:
                if response.is_success:
                    return response
                self._raise_unless_retried(response, path)
                failure = {"status": response.status_code}
            wait = self._rng.uniform(0, min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1)))
            out_of_time = self._monotonic() - started + wait + policy.timeout > policy.budget_seconds
            if attempt >= policy.attempts or out_of_time:
                break
            logger.info(
                "platform request retried", source=self.source_id, path=path, attempt=attempt, **failure
            )
            self._sleep(wait)
        raise SourceUnavailable(
            f"{self.source_id}: the platform did not answer", [{**failure, "path": path, "attempts": attempt}]
        )

    def _raise_unless_retried(self, response: httpx.Response, path: str) -> None:
        status = response.status_code
        details: dict[str, Any] = {"status": status, "path": path}
        code = platform_error_code(response)
        if code:
            details["code"] = code
        if status == 429:
            wait = retry_after(response.headers, self._wall_clock())
            raise RateLimited(
                f"{self.source_id}: the platform's rate limit is reached",
                [{**details, "retry_after": wait}],
                retry_after=wait,
            )
        if status in (401, 403):
            raise SourceMisconfigured(
                f"{self.source_id}: the platform refused the credentials or a permission is missing",
                [details],
            )
        if status not in _RETRIED_STATUS:
            raise SourceUnavailable(f"{self.source_id}: the platform refused the request", [details])


@contextmanager
def publishing() -> Iterator[None]:
    """A publisher's calls, their failures told as the publish step needs them: refused credentials or
    another 4xx is DeliveryRejected (fix first), a rate limit, 5xx or timeout DeliveryFailed (may be
    tried again)."""
    try:
        yield
    except SourceMisconfigured as error:
        raise DeliveryRejected(error.message, error.details) from error
    except SourceUnavailable as error:
        status = (error.details[0] if error.details else {}).get("status")
        refused = isinstance(status, int) and 400 <= status < 500 and not isinstance(error, RateLimited)
        raise (DeliveryRejected if refused else DeliveryFailed)(error.message, error.details) from error


def platform_error_code(response: httpx.Response) -> str | None:
    """The platform's machine-readable error name, e.g. Bluesky's "ExpiredToken", X's "Unauthorized":
    a short token from the body's `error`, `code` or `title`, never a free-text message."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for key in ("error", "code", "title"):
        value = body.get(key)
        if isinstance(value, str | int) and _ERROR_CODE.match(str(value)):
            return str(value)
    return None


def _path(url: str) -> str:
    return urlsplit(url).path or "/"
