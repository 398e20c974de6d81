"""Trustpilot: service reviews of the brand's business unit, through the public Business Units API.

GET https://api.trustpilot.com/v1/business-units/{businessUnitId}/reviews with the API key in the
`apikey` header (https://developers.trustpilot.com/business-units-api-(public)), newest first
(`orderBy=createdat.desc`), `perPage` up to 100 and `page`; a `links` entry with `rel: next-page`
says another page exists. The playbook entry names `options.business_unit_id`.

Why the public endpoint and not /v1/private/business-units/{id}/reviews: the private one needs a
business user's OAuth token (password grant) and answers with consumers' email addresses and order ids,
which Krisenradar must not collect (data minimisation); the public one carries what anyone sees on
trustpilot.com, which is what a crisis team reacts to. Replies (POST /v1/private/reviews/{id}/reply)
need that business-user token, so there is no Trustpilot publisher yet.

The star rating leads the text as for Google reviews ("★☆☆☆☆ 1/5"), then the title and the text;
`language` is the language hint. Engagement stays 0 (the API gives no likes).

Errors: HTTP status as PlatformHttp reads it (401/403 a wrong or unauthorised API key, 429 Trustpilot's
limits, documented as at most 833 calls per 5 minutes and 10,000 per hour); the gateway's
`fault.detail.errorcode` (e.g. `oauth.v2.InvalidApiKey`) is named in the details.

Cursor: like Google reviews, `since` and one page per call, until a review is older than `since`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.platform_http import PlatformHttp, parse_payload
from chalicelib.domain.errors import SourceUnavailable
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult

API_URL = "https://api.trustpilot.com"
_TEXT_LIMIT = 20_000


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Consumer(_Lenient):
    display_name: str | None = Field(default=None, alias="displayName")


class _Review(_Lenient):
    id: str = Field(min_length=1)
    stars: int = Field(ge=1, le=5)
    title: str = ""
    text: str = ""
    language: str | None = None
    created_at: datetime = Field(alias="createdAt")
    consumer: _Consumer = _Consumer()


class _Link(_Lenient):
    rel: str
    href: str | None = None


class _ReviewPage(_Lenient):
    reviews: list[_Review]
    links: list[_Link] = []


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def review_text(review: _Review) -> str:
    """The stars first, then the title and the text, each on its own line."""
    marker = f"{'★' * review.stars}{'☆' * (5 - review.stars)} {review.stars}/5"
    return "\n".join(part for part in (marker, review.title.strip(), review.text.strip()) if part)


class TrustpilotHttp(PlatformHttp):
    """PlatformHttp that names the API gateway's `fault.detail.errorcode` in the details."""

    def _raise_unless_retried(self, response: httpx.Response, path: str) -> None:
        try:
            super()._raise_unless_retried(response, path)
        except SourceUnavailable as error:
            code = _fault_code(response)
            if code and error.details and isinstance(error.details[0], dict):
                error.details[0]["code"] = code
            raise


def _fault_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    fault = body.get("fault") if isinstance(body, dict) else None
    detail = fault.get("detail") if isinstance(fault, dict) else None
    code = detail.get("errorcode") if isinstance(detail, dict) else None
    return code if isinstance(code, str) and len(code) <= 80 else None


class TrustpilotSource:
    slug = "trustpilot"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        if not config.options.get("business_unit_id"):
            raise ValueError(f"source {config.id}: options.business_unit_id is required")
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 900))
        self._config, self._brand, self._secrets = config, brand, secrets
        self._unit = str(config.options["business_unit_id"])
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._per_page = min(max(int(config.options.get("per_page", 100)), 1), 100)
        self._language = str(config.options["language"]) if config.options.get("language") else None
        self._backfill = timedelta(minutes=int(config.options.get("backfill_minutes", 24 * 60)))
        self._overlap = timedelta(minutes=int(config.options.get("overlap_minutes", 5)))
        self._http = TrustpilotHttp(client, source_id=config.id, **http)

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        cursor = dict(cursor or {})
        since = parse_iso(cursor["since"]) if cursor.get("since") else now - self._backfill
        scan = dict(cursor.get("scan") or {"started": iso(now), "page": 1})
        api_key = self._secrets.for_source(self._config, "api_key")["api_key"]
        params: dict[str, Any] = {
            "orderBy": "createdat.desc",
            "perPage": self._per_page,
            "page": scan["page"],
        }
        if self._language:
            params["language"] = self._language
        body = self._http.get_json(
            f"{self._base_url}/v1/business-units/{self._unit}/reviews",
            params=params,
            headers={"apikey": api_key},
        )
        page = parse_payload(_ReviewPage, body, source_id=self.source_id)
        fresh = [review for review in page.reviews if review.created_at >= since]
        mentions = [self._mention(review) for review in fresh]
        more = any(link.rel == "next-page" for link in page.links)
        if more and page.reviews and len(fresh) == len(page.reviews):
            following = {"started": scan["started"], "page": int(scan["page"]) + 1}
            return FetchResult(mentions, {"since": iso(since), "scan": following}, exhausted=False)
        finished = max(parse_iso(scan["started"]) - self._overlap, since)
        return FetchResult(mentions, {"since": iso(finished)})

    def _mention(self, review: _Review) -> RawMention:
        return RawMention(
            platform="trustpilot",
            native_id=review.id,
            brand=self._brand.id,
            text=review_text(review)[:_TEXT_LIMIT],
            published_at=review.created_at,
            url=f"https://www.trustpilot.com/reviews/{review.id}",
            author=Author(handle=review.consumer.display_name),
            lang_hint=review.language or None,
        )
