"""Instagram: comments on the brand's business account's media and media that tag it, through the
Instagram Graph API (Instagram API with Facebook Login, host graph.facebook.com), and replies.

With a token of the Facebook Page linked to the account (secret `{"access_token", "app_secret"}`,
`options.ig_user_id`):
- GET /{ig-user-id}/media (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media),
  newest first, read back `options.watch_days` (default 7). Media has no `updated_time`; a media item
  whose `comments_count` differs from the count the last finished scan saw has its comments read.
- GET /{ig-media-id}/comments (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments)
  with `fields=id,text,timestamp,username,like_count,replies{...}`: comments and their replies newer
  than the cursor's `since`, except the account's own (its username), at most
  `options.max_comment_pages` (default 5) pages per media item and scan. The order is not documented,
  so a media item's pages are read to the end (or that cap).
- GET /{ig-user-id}/tags (https://developers.facebook.com/docs/graph-api/reference/shadow-ig-user/tags):
  media that tag the account, newest first, until one is older than `since` (`options.tags`, default on).
Mentions (@username in captions) would need /{ig-user-id}?fields=mentioned_media per media id from
webhooks; not built.

Graph's error model, appsecret_proof and paging: graph.py. Cursor: like the Facebook adapter, one scan
(media, comments, tags) of one call per step, `since` and the comment counts move when it ends.

Replies (`InstagramPublisher`): POST /{ig-comment-id}/replies with `message`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.graph import (
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
MEDIA_FIELDS = "id,caption,timestamp,permalink,username,comments_count,like_count"
_REPLY_FIELDS = "id,text,timestamp,username,like_count"
COMMENT_FIELDS = f"{_REPLY_FIELDS},replies{{{_REPLY_FIELDS}}}"
_TEXT_LIMIT = 20_000


class _Media(Lenient):
    id: str = Field(min_length=1)
    caption: str = ""
    timestamp: datetime
    permalink: str | None = None
    username: str | None = None
    comments_count: int = 0
    like_count: int = 0


class _Reply(Lenient):
    id: str = Field(min_length=1)
    text: str = ""
    timestamp: datetime
    username: str | None = None
    like_count: int = 0


class _Replies(Lenient):
    data: list[_Reply] = []


class _Comment(_Reply):
    replies: _Replies = _Replies()


class _MediaPage(Lenient):
    data: list[_Media]
    paging: Paging | None = None


class _CommentPage(Lenient):
    data: list[_Comment]
    paging: Paging | None = None


class InstagramSource:
    slug = "instagram"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        if not config.options.get("ig_user_id"):
            raise ValueError(f"source {config.id}: options.ig_user_id is required")
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 600))
        self._config, self._brand, self._secrets = config, brand, secrets
        self._user_id = str(config.options["ig_user_id"])
        self._base_url = graph_base_url(config.options, API_VERSION)
        self._limit = min(max(int(config.options.get("limit", 50)), 1), 100)
        self._watch = timedelta(days=int(config.options.get("watch_days", 7)))
        self._backfill = timedelta(minutes=int(config.options.get("backfill_minutes", 60)))
        self._overlap = timedelta(minutes=int(config.options.get("overlap_minutes", 5)))
        self._max_comment_pages = max(int(config.options.get("max_comment_pages", 5)), 1)
        self._tags = bool(config.options.get("tags", True))
        self._http = GraphHttp(client, source_id=config.id, **http)

    def _account(self) -> GraphAccount:
        values = self._secrets.for_source(self._config, "access_token", "app_secret")
        return GraphAccount(self._http, self._base_url, values["access_token"], values["app_secret"])

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        cursor = dict(cursor or {})
        since = parse_iso(cursor["since"]) if cursor.get("since") else now - self._backfill
        counts: dict[str, int] = dict(cursor.get("counts") or {})
        scan = dict(cursor.get("scan") or {"started": iso(now), "stage": "media", "queue": [], "counts": {}})
        account = self._account()
        if scan["stage"] == "media":
            mentions = self._media_page(account, scan, counts, now)
        elif scan["stage"] == "comments":
            mentions = self._comments_page(account, scan, since)
        else:
            mentions = self._tags_page(account, scan, since)
        if scan["stage"] == "done":
            finished = max(parse_iso(scan["started"]) - self._overlap, since)
            return FetchResult(mentions, {"since": iso(finished), "counts": scan["counts"]})
        return FetchResult(mentions, {"since": iso(since), "counts": counts, "scan": scan}, exhausted=False)

    @property
    def _after_comments(self) -> str:
        return "tags" if self._tags else "done"

    def _media_page(
        self, account: GraphAccount, scan: dict[str, Any], counts: dict[str, int], now: datetime
    ) -> list[RawMention]:
        params = {"fields": MEDIA_FIELDS, "limit": self._limit, **(scan.get("page") or {})}
        body = account.get(f"/{self._user_id}/media", params)
        page = parse_payload(_MediaPage, body, source_id=self.source_id)
        watched = [media for media in page.data if media.timestamp >= now - self._watch]
        for media in watched:
            scan["counts"][media.id] = media.comments_count
            if media.comments_count and counts.get(media.id) != media.comments_count:
                scan["queue"].append([media.id, media.permalink, media.username])
        following = next_params(page.paging)
        if following is not None and len(watched) == len(page.data):
            scan["page"] = following
        else:
            scan.pop("page", None)
            scan["stage"] = "comments" if scan["queue"] else self._after_comments
        return []

    def _comments_page(
        self, account: GraphAccount, scan: dict[str, Any], since: datetime
    ) -> list[RawMention]:
        media_id, permalink, owner = scan["queue"][0]
        params = {"fields": COMMENT_FIELDS, "limit": self._limit, **(scan.get("page") or {})}
        try:
            body = account.get(f"/{media_id}/comments", params)
        except SourceUnavailable as error:
            if not object_gone(error):
                raise
            logger.info("instagram media gone, its comments skipped", source=self.source_id)
            self._next_media(scan)
            return []
        page = parse_payload(_CommentPage, body, source_id=self.source_id)
        items = [item for comment in page.data for item in (comment, *comment.replies.data)]
        mentions = [
            self._comment_mention(item, media_id, permalink)
            for item in items
            if item.timestamp >= since and (owner is None or item.username != owner)
        ]
        following = next_params(page.paging)
        pages_read = int(scan.get("pages_read", 0)) + 1
        if following is not None and pages_read < self._max_comment_pages:
            scan["page"], scan["pages_read"] = following, pages_read
            return mentions
        self._next_media(scan)
        return mentions

    def _next_media(self, scan: dict[str, Any]) -> None:
        scan["queue"] = scan["queue"][1:]
        scan.pop("page", None)
        scan.pop("pages_read", None)
        if not scan["queue"]:
            scan["stage"] = self._after_comments

    def _tags_page(self, account: GraphAccount, scan: dict[str, Any], since: datetime) -> list[RawMention]:
        params = {"fields": MEDIA_FIELDS, "limit": self._limit, **(scan.get("page") or {})}
        body = account.get(f"/{self._user_id}/tags", params)
        page = parse_payload(_MediaPage, body, source_id=self.source_id)
        fresh = [media for media in page.data if media.timestamp >= since]
        following = next_params(page.paging)
        if following is not None and len(fresh) == len(page.data):
            scan["page"] = following
        else:
            scan.pop("page", None)
            scan["stage"] = "done"
        return [self._tagged_mention(media) for media in fresh]

    def _comment_mention(self, item: _Reply, media_id: str, permalink: str | None) -> RawMention:
        replies = len(item.replies.data) if isinstance(item, _Comment) else 0
        return RawMention(
            platform="instagram",
            native_id=item.id,
            brand=self._brand.id,
            text=item.text[:_TEXT_LIMIT],
            published_at=item.timestamp,
            url=permalink,
            author=Author(handle=f"@{item.username}" if item.username else None),
            engagement=max(item.like_count, 0) + replies,
            thread_id=media_id,
        )

    def _tagged_mention(self, media: _Media) -> RawMention:
        return RawMention(
            platform="instagram",
            native_id=media.id,
            brand=self._brand.id,
            text=media.caption[:_TEXT_LIMIT],
            published_at=media.timestamp,
            url=media.permalink,
            author=Author(handle=f"@{media.username}" if media.username else None),
            engagement=max(media.like_count, 0) + max(media.comments_count, 0),
        )


class InstagramPublisher(GraphPublisher):
    """Replies to a comment as the business account."""

    platform = "instagram"
    token_key = "access_token"
    edge = "replies"
    api_version = API_VERSION

    def url(self, native_id: str) -> None:
        return None  # a comment has no public address of its own; the reply shows under the media
