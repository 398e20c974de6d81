"""LinkedIn: comments on the brand's organisation posts, through the Community Management API.

With a member access token of a page administrator (secret `{"access_token"}`, scope
`r_organization_social`; `options.organization_id`), every call with the headers
`LinkedIn-Version: YYYYMM` (`options.api_version`) and `X-Restli-Protocol-Version: 2.0.0`:
- GET /rest/posts?q=author&author={orgUrn}&sortBy=CREATED
  (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api):
  the organisation's posts of the last `options.watch_days` (default 7), newest first, `start`/`count`.
- GET /rest/socialActions/{postUrn}/comments
  (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api):
  first-level comments of each such post newer than the cursor's `since`, except the organisation's
  own, at most `options.max_comment_pages` (5) pages per post and scan (the order is not documented).
  Replies to comments (/socialActions/{commentUrn}/comments) are not read yet.
Paging (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination):
`paging.start`/`count`, a `paging.links` entry with `rel: next` while more exist.

A comment's author is a person URN; names need the member's own consent (Profile API), so mentions
carry no handle. Engagement is the comment's likes plus its replies.

Limits (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits): per
application and per member per day, reset at midnight UTC, no rate-limit headers. A 429 without
`Retry-After` holds the source until the next midnight UTC. Errors are `{"status", "serviceErrorCode",
"code", "message"}`; the `code` (INVALID_ACCESS_TOKEN, ACCESS_DENIED, ...) is named in the details.
Access tokens live 60 days; refreshing them is not built yet (the source turns misconfigured on 401).

Cursor: one scan (posts, then the queued posts' comments) of one call per step; `since` moves to the
scan's start minus `options.overlap_minutes` (5) when it ends. No publisher yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.platform_http import PlatformHttp, parse_payload
from chalicelib.domain.errors import RateLimited
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult

API_URL = "https://api.linkedin.com"
API_VERSION = "202610"
_TEXT_LIMIT = 20_000


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Link(_Lenient):
    rel: str
    href: str | None = None


class _Paging(_Lenient):
    start: int = 0
    count: int = 0
    links: list[_Link] = []

    def next_start(self) -> int | None:
        if any(link.rel == "next" for link in self.links):
            return self.start + max(self.count, 1)
        return None


class _Post(_Lenient):
    id: str = Field(min_length=1)
    created_at: int = Field(alias="createdAt")


class _Posts(_Lenient):
    elements: list[_Post]
    paging: _Paging = _Paging()


class _Message(_Lenient):
    text: str = ""


class _Stamp(_Lenient):
    time: int
    actor: str | None = None


class _Likes(_Lenient):
    total_likes: int = Field(default=0, alias="totalLikes")


class _CommentCounts(_Lenient):
    aggregated_total_comments: int = Field(default=0, alias="aggregatedTotalComments")


class _Comment(_Lenient):
    comment_urn: str = Field(alias="commentUrn", min_length=1)
    actor: str | None = None
    message: _Message = _Message()
    created: _Stamp
    likes: _Likes = Field(default=_Likes(), alias="likesSummary")
    replies: _CommentCounts = Field(default=_CommentCounts(), alias="commentsSummary")


class _Comments(_Lenient):
    elements: list[_Comment]
    paging: _Paging = _Paging()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def seconds_until_midnight_utc(now: float) -> float:
    moment = datetime.fromtimestamp(now, tz=UTC)
    midnight = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max((midnight - moment).total_seconds(), 1.0)


class LinkedInHttp(PlatformHttp):
    """PlatformHttp for LinkedIn's daily limits: a 429 that does not say how long waits for midnight UTC."""

    def _raise_unless_retried(self, response: httpx.Response, path: str) -> None:
        try:
            super()._raise_unless_retried(response, path)
        except RateLimited as error:
            if error.retry_after is not None:
                raise
            wait = seconds_until_midnight_utc(self._wall_clock())
            details = [{**(error.details[0] if error.details else {}), "retry_after": wait}]
            raise RateLimited(error.message, details, retry_after=wait) from None


class LinkedInSource:
    slug = "linkedin"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        if not config.options.get("organization_id"):
            raise ValueError(f"source {config.id}: options.organization_id is required")
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 900))
        self._config, self._brand, self._secrets = config, brand, secrets
        self._org = f"urn:li:organization:{config.options['organization_id']}"
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._version = str(config.options.get("api_version", API_VERSION))
        self._count = min(max(int(config.options.get("count", 50)), 1), 100)
        self._watch = timedelta(days=int(config.options.get("watch_days", 7)))
        self._backfill = timedelta(minutes=int(config.options.get("backfill_minutes", 60)))
        self._overlap = timedelta(minutes=int(config.options.get("overlap_minutes", 5)))
        self._max_comment_pages = max(int(config.options.get("max_comment_pages", 5)), 1)
        self._http = LinkedInHttp(client, source_id=config.id, **http)

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        token = self._secrets.for_source(self._config, "access_token")["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": self._version,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        return self._http.get_json(f"{self._base_url}{path}", params=params, headers=headers)

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        cursor = dict(cursor or {})
        since = parse_iso(cursor["since"]) if cursor.get("since") else now - self._backfill
        scan = dict(cursor.get("scan") or {"started": iso(now), "stage": "posts", "queue": [], "start": 0})
        if scan["stage"] == "posts":
            mentions = self._posts_page(scan, now)
        else:
            mentions = self._comments_page(scan, since)
        if scan["stage"] == "done":
            finished = max(parse_iso(scan["started"]) - self._overlap, since)
            return FetchResult(mentions, {"since": iso(finished)})
        return FetchResult(mentions, {"since": iso(since), "scan": scan}, exhausted=False)

    def _posts_page(self, scan: dict[str, Any], now: datetime) -> list[RawMention]:
        params = {
            "q": "author",
            "author": self._org,
            "sortBy": "CREATED",
            "start": scan["start"],
            "count": self._count,
        }
        page = parse_payload(_Posts, self._get("/rest/posts", params), source_id=self.source_id)
        watched = [post for post in page.elements if from_millis(post.created_at) >= now - self._watch]
        scan["queue"] = [*scan["queue"], *(post.id for post in watched)]
        following = page.paging.next_start()
        if following is not None and page.elements and len(watched) == len(page.elements):
            scan["start"] = following
        else:
            scan["start"] = 0
            scan["stage"] = "comments" if scan["queue"] else "done"
        return []

    def _comments_page(self, scan: dict[str, Any], since: datetime) -> list[RawMention]:
        post = scan["queue"][0]
        params = {"start": scan["start"], "count": self._count}
        body = self._get(f"/rest/socialActions/{quote(post, safe='')}/comments", params)
        page = parse_payload(_Comments, body, source_id=self.source_id)
        mentions = [
            self._mention(comment, post)
            for comment in page.elements
            if from_millis(comment.created.time) >= since and comment.actor != self._org
        ]
        following = page.paging.next_start()
        pages_read = int(scan.get("pages_read", 0)) + 1
        if following is not None and page.elements and pages_read < self._max_comment_pages:
            scan["start"], scan["pages_read"] = following, pages_read
            return mentions
        scan["queue"] = scan["queue"][1:]
        scan["start"] = 0
        scan.pop("pages_read", None)
        if not scan["queue"]:
            scan["stage"] = "done"
        return mentions

    def _mention(self, comment: _Comment, post: str) -> RawMention:
        anchor = quote(comment.comment_urn, safe="")
        return RawMention(
            platform="linkedin",
            native_id=comment.comment_urn,
            brand=self._brand.id,
            text=comment.message.text[:_TEXT_LIMIT],
            published_at=from_millis(comment.created.time),
            url=f"https://www.linkedin.com/feed/update/{post}?commentUrn={anchor}",
            author=Author(),
            engagement=max(comment.likes.total_likes, 0) + max(comment.replies.aggregated_total_comments, 0),
            thread_id=post,
        )
