"""Reddit: new posts and comments in the configured subreddits, and posts a search finds.

Application-only OAuth (https://github.com/reddit-archive/reddit/wiki/OAuth2#application-only-oauth):
POST https://www.reddit.com/api/v1/access_token with `grant_type=client_credentials` and the app's
client id and secret as basic auth gives a bearer token for https://oauth.reddit.com. The token is
kept while the function is warm, until shortly before `expires_in`; a 401 drops it and asks for a new
one once. Reddit refuses clients without a descriptive User-Agent
(https://github.com/reddit-archive/reddit/wiki/API): `options.user_agent`, by default built from the
secret's `username`.

Streams, one after the other (https://www.reddit.com/dev/api):
- `new:<sub>`: GET /r/{sub}/new, posts (`t3`), for each of `options.subreddits` (comma-separated);
- `comments:<sub>`: GET /r/{sub}/comments, comments (`t1`), unless `options.comments` is false;
- `search:<query>`: GET /search?q=...&sort=new, posts, for each query in `options.search` (`|`).

Cursor: per stream the newest item already stored (`name`, the fullname such as `t3_1h2k3l`, and its
`created_utc`). A listing is newest first; a run reads it page by page with `after` until it meets
that item (or an older one, should it be deleted) and keeps the old stop mark with the `after` and
the newest item seen (`pending`) until the last page is stored. The first run of a stream reads one
page. When `X-Ratelimit-Remaining` reaches 0 the run stops after storing the page and goes on next time.

Mentions: posts are title and self text, comments their body; `native_id` is the fullname, a
comment's thread is its post's fullname. Listings carry no follower counts, so a post's reach is its
subreddit's subscribers (`subreddit_subscribers`) and a comment's is unknown (0).
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.platform_http import PlatformHttp, parse_payload
from chalicelib.domain.errors import SourceMisconfigured
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult

AUTH_URL = "https://www.reddit.com"
API_URL = "https://oauth.reddit.com"
TOKEN_PATH = "/api/v1/access_token"
SEARCH_PATH = "/search"
WEB_URL = "https://www.reddit.com"
PAGE_LIMIT = 100  # the documented maximum of a listing
_TOKEN_MARGIN_SECONDS = 60.0
_TEXT_LIMIT = 20_000


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Thing(_Lenient):
    name: str = Field(min_length=4)  # the fullname, e.g. t3_1h2k3l
    created_utc: float
    author: str = "[deleted]"
    permalink: str = ""
    title: str = ""
    selftext: str = ""
    body: str = ""
    score: int = 0
    num_comments: int = 0
    subreddit_subscribers: int = 0
    link_id: str | None = None


class _Child(_Lenient):
    kind: str
    data: _Thing


class _ListingData(_Lenient):
    after: str | None = None
    children: list[_Child]


class _Listing(_Lenient):
    kind: str = Field(pattern="^Listing$")
    data: _ListingData


class _Token(_Lenient):
    access_token: str = Field(min_length=1)
    expires_in: float = 3600.0


class RedditToken:
    """The app-only token of one Reddit app, shared by its sources while the function is warm."""

    _tokens: dict[tuple[str, str], tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(
        self,
        http: PlatformHttp,
        auth_url: str,
        credentials: dict[str, str],
        user_agent: str,
        clock: Callable[[], float],
    ) -> None:
        self._http, self._auth_url, self._user_agent, self._clock = http, auth_url, user_agent, clock
        self._client_id, self._client_secret = credentials["client_id"], credentials["client_secret"]
        self._key = (auth_url, self._client_id)

    def get(self) -> str:
        with self._lock:
            cached = self._tokens.get(self._key)
        if cached and cached[1] > self._clock():
            return cached[0]
        body = self._http.post_json(
            f"{self._auth_url}{TOKEN_PATH}",
            data={"grant_type": "client_credentials"},
            headers={"User-Agent": self._user_agent, **_basic(self._client_id, self._client_secret)},
        )
        token = parse_payload(_Token, body, source_id=self._http.source_id)
        expires = self._clock() + max(token.expires_in - _TOKEN_MARGIN_SECONDS, 0.0)
        with self._lock:
            self._tokens[self._key] = (token.access_token, expires)
        return token.access_token

    def drop(self) -> None:
        with self._lock:
            self._tokens.pop(self._key, None)


def _auth(user_agent: str, token: str) -> dict[str, str]:
    return {"User-Agent": user_agent, "Authorization": f"Bearer {token}"}


def _basic(user: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def _split(value: Any, separator: str) -> list[str]:
    return [part.strip() for part in str(value or "").split(separator) if part.strip()]


def _streams(config: SourceConfig) -> list[str]:
    subreddits = [sub.removeprefix("r/") for sub in _split(config.options.get("subreddits"), ",")]
    streams = [f"new:{sub}" for sub in subreddits]
    if config.options.get("comments", True):
        streams += [f"comments:{sub}" for sub in subreddits]
    return streams + [f"search:{query}" for query in _split(config.options.get("search"), "|")]


def _stream_path(stream: str) -> tuple[str, dict[str, Any]]:
    kind, _, value = stream.partition(":")
    if kind == "search":
        return SEARCH_PATH, {"q": value, "sort": "new", "type": "link"}
    return f"/r/{value}/{kind}", {}


class RedditSource:
    slug = "reddit"

    def __init__(
        self,
        config: SourceConfig,
        brand: Brand,
        client: httpx.Client,
        secrets: SourceSecrets,
        *,
        clock: Callable[[], float] = time.time,
        **http: Any,
    ) -> None:
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 300))
        self._config = config
        self._brand = brand
        self._secrets = secrets
        self._clock = clock
        self._api_url = str(config.options.get("base_url", API_URL)).rstrip("/")
        self._auth_url = str(config.options.get("auth_url", AUTH_URL)).rstrip("/")
        self._streams = _streams(config)
        if not self._streams:
            raise ValueError(f"source {config.id}: Reddit needs options.subreddits or options.search")
        self._limit = min(max(int(config.options.get("limit", PAGE_LIMIT)), 1), PAGE_LIMIT)
        self._http = PlatformHttp(client, source_id=config.id, **http)

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        """One listing page of one stream; `stream`, `after` and `pending` say where a run stands."""
        cursor = dict(cursor or {})
        marks: dict[str, dict[str, Any]] = dict(cursor.get("marks") or {})
        index = int(cursor.get("stream", 0)) % len(self._streams)
        stream = self._streams[index]
        mark = marks.get(stream)
        listing, remaining = self._listing(stream, cursor.get("after"))
        things, reached_mark = _until(listing.data.children, mark)
        pending = _newest(cursor.get("pending"), things[0] if things else None)
        mentions = [self._mention(thing) for thing in things]
        following: dict[str, Any] = {"marks": marks, "stream": index}
        if listing.data.after and not reached_mark and mark is not None and things:
            following.update(after=listing.data.after, pending=pending)
        else:  # this stream is done for this run: its stop mark moves to the newest item seen
            if pending:
                marks[stream] = pending
            following["stream"] = index + 1
        exhausted = remaining is not None and remaining < 1
        if following["stream"] >= len(self._streams):
            following.pop("stream")
            return FetchResult(mentions, following)
        return FetchResult(mentions, following, exhausted=exhausted)

    def _listing(self, stream: str, after: str | None) -> tuple[_Listing, float | None]:
        path, params = _stream_path(stream)
        params = {**params, "limit": self._limit, "raw_json": 1}
        if after:
            params["after"] = after
        credentials = self._secrets.for_source(self._config, "client_id", "client_secret")
        agent = self._user_agent(credentials)
        token = RedditToken(self._http, self._auth_url, dict(credentials), agent, self._clock)
        url = f"{self._api_url}{path}"
        try:
            response = self._http.request("GET", url, params=params, headers=_auth(agent, token.get()))
        except SourceMisconfigured as error:
            if (error.details or [{}])[0].get("status") != 401:
                raise
            token.drop()  # expired or revoked: one new token; a second 401 is the app's credentials
            response = self._http.request("GET", url, params=params, headers=_auth(agent, token.get()))
        listing = parse_payload(_Listing, self._http.json(response), source_id=self.source_id)
        return listing, _float(response.headers.get("x-ratelimit-remaining"))

    def _user_agent(self, credentials: Any) -> str:
        configured = self._config.options.get("user_agent")
        if configured:
            return str(configured)
        username = credentials.get("username") or "krisenradar"
        return f"server:de.krisenradar.collector:0.1 (by /u/{username})"

    def _mention(self, thing: _Thing) -> RawMention:
        is_comment = thing.name.startswith("t1_")
        text = thing.body if is_comment else f"{thing.title}\n\n{thing.selftext}".strip()
        engagement = max(thing.score, 0) + (0 if is_comment else thing.num_comments)
        reach = 0 if is_comment else max(thing.subreddit_subscribers, 0)
        return RawMention(
            platform="reddit",
            native_id=thing.name,
            brand=self._brand.id,
            text=text[:_TEXT_LIMIT],
            published_at=datetime.fromtimestamp(thing.created_utc, tz=UTC),
            url=f"{WEB_URL}{thing.permalink}" if thing.permalink else None,
            author=Author(handle=None if thing.author == "[deleted]" else f"u/{thing.author}"),
            reach=reach,
            engagement=engagement,
            thread_id=thing.link_id if is_comment else None,
        )


def _until(children: list[_Child], mark: dict[str, Any] | None) -> tuple[list[_Thing], bool]:
    """The items newer than the stop mark, newest first, and whether the mark was reached."""
    things: list[_Thing] = []
    for child in children:
        thing = child.data
        if mark and (thing.name == mark.get("name") or thing.created_utc < float(mark.get("created_utc", 0))):
            return things, True
        things.append(thing)
    return things, False


def _newest(pending: dict[str, Any] | None, first: _Thing | None) -> dict[str, Any] | None:
    """The stop mark for the next run: the newest item seen, the first one of the first page."""
    if pending:
        return pending
    return {"name": first.name, "created_utc": first.created_utc} if first else None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
