"""RSS/Atom feeds (news sites, Google Alerts feeds, review-site feeds) via httpx + feedparser.

Conditional GET (ETag / Last-Modified) keeps polling cheap; the cursor remembers the entries
seen (a 72-bit digest of each id, at most 300: under 5 KB however long the ids) so that only new
entries are enriched. A poll that finds no new entry (a 304, or the same entries again) returns the
cursor unchanged, so the collector writes nothing. Paged feeds (RFC 5005, `<link rel="next">`) are
followed to older pages until a page holds an entry already seen (at most five pages a run).
Rate limits (429) and server errors surface as
SourceUnavailable, so the collector logs them and keeps the cursor where it was.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from chalicelib.analysis.risk_terms import fold
from chalicelib.domain.errors import SourceUnavailable
from chalicelib.domain.models import Author, RawMention
from chalicelib.domain.playbook import Brand, SourceConfig
from chalicelib.ports import FetchResult

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_SEEN_LIMIT = 300
_TEXT_LIMIT = 5000
_MAX_ARCHIVE_PAGES = 5


def _plain(markup: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def _published(entry: Any, now: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return now


def _entry_id(entry: Any) -> str:
    native = entry.get("id") or entry.get("link")
    if native:
        return str(native)[:500]
    return hashlib.sha256(f"{entry.get('title', '')}|{entry.get('summary', '')}".encode()).hexdigest()


def _digest(entry_id: str) -> str:
    """What the cursor keeps of an entry id: 12 characters (72 bits) instead of up to 500."""
    return base64.urlsafe_b64encode(hashlib.blake2b(entry_id.encode(), digest_size=9).digest()).decode()


def _seen(cursor: dict[str, Any]) -> list[str]:
    """Digests of the entries seen, newest first; a cursor from before digests holds the ids."""
    return list(cursor.get("seen_digests", [])) + [_digest(i) for i in cursor.get("seen", [])]


class RssSource:
    slug = "rss"

    def __init__(self, config: SourceConfig, brand: Brand, client: httpx.Client) -> None:
        if not config.url:
            raise ValueError(f"source {config.id}: an rss source needs a url")
        self.source_id = config.id
        self.poll_seconds = int(config.options.get("poll_seconds", 300))
        self._url = config.url
        self._brand = brand
        self._client = client
        self._media = bool(config.options.get("media", True))
        self._reach = int(config.options.get("reach", 0))
        self._match_keywords = bool(config.options.get("match_keywords", False))

    def _request(self, url: str, cursor: dict[str, Any]) -> httpx.Response:
        headers = {"User-Agent": "Krisenradar/0.1 (+https://github.com/krisenradar)"}
        if url == self._url and cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if url == self._url and cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        try:
            response = self._client.get(url, headers=headers, timeout=10.0, follow_redirects=True)
        except httpx.HTTPError as error:
            raise SourceUnavailable(
                f"{self.source_id}: feed unreachable", [{"error": type(error).__name__}]
            ) from error
        if response.status_code == 429 or response.status_code >= 500:
            raise SourceUnavailable(
                f"{self.source_id}: feed answered {response.status_code}",
                [{"status": response.status_code, "retry_after": response.headers.get("Retry-After")}],
            )
        if response.status_code >= 400:
            raise SourceUnavailable(f"{self.source_id}: feed answered {response.status_code}", [])
        return response

    def _relevant(self, text: str) -> bool:
        if not self._match_keywords:
            return True
        folded = fold(text)
        return any(fold(keyword) in folded for keyword in self._brand.keywords)

    def _parse(self, response: httpx.Response) -> Any:
        feed = feedparser.parse(response.content)
        if feed.get("bozo") and not feed.get("entries"):
            raise SourceUnavailable(f"{self.source_id}: not a readable RSS/Atom feed", [])
        return feed

    def _mention(self, entry: Any, outlet: str, now: datetime) -> RawMention | None:
        text = _plain(f"{entry.get('title', '')}. {entry.get('summary', '')}")[:_TEXT_LIMIT]
        if not text.strip(". ") or not self._relevant(text):
            return None
        return RawMention(
            platform="rss",
            native_id=_entry_id(entry),
            brand=self._brand.id,
            text=text,
            published_at=_published(entry, now),
            url=entry.get("link"),
            author=Author(handle=outlet[:100], followers=self._reach, is_media=self._media),
            reach=self._reach,
        )

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        cursor = dict(cursor or {})
        response = self._request(self._url, cursor)
        if response.status_code == 304:
            return FetchResult([], cursor)
        first = self._parse(response)
        known = _seen(cursor)
        seen = set(known)
        outlet = _plain(str(first.get("feed", {}).get("title", ""))) or self.source_id
        mentions: list[RawMention] = []
        ids: list[str] = []
        feed = first
        for _ in range(_MAX_ARCHIVE_PAGES):
            page_ids = [_digest(_entry_id(e)) for e in feed.get("entries", [])]
            ids.extend(page_ids)
            for entry, digest in zip(feed.get("entries", []), page_ids, strict=True):
                mention = None if digest in seen else self._mention(entry, outlet, now)
                if mention is not None:
                    mentions.append(mention)
            next_url = next(
                (
                    link.get("href")
                    for link in feed.get("feed", {}).get("links", [])
                    if link.get("rel") == "next"
                ),
                None,
            )
            if not next_url or any(i in seen for i in page_ids):
                break
            feed = self._parse(self._request(str(next_url), cursor))
        if all(i in seen for i in ids):
            # Nothing new: the cursor stays as it was (a new ETag alone is not worth a write; the
            # feed answers in full once more, and the entries are known).
            return FetchResult([], cursor)
        fresh = set(ids)
        cursor.pop("seen", None)
        cursor.update(
            etag=response.headers.get("ETag"),
            modified=response.headers.get("Last-Modified"),
            seen_digests=(list(dict.fromkeys(ids)) + [i for i in known if i not in fresh])[:_SEEN_LIMIT],
        )
        return FetchResult(mentions, cursor)
