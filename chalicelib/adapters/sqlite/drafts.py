"""Reply drafts in SQLite: one row per draft (the document plus the columns its listings use), with a
version column for the same optimistic locking as DynamoDB's VersionAttribute."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.listing import newest_first
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import Draft, Mention, Page, utcnow
from chalicelib.domain.privacy import author_key, draft_author_key


def _created_key(draft: Draft) -> str:
    return f"{iso(draft.created_at)}#{draft.draft_id}"


def _published_key(draft: Draft) -> str | None:
    return f"{iso(draft.published_at)}#{draft.draft_id}" if draft.published_at else None


def _doc(draft: Draft) -> str:
    return draft.model_dump_json(exclude={"version"})


def _draft(row: sqlite3.Row) -> Draft:
    return Draft.model_validate_json(row["doc"]).model_copy(update={"version": int(row["version"])})


class SqliteDraftRepository:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    def create(self, draft: Draft) -> Draft:
        created = draft.model_copy(update={"version": 1})
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO drafts (draft_id, incident_id, brand, status, created_key, published_key,"
                    " version, doc, author_key) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (
                        draft.draft_id,
                        draft.incident_id,
                        draft.brand,
                        draft.status.value,
                        _created_key(draft),
                        _published_key(draft),
                        _doc(created),
                        draft_author_key(draft),
                    ),
                )
        except sqlite3.IntegrityError as error:
            raise Conflict("a draft with this id exists", [{"draft_id": draft.draft_id}]) from error
        return created

    def save(self, draft: Draft) -> Draft:
        saved = draft.model_copy(update={"version": draft.version + 1})
        with self._db.transaction() as tx:
            changed = tx.execute(
                "UPDATE drafts SET status = ?, published_key = ?, version = ?, doc = ?, author_key = ?"
                " WHERE draft_id = ? AND version = ?",
                (
                    draft.status.value,
                    _published_key(draft),
                    saved.version,
                    _doc(saved),
                    draft_author_key(draft),
                    draft.draft_id,
                    draft.version,
                ),
            ).rowcount
        if not changed:
            raise Conflict(
                "the draft was changed by someone else; reload and try again", [{"draft_id": draft.draft_id}]
            )
        return saved

    def get(self, draft_id: str) -> Draft:
        with self._db.snapshot() as conn:
            row = conn.execute("SELECT doc, version FROM drafts WHERE draft_id = ?", (draft_id,)).fetchone()
        if row is None:
            raise NotFound("no such draft", [{"draft_id": draft_id}])
        return _draft(row)

    def list_for_incident(self, incident_id: str, *, limit: int, next_token: str | None) -> Page[Draft]:
        return newest_first(
            self._db,
            listing="drafts",
            select="SELECT doc, version, created_key FROM drafts",
            sort_key="created_key",
            conditions=[("incident_id = ?", [incident_id])],
            limit=limit,
            next_token=next_token,
            convert=_draft,
        )

    def mention(self, mention_id: str) -> Mention | None:
        with self._db.snapshot() as conn:
            row = conn.execute(
                "SELECT doc FROM mentions WHERE mention_id = ? AND expires_at > ?",
                (mention_id, iso(self._clock())),
            ).fetchone()
        return None if row is None else Mention.model_validate_json(row["doc"])

    def for_author(self, platform: str, handle: str) -> list[Draft]:
        with self._db.snapshot() as conn:
            rows = conn.execute(
                "SELECT doc, version FROM drafts WHERE author_key = ? ORDER BY created_key",
                (author_key(platform, handle),),
            ).fetchall()
        return [_draft(row) for row in rows]
