"""Google reviews: the reviews of the brand's locations in its Business Profile, and replies to them.

GET https://mybusiness.googleapis.com/v4/accounts/{accountId}/locations/{locationId}/reviews
(https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list): newest
`updateTime` first (the documented default order), `pageSize` up to 50, `nextPageToken`. The playbook
entry names `options.account_id` and `options.locations` (location ids, comma-separated).

OAuth: an access token from the refresh token of a Google account that manages the locations
(scope https://www.googleapis.com/auth/business.manage), through the token endpoint
(https://developers.google.com/identity/protocols/oauth2/web-server#offline; `options.token_url`,
default https://oauth2.googleapis.com/token). The token is kept while warm until a minute before it
expires, and fetched anew once when the API answers 401. A refused refresh token (`invalid_grant`,
`invalid_client`) is `SourceMisconfigured`.

Errors (https://cloud.google.com/apis/design/errors) are `{"error": {"code", "message", "status"}}`
with the HTTP status meaning what it says: 429 RESOURCE_EXHAUSTED is a rate limit, 401
UNAUTHENTICATED and 403 PERMISSION_DENIED are misconfiguration (PlatformHttp); the `status` name goes
into the error details.

The star rating is the platform's signal, and RawMention has no field for it: it leads the text as
"★★☆☆☆ 2/5" so the team sees it first and a rule can match it (the sentiment lexicon does not read it
yet). A review without a comment is that marker alone. Reviews have no likes, so engagement stays 0.
An edited review keeps its id: its first version is the one stored.

Cursor: one location's page per call; a location is read until a review is older than `since`. When the
last location is done, `since` moves to the scan's start minus `options.overlap_minutes` (5).

Replies (`GoogleReviewsPublisher`): PUT .../reviews/{reviewId}/reply with `{"comment"}`
(https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/updateReply).
The mention's native id is the review's resource name, so that the reply needs no lookup.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.platform_http import PlatformHttp, RetryPolicy, parse_payload, publishing
from chalicelib.domain.errors import (
    DeliveryRejected,
    RateLimited,
    SourceMisconfigured,
    SourceUnavailable,
)
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult, PublishedReply

API_URL = "https://mybusiness.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
_TEXT_LIMIT = 20_000
_EXPIRY_MARGIN = 60.0


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Reviewer(_Lenient):
    display_name: str | None = Field(default=None, alias="displayName")
    is_anonymous: bool = Field(default=False, alias="isAnonymous")


class _Review(_Lenient):
    name: str | None = None
    review_id: str = Field(alias="reviewId", min_length=1)
    reviewer: _Reviewer = _Reviewer()
    star_rating: str = Field(default="STAR_RATING_UNSPECIFIED", alias="starRating")
    comment: str = ""
    create_time: datetime = Field(alias="createTime")
    update_time: datetime = Field(alias="updateTime")


class _ReviewPage(_Lenient):
    reviews: list[_Review] = []
    next_page_token: str | None = Field(default=None, alias="nextPageToken")


class _Token(_Lenient):
    access_token: str = Field(min_length=1)
    expires_in: int = 3600


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def star_marker(star_rating: str) -> str:
    """ "★★☆☆☆ 2/5" for TWO; empty when Google does not say."""
    stars = STARS.get(star_rating)
    return f"{'★' * stars}{'☆' * (5 - stars)} {stars}/5" if stars else ""


class GoogleHttp(PlatformHttp):
    """PlatformHttp that names Google's error `status` (RESOURCE_EXHAUSTED, ...) in the details."""

    def _raise_unless_retried(self, response: httpx.Response, path: str) -> None:
        try:
            super()._raise_unless_retried(response, path)
        except SourceUnavailable as error:
            status = _google_status(response)
            if status and error.details and isinstance(error.details[0], dict):
                error.details[0]["code"] = status
            raise


def _google_status(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("status"), str) and error["status"].isupper():
        return str(error["status"])
    if isinstance(error, str) and error.replace("_", "").isalpha():  # the token endpoint: invalid_grant
        return error
    return None


class GoogleAuth:
    """Access tokens from one refresh token, kept while warm."""

    _tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(self, http: PlatformHttp, token_url: str, values: dict[str, str]) -> None:
        self._http, self._token_url, self._values = http, token_url, values
        digest = hashlib.sha256(values["refresh_token"].encode()).hexdigest()
        self._key = (token_url, values["client_id"], digest)

    def headers(self) -> dict[str, str]:
        with self._lock:
            cached = self._tokens.get(self._key)
        if cached is None or cached[1] <= time.time():
            cached = self._refresh()
        return {"Authorization": f"Bearer {cached[0]}"}

    def forget(self) -> None:
        with self._lock:
            self._tokens.pop(self._key, None)

    def _refresh(self) -> tuple[str, float]:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._values["client_id"],
            "client_secret": self._values["client_secret"],
            "refresh_token": self._values["refresh_token"],
        }
        try:
            body = self._http.post_json(self._token_url, data=form)
        except RateLimited:
            raise
        except SourceUnavailable as error:
            status = (error.details[0] if error.details else {}).get("status")
            if isinstance(status, int) and 400 <= status < 500:  # invalid_grant, invalid_client
                raise SourceMisconfigured(
                    f"{self._http.source_id}: Google refused the refresh token", error.details
                ) from error
            raise
        token = parse_payload(_Token, body, source_id=self._http.source_id)
        entry = (token.access_token, time.time() + max(token.expires_in - _EXPIRY_MARGIN, 0.0))
        with self._lock:
            self._tokens[self._key] = entry
        return entry

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """One authorised call; a 401 fetches a new access token and tries once more."""
        try:
            return self._http.json(self._http.request(method, url, headers=self.headers(), **kwargs))
        except SourceMisconfigured as error:
            if (error.details[0] if error.details else {}).get("status") != 401:
                raise
        self.forget()
        return self._http.json(self._http.request(method, url, headers=self.headers(), **kwargs))


def _auth(config: SourceConfig, secrets: SourceSecrets, http: PlatformHttp) -> GoogleAuth:
    values = dict(secrets.for_source(config, "client_id", "client_secret", "refresh_token"))
    return GoogleAuth(http, str(config.options.get("token_url", TOKEN_URL)), values)


class GoogleReviewsSource:
    slug = "google_reviews"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        locations = [part.strip() for part in str(config.options.get("locations", "")).split(",")]
        self._locations = [location for location in locations if location]
        if not config.options.get("account_id") or not self._locations:
            raise ValueError(f"source {config.id}: options.account_id and options.locations are required")
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 900))
        self._config, self._brand, self._secrets = config, brand, secrets
        self._account = str(config.options["account_id"])
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._page_size = min(max(int(config.options.get("page_size", 50)), 1), 50)
        self._backfill = timedelta(minutes=int(config.options.get("backfill_minutes", 24 * 60)))
        self._overlap = timedelta(minutes=int(config.options.get("overlap_minutes", 5)))
        self._http = GoogleHttp(client, source_id=config.id, **http)

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        cursor = dict(cursor or {})
        since = parse_iso(cursor["since"]) if cursor.get("since") else now - self._backfill
        scan = dict(cursor.get("scan") or {"started": iso(now), "location": 0})
        index = int(scan["location"])
        if index >= len(self._locations):  # the playbook lost a location while a scan was running
            index = scan["location"] = 0
            scan.pop("page", None)
        location = self._locations[index]
        params: dict[str, Any] = {"pageSize": self._page_size, "orderBy": "updateTime desc"}
        if scan.get("page"):
            params["pageToken"] = scan["page"]
        auth = _auth(self._config, self._secrets, self._http)
        url = f"{self._base_url}/v4/accounts/{self._account}/locations/{location}/reviews"
        page = parse_payload(_ReviewPage, auth.call("GET", url, params=params), source_id=self.source_id)
        fresh = [review for review in page.reviews if review.update_time >= since]
        mentions = [self._mention(review, location) for review in fresh]
        if page.next_page_token and len(fresh) == len(page.reviews):
            scan["page"] = page.next_page_token
        elif index + 1 < len(self._locations):
            scan = {"started": scan["started"], "location": index + 1}
        else:
            finished = max(parse_iso(scan["started"]) - self._overlap, since)
            return FetchResult(mentions, {"since": iso(finished)})
        return FetchResult(mentions, {"since": iso(since), "scan": scan}, exhausted=False)

    def _mention(self, review: _Review, location: str) -> RawMention:
        name = review.name or f"accounts/{self._account}/locations/{location}/reviews/{review.review_id}"
        marker = star_marker(review.star_rating)
        text = f"{marker}\n{review.comment}" if marker and review.comment else marker or review.comment
        reviewer = review.reviewer
        return RawMention(
            platform="google_reviews",
            native_id=name,
            brand=self._brand.id,
            text=text[:_TEXT_LIMIT],
            published_at=review.create_time,
            author=Author(handle=None if reviewer.is_anonymous else reviewer.display_name),
        )


class _ReviewReply(_Lenient):
    comment: str
    update_time: datetime | None = Field(default=None, alias="updateTime")


class GoogleReviewsPublisher:
    """Answers a review as the business (a review has one reply; putting it again replaces it). One
    attempt; the caller decides on retries."""

    platform = "google_reviews"

    def __init__(
        self, config: SourceConfig, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        http.setdefault("policy", RetryPolicy(attempts=1))
        self._config, self._secrets = config, secrets
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._http = GoogleHttp(client, source_id=config.id, **http)

    def reply(self, *, in_reply_to: str, text: str) -> PublishedReply:
        if not in_reply_to.startswith("accounts/") or "/reviews/" not in in_reply_to:
            raise DeliveryRejected(
                "not a Google review's resource name", [{"in_reply_to": in_reply_to[:200]}]
            )
        with publishing():
            auth = _auth(self._config, self._secrets, self._http)
            body = auth.call("PUT", f"{self._base_url}/v4/{in_reply_to}/reply", json={"comment": text})
            parse_payload(_ReviewReply, body, source_id=self._config.id)
        return PublishedReply(platform="google_reviews", native_id=f"{in_reply_to}/reply", url=None)
