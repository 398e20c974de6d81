"""Mastodon: posts under the brand's hashtags and posts a search finds on one instance, and replies.

One source reads one instance (`options.instance`, default https://mastodon.social); a second
instance is a second source, with its own token (`options.secret`) and its own rate limit.

- Hashtag timelines: GET /api/v1/timelines/tag/:hashtag
  (https://docs.joinmastodon.org/methods/timelines/#tag), one per entry of `options.hashtags`
  (comma-separated). Public on most instances; `options.use_token: true` sends the token where the
  instance shows them to signed-in accounts only.
- Search: GET /api/v2/search?type=statuses (https://docs.joinmastodon.org/methods/search/#v2), one
  per query in `options.search` (separated by `|`). Full-text search of statuses needs a signed-in
  account on most instances, so a source with searches requires `access_token` in its secret.

Cursor: one `min_id` per stream (`tag:<name>`, `search:<query>`). `min_id` asks for the posts
immediately newer than it (https://docs.joinmastodon.org/api/guidelines/#pagination), so each page
joins on the last one and, once stored, moves that stream's `min_id` to the page's `Link: rel="prev"`
(the newest id of the page when the header is missing). A full page means more may follow: the run
asks again. The first run of a stream reads its newest page only and starts from there.

Mentions: `native_id` is the status `uri` (its ActivityPub id), the same on every instance, so a
post seen on two instances is stored once. The HTML `content` becomes plain text; a content warning
(`spoiler_text`) comes first. Handles are `@user@host`, also for the instance's own accounts.

Replies (`MastodonPublisher`) resolve the post on the brand's own instance (search with
`resolve=true`, https://docs.joinmastodon.org/methods/search/#v2) and POST /api/v1/statuses with
`in_reply_to_id` and an `Idempotency-Key` (https://docs.joinmastodon.org/methods/statuses/#create).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.platform_http import PlatformHttp, RetryPolicy, parse_payload, publishing
from chalicelib.domain.errors import DeliveryRejected
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult, PublishedReply

DEFAULT_INSTANCE = "https://mastodon.social"
TAG_PATH = "/api/v1/timelines/tag/"
SEARCH_PATH = "/api/v2/search"
STATUSES_PATH = "/api/v1/statuses"
PAGE_LIMIT = 40  # the documented maximum of both methods
_TEXT_LIMIT = 20_000


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Account(_Lenient):
    acct: str = Field(min_length=1)
    followers_count: int = 0


class _Status(_Lenient):
    id: str = Field(min_length=1)
    uri: str = Field(min_length=1)
    created_at: datetime
    content: str = ""
    spoiler_text: str = ""
    url: str | None = None
    account: _Account
    language: str | None = None
    in_reply_to_id: str | None = None
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0
    reblog: dict[str, Any] | None = None


class _Timeline(BaseModel):
    statuses: list[_Status]


class _SearchResults(_Lenient):
    statuses: list[_Status]


class _PlainText(HTMLParser):
    """Mastodon's status HTML (p, br, a, span) as the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return unescape("".join(parser.parts)).strip()


def _id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are strings that sort as numbers (longer is newer)."""
    return (len(status_id), status_id)


def _link_min_id(link_header: str | None) -> str | None:
    """The `min_id` of the `Link: <...>; rel="prev"` URL: where the next newer page starts."""
    for part in (link_header or "").split(","):
        url, _, params = part.partition(";")
        if 'rel="prev"' in params.replace(" ", ""):
            values = parse_qs(urlsplit(url.strip().strip("<>")).query).get("min_id")
            if values:
                return values[0]
    return None


@dataclass(frozen=True)
class _Page:
    statuses: list[_Status]
    prev_min_id: str | None  # Link rel="prev": where the next newer page starts
    remaining: int | None  # X-RateLimit-Remaining


def _remaining(response: httpx.Response) -> int | None:
    try:
        return int(float(response.headers["x-ratelimit-remaining"]))
    except (KeyError, ValueError):
        return None


def _streams(config: SourceConfig) -> list[str]:
    """`options.hashtags` is comma-separated; `options.search` holds queries separated by `|`."""
    tags = [tag.strip().lstrip("#") for tag in str(config.options.get("hashtags") or "").split(",")]
    searches = [query.strip() for query in str(config.options.get("search") or "").split("|")]
    return [f"tag:{tag}" for tag in tags if tag] + [f"search:{query}" for query in searches if query]


class MastodonSource:
    slug = "mastodon"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 300))
        self._config = config
        self._brand = brand
        self._secrets = secrets
        self._instance = str(config.options.get("instance", DEFAULT_INSTANCE)).rstrip("/")
        self._host = urlsplit(self._instance).netloc
        self._streams = _streams(config)
        if not self._streams:
            raise ValueError(f"source {config.id}: Mastodon needs options.hashtags or options.search")
        self._limit = min(max(int(config.options.get("limit", PAGE_LIMIT)), 1), PAGE_LIMIT)
        self._http = PlatformHttp(client, source_id=config.id, **http)

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        """One page of one stream; the cursor's `stream` says which one runs next. When the instance
        says no requests are left (`X-RateLimit-Remaining: 0`) the run ends after this page."""
        cursor = dict(cursor or {})
        min_ids: dict[str, str] = dict(cursor.get("min_ids") or {})
        index = int(cursor.get("stream", 0)) % len(self._streams)
        stream = self._streams[index]
        min_id = min_ids.get(stream)
        page = self._page(stream, min_id)
        mentions = [self._mention(status) for status in page.statuses if status.reblog is None]
        if page.statuses:
            newest = max((status.id for status in page.statuses), key=_id_key)
            min_ids[stream] = page.prev_min_id or newest
        more_in_stream = min_id is not None and len(page.statuses) >= self._limit
        following = index if more_in_stream else index + 1
        if following >= len(self._streams):
            return FetchResult(mentions, {"min_ids": min_ids})
        return FetchResult(mentions, {"min_ids": min_ids, "stream": following}, exhausted=page.remaining == 0)

    def _page(self, stream: str, min_id: str | None) -> _Page:
        kind, _, value = stream.partition(":")
        params: dict[str, Any] = {"limit": self._limit}
        if min_id:
            params["min_id"] = min_id
        if kind == "search":
            params.update({"q": value, "type": "statuses", "resolve": "false"})
            url, headers = f"{self._instance}{SEARCH_PATH}", self._token(required=True)
        else:
            url, headers = f"{self._instance}{TAG_PATH}{quote(value, safe='')}", self._token()
        response = self._http.request("GET", url, params=params, headers=headers)
        body = self._http.json(response)
        if kind == "search":
            statuses = parse_payload(_SearchResults, body, source_id=self.source_id).statuses
        else:
            statuses = parse_payload(_Timeline, {"statuses": body}, source_id=self.source_id).statuses
        return _Page(statuses, _link_min_id(response.headers.get("link")), _remaining(response))

    def _token(self, *, required: bool = False) -> dict[str, str]:
        if not required and not self._config.options.get("use_token", False):
            return {}
        token = self._secrets.for_source(self._config, "access_token")["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def _mention(self, status: _Status) -> RawMention:
        text = plain_text(status.content)
        if status.spoiler_text:
            text = f"{status.spoiler_text.strip()}\n\n{text}".strip()
        acct = status.account.acct if "@" in status.account.acct else f"{status.account.acct}@{self._host}"
        followers = max(status.account.followers_count, 0)
        thread = f"{self._host}:{status.in_reply_to_id}" if status.in_reply_to_id else None
        return RawMention(
            platform="mastodon",
            native_id=status.uri,
            brand=self._brand.id,
            text=text[:_TEXT_LIMIT],
            published_at=status.created_at,
            url=status.url or status.uri,
            author=Author(handle=f"@{acct}", followers=followers),
            reach=followers,
            lang_hint=status.language or None,
            engagement=max(status.replies_count + status.reblogs_count + status.favourites_count, 0),
            thread_id=thread,
        )


class _Created(_Lenient):
    id: str = Field(min_length=1)
    url: str | None = None


class MastodonPublisher:
    """Replies as the brand's account on its own instance (`options.instance`, token
    `access_token` with the `write:statuses` and `read:search` scopes). One attempt, as XPublisher;
    the Idempotency-Key makes a repeated call by the caller post once."""

    platform = "mastodon"

    def __init__(
        self, config: SourceConfig, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        self._config = config
        self._secrets = secrets
        self._instance = str(config.options.get("instance", DEFAULT_INSTANCE)).rstrip("/")
        http.setdefault("policy", RetryPolicy(attempts=1))
        self._http = PlatformHttp(client, source_id=config.id, **http)

    def reply(self, *, in_reply_to: str, text: str) -> PublishedReply:
        with publishing():
            token = self._secrets.for_source(self._config, "access_token")["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            local_id = self._local_id(in_reply_to, auth)
            key = hashlib.sha256(f"{in_reply_to}\n{text}".encode()).hexdigest()
            body = self._http.post_json(
                f"{self._instance}{STATUSES_PATH}",
                json={"status": text, "in_reply_to_id": local_id, "visibility": "public"},
                headers={**auth, "Idempotency-Key": key},
            )
            created = parse_payload(_Created, body, source_id=self._config.id)
        return PublishedReply(platform="mastodon", native_id=created.id, url=created.url)

    def _local_id(self, in_reply_to: str, auth: dict[str, str]) -> str:
        """The post's id on the brand's instance: a status URI is resolved there first."""
        if not in_reply_to.startswith(("https://", "http://")):
            return in_reply_to
        body = self._http.get_json(
            f"{self._instance}{SEARCH_PATH}",
            params={"q": in_reply_to, "type": "statuses", "resolve": "true", "limit": 1},
            headers=auth,
        )
        found = parse_payload(_SearchResults, body, source_id=self._config.id).statuses
        if not found:
            raise DeliveryRejected(
                f"{self._config.id}: the post to answer is not found on the brand's instance",
                [{"path": SEARCH_PATH}],
            )
        return found[0].id
