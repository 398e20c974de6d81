"""Drills in SQLite: one row per drill (the document plus what its listings use), a version column for
optimistic locking, and a unique partial index that lets a brand have one running drill at most."""

from __future__ import annotations

import sqlite3

from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.listing import newest_first
from chalicelib.domain.drills import Drill, DrillStatus
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import Page


def _doc(drill: Drill) -> str:
    return drill.model_dump_json(exclude={"version"})


def _drill(row: sqlite3.Row) -> Drill:
    return Drill.model_validate_json(row["doc"]).model_copy(update={"version": int(row["version"])})


def _brand_busy(drill: Drill) -> Conflict:
    return Conflict("a drill is already running for this brand; stop it first", [{"brand": drill.brand}])


class SqliteDrillRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, drill: Drill) -> Drill:
        created = drill.model_copy(update={"version": 1})
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO drills (drill_id, brand, status, version, doc) VALUES (?, ?, ?, 1, ?)",
                    (drill.drill_id, drill.brand, drill.status.value, _doc(created)),
                )
        except sqlite3.IntegrityError as error:
            if "drills.drill_id" in str(error):
                raise Conflict("a drill with this id exists", [{"drill_id": drill.drill_id}]) from error
            raise _brand_busy(drill) from error
        return created

    def save(self, drill: Drill) -> Drill:
        saved = drill.model_copy(update={"version": drill.version + 1})
        try:
            with self._db.transaction() as tx:
                changed = tx.execute(
                    "UPDATE drills SET status = ?, version = ?, doc = ? WHERE drill_id = ? AND version = ?",
                    (drill.status.value, saved.version, _doc(saved), drill.drill_id, drill.version),
                ).rowcount
        except sqlite3.IntegrityError as error:
            raise _brand_busy(drill) from error
        if not changed:
            raise Conflict(
                "the drill was changed by someone else; reload and try again", [{"drill_id": drill.drill_id}]
            )
        return saved

    def get(self, drill_id: str) -> Drill:
        with self._db.snapshot() as conn:
            row = conn.execute("SELECT doc, version FROM drills WHERE drill_id = ?", (drill_id,)).fetchone()
        if row is None:
            raise NotFound("no such drill", [{"drill_id": drill_id}])
        return _drill(row)

    def running(self) -> list[Drill]:
        with self._db.snapshot() as conn:
            rows = conn.execute(
                "SELECT doc, version FROM drills WHERE status = ? ORDER BY drill_id",
                (DrillStatus.RUNNING.value,),
            ).fetchall()
        return [_drill(row) for row in rows]

    def list(self, *, limit: int, next_token: str | None) -> Page[Drill]:
        # Drill ids begin with the day and the time of day: newest first is the id descending.
        return newest_first(
            self._db,
            listing="drills",
            select="SELECT drill_id, doc, version FROM drills",
            sort_key="drill_id",
            conditions=[],
            limit=limit,
            next_token=next_token,
            convert=_drill,
        )
