"""Meta's Graph API, shared by the Facebook and Instagram adapters: the error model, the rate-limit
headers, appsecret_proof and paging.

Errors (https://developers.facebook.com/docs/graph-api/guides/error-handling) come as
`{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`, mostly with HTTP 400, so the
status alone says little. `GraphHttp` reads the code:
- 4, 17, 32, 613 and the Business Use Case codes 80000-80014 are rate limits
  (https://developers.facebook.com/docs/graph-api/overview/rate-limiting): `RateLimited`, with the wait
  from `X-Business-Use-Case-Usage` (`estimated_time_to_regain_access`, minutes) or `Retry-After`, else
  15 minutes (`X-App-Usage` gives percentages over a rolling hour, no time);
- 190 (expired or invalid token), 102 (session), 3, 10 and 200-299 (capability and permissions) and 12
  (a deprecated edge) need someone to fix the setup: `SourceMisconfigured`;
- 1, 2 and `is_transient` are temporary: retried like a 5xx.
Only the code, subcode and fbtrace_id reach errors and logs; the message may quote people's content.

Every call carries the access token and `appsecret_proof`, the HMAC-SHA256 of the token keyed with the
app secret (https://developers.facebook.com/docs/graph-api/securing-requests), as query parameters:
PlatformHttp never puts query strings into errors.

Paging (https://developers.facebook.com/docs/graph-api/results): an edge is cursor-based
(`paging.cursors.after`) or time-based (`until`, `__paging_token`); both put the next page into
`paging.next`. `next_params` keeps that link's query without the credentials, so one mechanism pages
both kinds. A page may be empty and still have `next`; paging ends when `next` is missing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.platform_http import (
    PlatformHttp,
    RetryPolicy,
    parse_payload,
    publishing,
    retry_after,
)
from chalicelib.domain.errors import RateLimited, SourceMisconfigured, SourceUnavailable
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import PublishedReply

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
MISCONFIGURED_CODES = frozenset({3, 10, 12, 102, 190, *range(200, 300)})
TRANSIENT_CODES = frozenset({1, 2})
DEFAULT_RATE_LIMIT_WAIT = 15 * 60.0
_CREDENTIAL_PARAMS = frozenset({"access_token", "appsecret_proof"})


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class GraphError(Lenient):
    code: int
    type: str | None = None
    error_subcode: int | None = None
    is_transient: bool = False
    fbtrace_id: str | None = None


class Paging(Lenient):
    next: str | None = None


class Summary(Lenient):
    total_count: int = 0


class Counted(Lenient):
    """An edge asked for with `.summary(total_count).limit(0)`: only its count."""

    summary: Summary = Summary()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def appsecret_proof(access_token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def next_params(paging: Paging | None) -> dict[str, str] | None:
    """The query of `paging.next` without the credentials, or None on the last page."""
    if paging is None or not paging.next:
        return None
    query = parse_qsl(urlsplit(paging.next).query, keep_blank_values=True)
    return {key: value for key, value in query if key not in _CREDENTIAL_PARAMS}


def graph_error(response: httpx.Response) -> GraphError | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    try:
        return GraphError.model_validate(body["error"])
    except ValueError:
        return None


def object_gone(error: SourceUnavailable) -> bool:
    """Graph's "object does not exist" (code 100, subcode 33), e.g. a post deleted since it was listed;
    not a rate limit nor a refused token."""
    if isinstance(error, RateLimited | SourceMisconfigured):
        return False
    details = error.details[0] if error.details else {}
    return details.get("code") == "100" and details.get("subcode") == 33


def regain_access_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """The longest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage, else the
    standard `Retry-After`."""
    raw = headers.get("x-business-use-case-usage")
    minutes: list[float] = []
    if raw:
        try:
            usage = json.loads(raw)
        except ValueError:
            usage = {}
        for entries in usage.values() if isinstance(usage, dict) else ():
            for entry in entries if isinstance(entries, list) else ():
                value = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
                if isinstance(value, int | float) and value > 0:
                    minutes.append(float(value))
    if minutes:
        return max(minutes) * 60.0
    return retry_after(headers, now)


class GraphHttp(PlatformHttp):
    """PlatformHttp that reads Graph error codes before the HTTP status."""

    def _raise_unless_retried(self, response: httpx.Response, path: str) -> None:
        error = graph_error(response)
        if error is None:
            super()._raise_unless_retried(response, path)
            return
        details: dict[str, Any] = {"status": response.status_code, "path": path, "code": str(error.code)}
        if error.error_subcode is not None:
            details["subcode"] = error.error_subcode
        if error.fbtrace_id:
            details["fbtrace_id"] = error.fbtrace_id
        if error.code in RATE_LIMIT_CODES or response.status_code == 429:
            wait = regain_access_seconds(response.headers, self._wall_clock())
            wait = DEFAULT_RATE_LIMIT_WAIT if wait is None else wait
            raise RateLimited(
                f"{self.source_id}: the Graph API's rate limit is reached",
                [{**details, "retry_after": wait}],
                retry_after=wait,
            )
        if error.code in MISCONFIGURED_CODES or response.status_code in (401, 403):
            raise SourceMisconfigured(
                f"{self.source_id}: the Graph API refused the token or a permission is missing", [details]
            )
        if error.code in TRANSIENT_CODES or error.is_transient or response.status_code >= 500:
            return  # retried with backoff
        raise SourceUnavailable(f"{self.source_id}: the Graph API refused the request", [details])


class GraphAccount:
    """The token of one configured source and the authenticated GET it makes."""

    def __init__(self, http: PlatformHttp, base_url: str, access_token: str, app_secret: str) -> None:
        self._http = http
        self.base_url = base_url
        self._credentials = {
            "access_token": access_token,
            "appsecret_proof": appsecret_proof(access_token, app_secret),
        }

    def get(self, path: str, params: Mapping[str, Any]) -> Any:
        return self._http.get_json(f"{self.base_url}{path}", params={**params, **self._credentials})

    def post(self, path: str, data: Mapping[str, Any]) -> Any:
        return self._http.post_json(f"{self.base_url}{path}", data=data, params=self._credentials)


def graph_base_url(options: Mapping[str, Any], default_version: str) -> str:
    """`options.base_url` (default https://graph.facebook.com) plus `options.api_version`."""
    base = str(options.get("base_url", "https://graph.facebook.com")).rstrip("/")
    version = str(options.get("api_version", default_version)).strip("/")
    return f"{base}/{version}"


class _Created(Lenient):
    id: str = Field(min_length=1)


class GraphPublisher:
    """Answers as the account a Graph token speaks for: POST `/{in_reply_to}/{edge}` with the message.
    One attempt; the caller decides on retries. A platform sets its name, the secret's token key, the
    edge and the API version, and says where the answer can be seen."""

    platform: str
    token_key: str  # the secret's key holding the access token
    edge: str  # "comments" (Facebook) or "replies" (Instagram)
    api_version: str

    def __init__(
        self, config: SourceConfig, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        http.setdefault("policy", RetryPolicy(attempts=1))
        self._config, self._secrets = config, secrets
        self._base_url = graph_base_url(config.options, self.api_version)
        self._http = GraphHttp(client, source_id=config.id, **http)

    def reply(self, *, in_reply_to: str, text: str) -> PublishedReply:
        with publishing():
            values = self._secrets.for_source(self._config, self.token_key, "app_secret")
            account = GraphAccount(self._http, self._base_url, values[self.token_key], values["app_secret"])
            body = account.post(f"/{in_reply_to}/{self.edge}", {"message": text})
            created = parse_payload(_Created, body, source_id=self._config.id)
        return PublishedReply(platform=self.platform, native_id=created.id, url=self.url(created.id))

    def url(self, native_id: str) -> str | None:
        raise NotImplementedError
