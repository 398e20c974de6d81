"""X (formerly Twitter): posts naming the brand, through the X API v2 recent search, and replies.

GET /2/tweets/search/recent (https://docs.x.com/x-api/posts/search-recent-posts) with an app-only
bearer token. The playbook entry configures the query (`options.query`, default: the brand's keywords
without reposts); `expansions=author_id` brings each author's handle and follower count.

Cursor: `since_id` is the newest post id already stored. A run asks for posts newer than it, newest
first, and follows `meta.next_token` page by page; until the last page is stored the cursor keeps the
old `since_id` plus the `next_token` and the newest id seen (`pending_newest`), so a crash resumes on
the page it lost. The last page moves `since_id` to `pending_newest`. The first run looks back
`options.backfill_minutes` (default 60) instead of the seven days recent search covers.

Replies (`XPublisher`) go through POST /2/tweets (https://docs.x.com/x-api/posts/create-post), which
needs a user-context token (OAuth 2.0 with `tweet.write`) of the brand's account, not the bearer token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.platform_http import PlatformHttp, RetryPolicy, parse_payload, publishing
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult, PublishedReply

API_URL = "https://api.x.com"
SEARCH_PATH = "/2/tweets/search/recent"
POST_PATH = "/2/tweets"
MAX_QUERY_LENGTH = 512  # recent search, pay-per-use and Basic access
_TEXT_LIMIT = 20_000
_TWEET_FIELDS = "created_at,lang,public_metrics,conversation_id,referenced_tweets,author_id"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _PostMetrics(_Lenient):
    retweet_count: int = 0
    reply_count: int = 0
    like_count: int = 0
    quote_count: int = 0


class _Post(_Lenient):
    id: str = Field(min_length=1)
    text: str
    author_id: str | None = None
    created_at: datetime
    lang: str | None = None
    conversation_id: str | None = None
    public_metrics: _PostMetrics = _PostMetrics()


class _UserMetrics(_Lenient):
    followers_count: int = 0


class _User(_Lenient):
    id: str
    username: str
    public_metrics: _UserMetrics = _UserMetrics()


class _Includes(_Lenient):
    users: list[_User] = []


class _Meta(_Lenient):
    result_count: int = 0
    newest_id: str | None = None
    next_token: str | None = None


class _SearchPage(_Lenient):
    data: list[_Post] = []
    includes: _Includes = _Includes()
    meta: _Meta  # present on every answer, also an empty one


def default_query(brand: Brand) -> str:
    """The brand's keywords, any of them, without reposts (their originals are found themselves)."""
    terms = [f'"{keyword}"' if " " in keyword else keyword for keyword in brand.keywords]
    return f"({' OR '.join(terms)}) -is:retweet"


def _newer(a: str | None, b: str | None) -> str | None:
    """The newer of two post ids (ids grow with time; compared as numbers)."""
    if a is None or b is None:
        return a or b
    return a if int(a) >= int(b) else b


class XSource:
    slug = "x"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 300))
        self._config = config
        self._brand = brand
        self._secrets = secrets
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._query = str(config.options.get("query") or default_query(brand))
        if len(self._query) > MAX_QUERY_LENGTH:
            raise ValueError(f"source {config.id}: the X query is longer than {MAX_QUERY_LENGTH} characters")
        self._max_results = min(max(int(config.options.get("max_results", 100)), 10), 100)
        self._backfill = timedelta(minutes=int(config.options.get("backfill_minutes", 60)))
        self._http = PlatformHttp(client, source_id=config.id, **http)

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        cursor = dict(cursor or {})
        token = self._secrets.for_source(self._config, "bearer_token")["bearer_token"]
        params: dict[str, Any] = {
            "query": self._query,
            "max_results": self._max_results,
            "expansions": "author_id",
            "tweet.fields": _TWEET_FIELDS,
            "user.fields": "public_metrics",
        }
        if cursor.get("since_id"):
            params["since_id"] = cursor["since_id"]
        else:
            params["start_time"] = (now - self._backfill).strftime("%Y-%m-%dT%H:%M:%SZ")
        if cursor.get("next_token"):
            params["next_token"] = cursor["next_token"]
        body = self._http.get_json(
            f"{self._base_url}{SEARCH_PATH}", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        page = parse_payload(_SearchPage, body, source_id=self.source_id)
        users = {user.id: user for user in page.includes.users}
        mentions = [self._mention(post, users.get(post.author_id or "")) for post in page.data]
        newest = _newer(cursor.get("pending_newest"), page.meta.newest_id)
        if page.meta.next_token:
            following = {"since_id": cursor.get("since_id"), "next_token": page.meta.next_token}
            return FetchResult(mentions, {**following, "pending_newest": newest}, exhausted=False)
        return FetchResult(mentions, {"since_id": _newer(cursor.get("since_id"), newest)})

    def _mention(self, post: _Post, user: _User | None) -> RawMention:
        metrics = post.public_metrics
        handle = f"@{user.username}" if user else None
        followers = user.public_metrics.followers_count if user else 0
        path = f"{user.username}/status/{post.id}" if user else f"i/web/status/{post.id}"
        return RawMention(
            platform="x",
            native_id=post.id,
            brand=self._brand.id,
            text=post.text[:_TEXT_LIMIT],
            published_at=post.created_at,
            url=f"https://x.com/{path}",
            author=Author(handle=handle, followers=max(followers, 0)),
            reach=max(followers, 0),
            lang_hint=None if post.lang in (None, "und", "zxx", "qme", "qam") else post.lang,
            engagement=metrics.retweet_count + metrics.reply_count + metrics.like_count + metrics.quote_count,
            thread_id=post.conversation_id if post.conversation_id not in (None, post.id) else None,
        )


class _Created(_Lenient):
    class _Data(_Lenient):
        id: str = Field(min_length=1)

    data: _Data


class XPublisher:
    """Replies as the brand's X account. Not retried here: a 5xx after X stored the post would post the
    statement twice, so the caller decides (DeliveryFailed: may retry; DeliveryRejected: fix first)."""

    platform = "x"

    def __init__(
        self, config: SourceConfig, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        self._config = config
        self._secrets = secrets
        self._base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        http.setdefault("policy", RetryPolicy(attempts=1))
        self._http = PlatformHttp(client, source_id=config.id, **http)

    def reply(self, *, in_reply_to: str, text: str) -> PublishedReply:
        with publishing():
            token = self._secrets.for_source(self._config, "user_access_token")["user_access_token"]
            body = self._http.post_json(
                f"{self._base_url}{POST_PATH}",
                json={"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to}},
                headers={"Authorization": f"Bearer {token}"},
            )
            created = parse_payload(_Created, body, source_id=self._config.id)
        post_id = created.data.id
        return PublishedReply(platform="x", native_id=post_id, url=f"https://x.com/i/web/status/{post_id}")
