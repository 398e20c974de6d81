"""Bluesky: posts naming the brand, through app.bsky.feed.searchPosts, and replies.

Search (https://docs.bsky.app/docs/api/app-bsky-feed-search-posts) needs a signed-in account: the
brand's (or a monitoring) account signs in with an app password through
com.atproto.server.createSession (https://docs.bsky.app/docs/api/com-atproto-server-create-session)
on its PDS (`options.base_url`, default https://bsky.social), which serves the AppView's methods. The
session is kept while the function is warm, refreshed when it expires (refreshSession), and created
anew when that fails too: createSession is limited to 30 per 5 minutes and 300 a day per account.

Search results carry each author's handle but not the follower count; one
app.bsky.actor.getProfiles call per 25 authors adds it (`options.fetch_reach`, default on).

Queries: `options.query` (one search), else one search per brand keyword (search has no documented
OR), one after the other. A post's time is the earlier of its `createdAt` and `indexedAt` (a client
sets `createdAt`; search sorts by that earlier time, `sortAt`).

Cursor: `since` is the newest post time already stored, minus `options.overlap_minutes` (default 5),
because a post may be indexed after later ones. A run asks for posts since then, newest first
(`sort=latest`), and follows `cursor` page by page; until the last page of the last query is stored
the saved cursor keeps the old `since`. Posts seen twice through the overlap are stored once.

Replies (`BlueskyPublisher`) create an app.bsky.feed.post record with `reply.root` and `reply.parent`
through com.atproto.repo.createRecord.
"""

from __future__ import annotations

import threading
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

API_URL = "https://bsky.social"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
_PROFILES_PER_CALL = 25
_TEXT_LIMIT = 20_000
_EXPIRED = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired"})


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _StrongRef(_Lenient):
    uri: str
    cid: str | None = None


class _ReplyRef(_Lenient):
    root: _StrongRef
    parent: _StrongRef


class _Record(_Lenient):
    text: str = ""
    created_at: datetime = Field(alias="createdAt")
    langs: list[str] = []
    reply: _ReplyRef | None = None


class _Author(_Lenient):
    did: str
    handle: str


class _PostView(_Lenient):
    uri: str = Field(min_length=1)
    cid: str | None = None
    author: _Author
    record: _Record
    indexed_at: datetime | None = Field(default=None, alias="indexedAt")
    reply_count: int = Field(default=0, alias="replyCount")
    repost_count: int = Field(default=0, alias="repostCount")
    like_count: int = Field(default=0, alias="likeCount")
    quote_count: int = Field(default=0, alias="quoteCount")


class _SearchPage(_Lenient):
    posts: list[_PostView]
    cursor: str | None = None


class _Profile(_Lenient):
    did: str
    followers_count: int = Field(default=0, alias="followersCount")


class _Profiles(_Lenient):
    profiles: list[_Profile] = []


class _Session(_Lenient):
    access_jwt: str = Field(alias="accessJwt", min_length=1)
    refresh_jwt: str = Field(alias="refreshJwt", min_length=1)
    did: str


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_url(handle: str, uri: str) -> str:
    """The web address of an at:// post URI (its last segment is the record key)."""
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


class BlueskySession:
    """The signed-in session of one account, shared by its sources and its publisher while warm."""

    _sessions: dict[tuple[str, str], _Session] = {}
    _lock = threading.Lock()

    def __init__(self, http: PlatformHttp, base_url: str, identifier: str, password: str) -> None:
        self._http, self._base_url = http, base_url
        self._identifier, self._password = identifier, password
        self._key = (base_url, identifier)

    def headers(self) -> dict[str, str]:
        with self._lock:
            session = self._sessions.get(self._key)
        if session is None:
            session = self._create()
        return {"Authorization": f"Bearer {session.access_jwt}"}

    @property
    def did(self) -> str:
        self.headers()
        return self._sessions[self._key].did

    def renew(self) -> None:
        """After an expired or refused access token: refresh the session, else sign in again."""
        with self._lock:
            session = self._sessions.pop(self._key, None)
        if session is not None:
            try:
                body = self._http.post_json(
                    f"{self._base_url}{REFRESH_SESSION}",
                    headers={"Authorization": f"Bearer {session.refresh_jwt}"},
                )
                self._store(parse_payload(_Session, body, source_id=self._http.source_id))
                return
            except SourceUnavailable:  # expired or revoked too (SourceMisconfigured included)
                pass
        self._create()

    def _create(self) -> _Session:
        body = self._http.post_json(
            f"{self._base_url}{CREATE_SESSION}",
            json={"identifier": self._identifier, "password": self._password},
        )
        session = parse_payload(_Session, body, source_id=self._http.source_id)
        self._store(session)
        return session

    def _store(self, session: _Session) -> None:
        with self._lock:
            self._sessions[self._key] = session


def _expired(error: SourceUnavailable) -> bool:
    details = error.details[0] if error.details else {}
    return isinstance(error, SourceMisconfigured) or details.get("code") in _EXPIRED


class _Account:
    """The sign-in of one source's configured account, and the calls that need it."""

    def __init__(self, config: SourceConfig, secrets: SourceSecrets, http: PlatformHttp) -> None:
        self._config, self._secrets, self._http = config, secrets, http
        self.base_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._session: BlueskySession | None = None

    def session(self) -> BlueskySession:
        if self._session is None:
            values = self._secrets.for_source(self._config, "identifier", "app_password")
            self._session = BlueskySession(
                self._http, self.base_url, values["identifier"], values["app_password"]
            )
        return self._session

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One authenticated XRPC call; an expired session is renewed and the call made once more."""
        session = self.session()
        try:
            return self._http.json(
                self._http.request(method, f"{self.base_url}{path}", headers=session.headers(), **kwargs)
            )
        except RateLimited:
            raise
        except SourceUnavailable as error:
            if not _expired(error):
                raise
        session.renew()
        return self._http.json(
            self._http.request(method, f"{self.base_url}{path}", headers=session.headers(), **kwargs)
        )


class BlueskySource:
    slug = "bluesky"

    def __init__(
        self, config: SourceConfig, brand: Brand, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 300))
        self._brand = brand
        query = config.options.get("query")
        self._queries = [str(query)] if query else [_quoted(keyword) for keyword in brand.keywords]
        self._lang = str(config.options["lang"]) if config.options.get("lang") else None
        self._limit = min(max(int(config.options.get("limit", 100)), 1), 100)
        self._fetch_reach = bool(config.options.get("fetch_reach", True))
        self._backfill = timedelta(minutes=int(config.options.get("backfill_minutes", 60)))
        self._overlap = timedelta(minutes=int(config.options.get("overlap_minutes", 5)))
        self._account = _Account(config, secrets, PlatformHttp(client, source_id=config.id, **http))

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        """One page of one query. Several keywords are several queries (search has no OR), one after
        the other: `query` in the cursor says which one is paging."""
        cursor = dict(cursor or {})
        index = int(cursor.get("query", 0)) % len(self._queries)
        since = cursor.get("since") or _iso(now - self._backfill)
        params: dict[str, Any] = {
            "q": self._queries[index],
            "sort": "latest",
            "limit": self._limit,
            "since": since,
        }
        if self._lang:
            params["lang"] = self._lang
        if cursor.get("page"):
            params["cursor"] = cursor["page"]
        body = self._account.call("GET", SEARCH, params=params)
        page = parse_payload(_SearchPage, body, source_id=self.source_id)
        followers = self._followers(page.posts)
        mentions = [self._mention(post, followers.get(post.author.did, 0)) for post in page.posts]
        newest = max([cursor.get("pending_newest") or "", *(_iso(self._sort_at(p)) for p in page.posts)])
        pending = {"since": since, "pending_newest": newest or None}
        if page.cursor and page.posts:
            return FetchResult(mentions, {**pending, "query": index, "page": page.cursor}, exhausted=False)
        if index + 1 < len(self._queries):  # the next keyword, from the same `since`
            return FetchResult(mentions, {**pending, "query": index + 1}, exhausted=False)
        return FetchResult(mentions, {"since": max(since, self._with_overlap(newest)) if newest else since})

    def _sort_at(self, post: _PostView) -> datetime:
        created = post.record.created_at
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        return min(created, post.indexed_at) if post.indexed_at else created

    def _with_overlap(self, newest_iso: str) -> str:
        return _iso(datetime.fromisoformat(newest_iso.replace("Z", "+00:00")) - self._overlap)

    def _followers(self, posts: list[_PostView]) -> dict[str, int]:
        if not self._fetch_reach or not posts:
            return {}
        dids = sorted({post.author.did for post in posts})
        counts: dict[str, int] = {}
        for start in range(0, len(dids), _PROFILES_PER_CALL):
            chunk = dids[start : start + _PROFILES_PER_CALL]
            body = self._account.call("GET", PROFILES, params={"actors": chunk})
            for profile in parse_payload(_Profiles, body, source_id=self.source_id).profiles:
                counts[profile.did] = max(profile.followers_count, 0)
        return counts

    def _mention(self, post: _PostView, followers: int) -> RawMention:
        reply = post.record.reply
        return RawMention(
            platform="bluesky",
            native_id=post.uri,
            brand=self._brand.id,
            text=post.record.text[:_TEXT_LIMIT],
            published_at=self._sort_at(post),
            url=post_url(post.author.handle, post.uri),
            author=Author(handle=f"@{post.author.handle}", followers=followers),
            reach=followers,
            lang_hint=post.record.langs[0] if post.record.langs else None,
            engagement=post.reply_count + post.repost_count + post.like_count + post.quote_count,
            thread_id=reply.root.uri if reply else None,
        )


def _quoted(keyword: str) -> str:
    return f'"{keyword}"' if " " in keyword else keyword


class _PostsByUri(_Lenient):
    posts: list[_PostView]


class _CreatedRecord(_Lenient):
    uri: str = Field(min_length=1)
    cid: str = Field(min_length=1)


class BlueskyPublisher:
    """Replies as the configured account: the parent and its thread root are looked up first (a reply
    names both with their content ids). One attempt; the caller decides on retries."""

    platform = "bluesky"

    def __init__(
        self, config: SourceConfig, client: httpx.Client, secrets: SourceSecrets, **http: Any
    ) -> None:
        http.setdefault("policy", RetryPolicy(attempts=1))
        self._config = config
        self._account = _Account(config, secrets, PlatformHttp(client, source_id=config.id, **http))

    def reply(self, *, in_reply_to: str, text: str) -> PublishedReply:
        with publishing():
            body = self._account.call("GET", GET_POSTS, params={"uris": [in_reply_to]})
            found = parse_payload(_PostsByUri, body, source_id=self._config.id).posts
            parent = found[0] if found else None
            if parent is None or not parent.cid:
                raise DeliveryRejected("the post to answer is gone", [{"uri": in_reply_to}])
            parent_ref = {"uri": parent.uri, "cid": parent.cid}
            root = parent.record.reply.root.model_dump() if parent.record.reply else parent_ref
            record = {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": _iso(datetime.now(UTC)),
                "reply": {"root": root, "parent": parent_ref},
            }
            session = self._account.session()
            created_body = self._account.call(
                "POST",
                CREATE_RECORD,
                json={"repo": session.did, "collection": "app.bsky.feed.post", "record": record},
            )
            created = parse_payload(_CreatedRecord, created_body, source_id=self._config.id)
            handle_or_did = session.did
        return PublishedReply(
            platform="bluesky", native_id=created.uri, url=post_url(handle_or_did, created.uri)
        )
