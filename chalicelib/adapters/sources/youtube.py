"""YouTube: comments on the brand's channels and new videos a search finds, through the Data API v3.

An API key (Google Cloud console, YouTube Data API v3 enabled) reads public data:
- `comments:<channel>`: commentThreads.list with `allThreadsRelatedToChannelId`, `order=time`
  (https://developers.google.com/youtube/v3/docs/commentThreads/list), for each of
  `options.channel_ids` (comma-separated). 1 quota unit a call.
- `search:<query>`: search.list with `type=video`, `order=date`, `publishedAfter`
  (https://developers.google.com/youtube/v3/docs/search/list), for each query in `options.search`
  (separated by `|`). 100 units a call, so a query runs at most every `options.search_minutes`
  (default 60).

Quota (https://developers.google.com/youtube/v3/determine_quota_cost): the project's daily quota
(10,000 units by default) resets at midnight Pacific time. The cursor counts the units this source
used on the current Pacific day; a call that would pass `options.daily_quota` (default 3000) is not
made: a search waits for the next day, and when not even a comment page fits, the source is rate
limited until the reset. YouTube's own `quotaExceeded` (a 403) is a rate limit until then too, not
a configuration error (https://developers.google.com/youtube/v3/docs/errors).

Cursor: per stream the newest item already stored (`published`, `id`). Both methods list newest
first; a run pages with `pageToken` until it meets that item (or an older one) and keeps the old mark
with the `page` token and the newest item seen (`pending`) until the stream's last page is stored.
The first run of a stream reads one page.

Mentions: a comment thread's top-level comment (plain text, its likes and replies as engagement, the
video as its thread); a video's title and description. The API gives no follower counts here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.google_reviews import TOKEN_URL, GoogleAuth
from chalicelib.adapters.sources.platform_http import (
    PlatformHttp,
    RetryPolicy,
    parse_payload,
    publishing,
    retry_after,
)
from chalicelib.domain.errors import (
    RateLimited,
    SourceMisconfigured,
)
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult, PublishedReply

API_URL = "https://www.googleapis.com"
COMMENT_THREADS_PATH = "/youtube/v3/commentThreads"
SEARCH_PATH = "/youtube/v3/search"
COST = {"comments": 1, "search": 100}
PACIFIC = ZoneInfo("America/Los_Angeles")
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
SHORT_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_SHORT_LIMIT_SECONDS = 60.0
_TEXT_LIMIT = 20_000


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds until the next midnight in Pacific time, when YouTube resets the daily quota."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=PACIFIC)
    return max((midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds(), 0.0)


def quota_day(now: datetime) -> str:
    return now.astimezone(PACIFIC).date().isoformat()


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _ErrorItem(_Lenient):
    reason: str = ""


class _ErrorBody(_Lenient):
    class _Error(_Lenient):
        errors: list[_ErrorItem] = []

    error: _Error


def error_reason(response: httpx.Response) -> str | None:
    """The first `error.errors[].reason` of a Google API error body, e.g. "quotaExceeded"."""
    try:
        body = _ErrorBody.model_validate(response.json())
    except ValueError:  # not JSON, or not the documented shape (ValidationError is a ValueError)
        return None
    return body.error.errors[0].reason if body.error.errors else None


class YouTubeHttp(PlatformHttp):
    """PlatformHttp that reads Google's error reasons: a 403 `quotaExceeded` is a rate limit until
    the quota resets, an invalid key (400) or an unknown channel (404) a configuration error."""

    def _raise_unless_retried(self, response: httpx.Response, path: str) -> None:
        status, reason = response.status_code, error_reason(response)
        details: dict[str, Any] = {"status": status, "path": path, **({"code": reason} if reason else {})}
        if status == 403 and reason in QUOTA_REASONS:
            wait = seconds_until_quota_reset(datetime.fromtimestamp(self._wall_clock(), UTC))
            raise RateLimited(
                f"{self.source_id}: the YouTube quota is used up until midnight Pacific time",
                [{**details, "retry_after": wait}],
                retry_after=wait,
            )
        if status == 403 and reason in SHORT_LIMIT_REASONS:
            wait = retry_after(response.headers, self._wall_clock()) or _SHORT_LIMIT_SECONDS
            raise RateLimited(
                f"{self.source_id}: the platform's rate limit is reached",
                [{**details, "retry_after": wait}],
                retry_after=wait,
            )
        if (status == 400 and reason in ("keyInvalid", "keyExpired")) or status == 404:
            raise SourceMisconfigured(f"{self.source_id}: the API key or a channel id is wrong", [details])
        super()._raise_unless_retried(response, path)


class _CommentSnippet(_Lenient):
    text_display: str = Field(default="", alias="textDisplay")
    author_display_name: str | None = Field(default=None, alias="authorDisplayName")
    like_count: int = Field(default=0, alias="likeCount")
    published_at: datetime = Field(alias="publishedAt")
    video_id: str | None = Field(default=None, alias="videoId")


class _Comment(_Lenient):
    id: str = Field(min_length=1)
    snippet: _CommentSnippet


class _ThreadSnippet(_Lenient):
    video_id: str | None = Field(default=None, alias="videoId")
    top_level_comment: _Comment = Field(alias="topLevelComment")
    total_reply_count: int = Field(default=0, alias="totalReplyCount")


class _Thread(_Lenient):
    id: str
    snippet: _ThreadSnippet


class _Threads(_Lenient):
    kind: str = Field(pattern="^youtube#commentThreadListResponse$")
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    items: list[_Thread]


class _VideoId(_Lenient):
    kind: str
    video_id: str | None = Field(default=None, alias="videoId")


class _VideoSnippet(_Lenient):
    published_at: datetime = Field(alias="publishedAt")
    channel_title: str | None = Field(default=None, alias="channelTitle")
    title: str = ""
    description: str = ""


class _SearchResult(_Lenient):
    id: _VideoId
    snippet: _VideoSnippet


class _SearchPage(_Lenient):
    kind: str = Field(pattern="^youtube#searchListResponse$")
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    items: list[_SearchResult]


class _Item(BaseModel):
    """One comment or video as the cursor needs it, and its mention."""

    id: str
    published: datetime
    mention: RawMention


def _split(value: Any, separator: str) -> list[str]:
    return [part.strip() for part in str(value or "").split(separator) if part.strip()]


class YouTubeSource:
    slug = "youtube"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 600))
        self._config = config
        self._brand = brand
        self._secrets = secrets
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._streams = [f"comments:{c}" for c in _split(config.options.get("channel_ids"), ",")] + [
            f"search:{q}" for q in _split(config.options.get("search"), "|")
        ]
        if not self._streams:
            raise ValueError(f"source {config.id}: YouTube needs options.channel_ids or options.search")
        self._budget = int(config.options.get("daily_quota", 3000))
        self._search_every = timedelta(minutes=int(config.options.get("search_minutes", 60)))
        self._http = YouTubeHttp(client, source_id=config.id, **http)

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        """One page of one stream; `stream`, `page` and `pending` say where a run stands."""
        cursor = dict(cursor or {})
        marks: dict[str, dict[str, Any]] = dict(cursor.get("marks") or {})
        quota = dict(cursor.get("quota") or {})
        if quota.get("day") != quota_day(now):
            quota = {"day": quota_day(now), "used": 0}
        index = int(cursor.get("stream", 0)) % len(self._streams)
        stream = self._streams[index]
        kind, _, value = stream.partition(":")
        mark = marks.get(stream)
        following: dict[str, Any] = {"marks": marks, "quota": quota, "stream": index + 1}
        notes = {"quota_used": quota["used"], "quota_budget": self._budget}
        if not self._may_call(kind, mark, quota, now, paging=bool(cursor.get("page"))):
            return self._result([], following, notes)
        items, next_page = self._page(kind, value, mark, cursor.get("page"))
        quota["used"] += COST[kind]
        notes["quota_used"] = quota["used"]
        fresh, reached_mark = _until(items, mark)
        pending = cursor.get("pending") or (_mark(fresh[0]) if fresh else None)
        if next_page and not reached_mark and mark is not None and fresh:
            following.update(stream=index, page=next_page, pending=pending)
        else:  # the stream is done for this run: its mark moves to the newest item seen
            if pending:
                marks[stream] = {**pending, "searched_at": now.isoformat()} if kind == "search" else pending
            elif kind == "search":
                marks[stream] = {**(mark or {}), "searched_at": now.isoformat()}
        return self._result([item.mention for item in fresh], following, notes)

    def _result(
        self, mentions: list[RawMention], following: dict[str, Any], notes: dict[str, Any]
    ) -> FetchResult:
        if following["stream"] >= len(self._streams):
            following.pop("stream")
            return FetchResult(mentions, following, notes=notes)
        return FetchResult(mentions, following, exhausted=False, notes=notes)

    def _may_call(
        self, kind: str, mark: dict[str, Any] | None, quota: dict[str, Any], now: datetime, *, paging: bool
    ) -> bool:
        """Whether this stream runs now. Over the budget a search waits; comments mean the source does."""
        searched_at = (mark or {}).get("searched_at")
        recently = bool(searched_at) and now - datetime.fromisoformat(str(searched_at)) < self._search_every
        if kind == "search" and not paging and recently:
            return False
        if quota["used"] + COST[kind] <= self._budget:
            return True
        if kind == "search":
            return False
        wait = seconds_until_quota_reset(now)
        raise RateLimited(
            f"{self.source_id}: the source's daily YouTube quota budget is used up",
            [{"quota_used": quota["used"], "budget": self._budget, "retry_after": wait}],
            retry_after=wait,
        )

    def _page(
        self, kind: str, value: str, mark: dict[str, Any] | None, page: str | None
    ) -> tuple[list[_Item], str | None]:
        key = self._secrets.for_source(self._config, "api_key")["api_key"]
        params: dict[str, Any] = {"part": "snippet", "key": key}
        if page:
            params["pageToken"] = page
        if kind == "comments":
            params.update(
                allThreadsRelatedToChannelId=value, order="time", maxResults=100, textFormat="plainText"
            )
            body = self._http.get_json(f"{self._base_url}{COMMENT_THREADS_PATH}", params=params)
            threads = parse_payload(_Threads, body, source_id=self.source_id)
            return [self._comment(thread) for thread in threads.items], threads.next_page_token
        params.update(q=value, type="video", order="date", maxResults=50)
        if mark:
            params["publishedAfter"] = mark["published"]
        body = self._http.get_json(f"{self._base_url}{SEARCH_PATH}", params=params)
        results = parse_payload(_SearchPage, body, source_id=self.source_id)
        videos = [self._video(result) for result in results.items if result.id.video_id]
        return videos, results.next_page_token

    def _comment(self, thread: _Thread) -> _Item:
        comment = thread.snippet.top_level_comment
        snippet = comment.snippet
        video = thread.snippet.video_id or snippet.video_id
        url = f"https://www.youtube.com/watch?v={video}&lc={comment.id}" if video else None
        mention = RawMention(
            platform="youtube",
            native_id=comment.id,
            brand=self._brand.id,
            text=snippet.text_display[:_TEXT_LIMIT],
            published_at=snippet.published_at,
            url=url,
            author=Author(handle=snippet.author_display_name),
            engagement=max(snippet.like_count, 0) + max(thread.snippet.total_reply_count, 0),
            thread_id=video,
        )
        return _Item(id=comment.id, published=snippet.published_at, mention=mention)

    def _video(self, result: _SearchResult) -> _Item:
        video_id = str(result.id.video_id)
        snippet = result.snippet
        text = f"{unescape(snippet.title)}\n\n{unescape(snippet.description)}".strip()
        mention = RawMention(
            platform="youtube",
            native_id=video_id,
            brand=self._brand.id,
            text=text[:_TEXT_LIMIT],
            published_at=snippet.published_at,
            url=f"https://www.youtube.com/watch?v={video_id}",
            author=Author(handle=snippet.channel_title),
        )
        return _Item(id=video_id, published=snippet.published_at, mention=mention)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _mark(item: _Item) -> dict[str, Any]:
    return {"id": item.id, "published": _iso(item.published)}


def _until(items: list[_Item], mark: dict[str, Any] | None) -> tuple[list[_Item], bool]:
    """The items newer than the mark, newest first, and whether the mark was reached."""
    if not mark:
        return items, False
    stop = datetime.fromisoformat(str(mark["published"]).replace("Z", "+00:00"))
    fresh: list[_Item] = []
    for item in items:
        if item.id == mark.get("id") or item.published < stop:
            return fresh, True
        fresh.append(item)
    return fresh, False


class _CreatedReply(_Lenient):
    class _Snippet(_Lenient):
        video_id: str | None = Field(default=None, alias="videoId")

    id: str
    snippet: _Snippet = Field(default_factory=_Snippet)


class YouTubePublisher:
    """Replies to a top-level comment as the brand's channel: comments.insert with `parentId`
    (https://developers.google.com/youtube/v3/docs/comments/insert, 50 quota units), with an OAuth
    access token from the channel owner's refresh token (scope youtube.force-ssl): `client_id`,
    `client_secret` and `refresh_token` in the same secret as the API key. One attempt; the caller
    decides on retries."""

    platform = "youtube"

    def __init__(
        self, config: SourceConfig, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        http.setdefault("policy", RetryPolicy(attempts=1))
        self._config, self._secrets = config, secrets
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._http = YouTubeHttp(client, source_id=config.id, **http)

    def reply(self, *, in_reply_to: str, text: str) -> PublishedReply:
        with publishing():
            values = dict(
                self._secrets.for_source(self._config, "client_id", "client_secret", "refresh_token")
            )
            auth = GoogleAuth(self._http, str(self._config.options.get("token_url", TOKEN_URL)), values)
            body = auth.call(
                "POST",
                f"{self._base_url}/youtube/v3/comments",
                params={"part": "snippet"},
                json={"snippet": {"parentId": in_reply_to, "textOriginal": text}},
            )
            created = parse_payload(_CreatedReply, body, source_id=self._config.id)
        video = created.snippet.video_id
        url = f"https://www.youtube.com/watch?v={video}&lc={created.id}" if video else None
        return PublishedReply(platform="youtube", native_id=created.id, url=url)
