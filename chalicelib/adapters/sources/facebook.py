"""Facebook: what people post on and under the brand's Page, through the Graph API, and replies.

With a Page access token (secret `{"page_access_token", "app_secret"}`, `options.page_id`):
- GET /{page-id}/feed (https://developers.facebook.com/docs/graph-api/reference/page/feed): the Page's
  posts and the posts of visitors. A visitor's post is a mention; the Page's own posts are the brand
  speaking, not mentions, but their comments are. The feed is read for posts of the last
  `options.watch_days` (default 7); a post whose `updated_time` (a new comment moves it) is newer than
  the cursor's `since` has its comments read.
- GET /{post-id}/comments (https://developers.facebook.com/docs/graph-api/reference/object/comments)
  with `filter=stream` (replies too) newest first, until a comment is older than `since`.
- GET /{page-id}/tagged (https://developers.facebook.com/docs/graph-api/reference/page/tagged), public
  posts that tag the Page, when `options.tagged` is on.
/{page-id}/visitor_posts is not supported for Pages on the New Pages Experience (all of them now); the
feed includes visitor posts. /{page-id}/ratings is not read: recommendations answer error 12 from
v22.0 on, and older versions are past their end of life.

Cursor: one scan is feed, then the queued posts' comments, then tagged; every step is one call and one
page (`exhausted=False`), so a scan may span runs. Until it ends the cursor keeps the old `since` and
the scan's state; the end moves `since` to the scan's start minus `options.overlap_minutes` (5). The
first scan looks back `options.backfill_minutes` (60).

Replies (`FacebookPublisher`): POST /{comment-or-post-id}/comments with `message`, as the Page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.graph import (
    Counted,
    GraphAccount,
    GraphHttp,
    GraphPublisher,
    Lenient,
    Paging,
    graph_base_url,
    iso,
    next_params,
    object_gone,
    parse_iso,
)
from chalicelib.adapters.sources.platform_http import parse_payload
from chalicelib.domain.errors import SourceUnavailable
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.observability import logger
from chalicelib.ports import FetchResult

API_VERSION = "v25.0"
POST_FIELDS = (
    "id,message,created_time,updated_time,from,permalink_url,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
COMMENT_FIELDS = "id,message,created_time,from,like_count,comment_count,permalink_url,parent{id}"
_TEXT_LIMIT = 20_000


class _From(Lenient):
    id: str
    name: str | None = None


class _Shares(Lenient):
    count: int = 0


class _Post(Lenient):
    id: str = Field(min_length=1)
    message: str = ""
    created_time: datetime
    updated_time: datetime | None = None
    sender: _From | None = Field(default=None, alias="from")
    permalink_url: str | None = None
    shares: _Shares = _Shares()
    reactions: Counted = Counted()
    comments: Counted = Counted()


class _Comment(Lenient):
    id: str = Field(min_length=1)
    message: str = ""
    created_time: datetime
    sender: _From | None = Field(default=None, alias="from")
    like_count: int = 0
    comment_count: int = 0
    permalink_url: str | None = None


class _Posts(Lenient):
    data: list[_Post]
    paging: Paging | None = None


class _Comments(Lenient):
    data: list[_Comment]
    paging: Paging | None = None


def _author(sender: _From | None) -> Author:
    return Author(handle=sender.name if sender and sender.name else None)


class FacebookSource:
    slug = "facebook"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        if not config.options.get("page_id"):
            raise ValueError(f"source {config.id}: options.page_id is required")
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 600))
        self._config, self._brand, self._secrets = config, brand, secrets
        self._page_id = str(config.options["page_id"])
        self._base_url = graph_base_url(config.options, API_VERSION)
        self._limit = min(max(int(config.options.get("limit", 50)), 1), 100)
        self._watch = timedelta(days=int(config.options.get("watch_days", 7)))
        self._backfill = timedelta(minutes=int(config.options.get("backfill_minutes", 60)))
        self._overlap = timedelta(minutes=int(config.options.get("overlap_minutes", 5)))
        self._tagged = bool(config.options.get("tagged", False))
        self._http = GraphHttp(client, source_id=config.id, **http)

    def _account(self) -> GraphAccount:
        values = self._secrets.for_source(self._config, "page_access_token", "app_secret")
        return GraphAccount(self._http, self._base_url, values["page_access_token"], values["app_secret"])

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        cursor = dict(cursor or {})
        since = parse_iso(cursor["since"]) if cursor.get("since") else now - self._backfill
        scan = dict(cursor.get("scan") or {"started": iso(now), "stage": "feed", "posts": []})
        account = self._account()
        if scan["stage"] == "feed":
            mentions = self._feed_page(account, scan, since, now)
        elif scan["stage"] == "comments":
            mentions = self._comments_page(account, scan, since)
        else:
            mentions = self._tagged_page(account, scan, since)
        if scan["stage"] == "done":
            finished = parse_iso(scan["started"]) - self._overlap
            return FetchResult(mentions, {"since": iso(max(finished, since))})
        return FetchResult(mentions, {"since": iso(since), "scan": scan}, exhausted=False)

    def _feed_page(
        self, account: GraphAccount, scan: dict[str, Any], since: datetime, now: datetime
    ) -> list[RawMention]:
        params = {
            "fields": POST_FIELDS,
            "limit": self._limit,
            "since": int((now - self._watch).timestamp()),
            **(scan.get("page") or {}),
        }
        body = account.get(f"/{self._page_id}/feed", params)
        page = parse_payload(_Posts, body, source_id=self.source_id)
        active = [p.id for p in page.data if p.updated_time is None or p.updated_time >= since]
        scan["posts"] = [*scan.get("posts", []), *(p for p in active if p not in scan.get("posts", []))]
        mentions = [self._post_mention(post) for post in page.data if self._by_visitor(post, since)]
        self._advance(scan, next_params(page.paging), "comments" if scan["posts"] else self._after_comments)
        return mentions

    @property
    def _after_comments(self) -> str:
        return "tagged" if self._tagged else "done"

    def _comments_page(
        self, account: GraphAccount, scan: dict[str, Any], since: datetime
    ) -> list[RawMention]:
        post_id = scan["posts"][0]
        params = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": self._limit,
            **(scan.get("page") or {}),
        }
        try:
            body = account.get(f"/{post_id}/comments", params)
        except SourceUnavailable as error:
            if not object_gone(error):
                raise
            logger.info("facebook post gone, its comments skipped", source=self.source_id)
            self._next_post(scan)
            return []
        page = parse_payload(_Comments, body, source_id=self.source_id)
        fresh = [c for c in page.data if c.created_time >= since]
        mentions = [self._comment_mention(c, post_id) for c in fresh if not self._by_page(c.sender)]
        following = next_params(page.paging)
        if following is not None and len(fresh) == len(page.data):
            scan["page"] = following  # every comment on this page is new: older ones may be too
            return mentions
        self._next_post(scan)
        return mentions

    def _next_post(self, scan: dict[str, Any]) -> None:
        scan["posts"] = scan["posts"][1:]
        scan.pop("page", None)
        if not scan["posts"]:
            scan["stage"] = self._after_comments

    def _tagged_page(self, account: GraphAccount, scan: dict[str, Any], since: datetime) -> list[RawMention]:
        params = {
            "fields": POST_FIELDS,
            "limit": self._limit,
            "since": int(since.timestamp()),
            **(scan.get("page") or {}),
        }
        body = account.get(f"/{self._page_id}/tagged", params)
        page = parse_payload(_Posts, body, source_id=self.source_id)
        mentions = [self._post_mention(post) for post in page.data if self._by_visitor(post, since)]
        self._advance(scan, next_params(page.paging), "done")
        return mentions

    @staticmethod
    def _advance(scan: dict[str, Any], following: dict[str, str] | None, then: str) -> None:
        if following is not None:
            scan["page"] = following
            return
        scan.pop("page", None)
        scan["stage"] = then

    def _by_page(self, sender: _From | None) -> bool:
        return sender is not None and sender.id == self._page_id

    def _by_visitor(self, post: _Post, since: datetime) -> bool:
        return not self._by_page(post.sender) and post.created_time >= since

    def _post_mention(self, post: _Post) -> RawMention:
        return RawMention(
            platform="facebook",
            native_id=post.id,
            brand=self._brand.id,
            text=post.message[:_TEXT_LIMIT],
            published_at=post.created_time,
            url=post.permalink_url or f"https://www.facebook.com/{post.id}",
            author=_author(post.sender),
            engagement=post.reactions.summary.total_count
            + post.comments.summary.total_count
            + post.shares.count,
        )

    def _comment_mention(self, comment: _Comment, post_id: str) -> RawMention:
        return RawMention(
            platform="facebook",
            native_id=comment.id,
            brand=self._brand.id,
            text=comment.message[:_TEXT_LIMIT],
            published_at=comment.created_time,
            url=comment.permalink_url or f"https://www.facebook.com/{comment.id}",
            author=_author(comment.sender),
            engagement=max(comment.like_count, 0) + max(comment.comment_count, 0),
            thread_id=post_id,
        )


class FacebookPublisher(GraphPublisher):
    """Comments as the Page under a post or a comment."""

    platform = "facebook"
    token_key = "page_access_token"
    edge = "comments"
    api_version = API_VERSION

    def url(self, native_id: str) -> str:
        return f"https://www.facebook.com/{native_id}"
