"""Incidents in SQLite: a unique partial index keeps one active incident per brand and topic, and a
version column gives the same optimistic locking as DynamoDB's VersionAttribute."""

from __future__ import annotations

import sqlite3

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.listing import newest_first
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import Incident, IncidentStatus, Page, Severity


def _opened_key(incident: Incident) -> str:
    return f"{iso(incident.opened_at)}#{incident.incident_id}"


def _doc(incident: Incident) -> str:
    return incident.model_dump_json(exclude={"version"})


def _incident(row: sqlite3.Row) -> Incident:
    return Incident.model_validate_json(row["doc"]).model_copy(update={"version": int(row["version"])})


def _already_open(incident: Incident) -> Conflict:
    return Conflict(
        "an incident for this brand and topic is already open",
        [{"brand": incident.brand, "topic": incident.topic}],
    )


class SqliteIncidentRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, incident: Incident) -> Incident:
        created = incident.model_copy(update={"version": 1})
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO incidents (incident_id, brand, topic, status, severity, opened_key,"
                    " version, doc) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                    (
                        incident.incident_id,
                        incident.brand,
                        incident.topic,
                        incident.status.value,
                        int(incident.severity),
                        _opened_key(incident),
                        _doc(created),
                    ),
                )
        except sqlite3.IntegrityError as error:
            raise _already_open(incident) from error
        return created

    def save(self, incident: Incident) -> Incident:
        saved = incident.model_copy(update={"version": incident.version + 1})
        try:
            with self._db.transaction() as tx:
                changed = tx.execute(
                    "UPDATE incidents SET status = ?, severity = ?, version = ?, doc = ?"
                    " WHERE incident_id = ? AND version = ?",
                    (
                        incident.status.value,
                        int(incident.severity),
                        saved.version,
                        _doc(saved),
                        incident.incident_id,
                        incident.version,
                    ),
                ).rowcount
        except sqlite3.IntegrityError as error:
            raise _already_open(incident) from error
        if not changed:
            raise Conflict(
                "the incident was changed by someone else; reload and try again",
                [{"incident_id": incident.incident_id}],
            )
        return saved

    def get(self, incident_id: str) -> Incident:
        with self._db.snapshot() as conn:
            row = conn.execute(
                "SELECT doc, version FROM incidents WHERE incident_id = ?", (incident_id,)
            ).fetchone()
        if row is None:
            raise NotFound("no such incident", [{"incident_id": incident_id}])
        return _incident(row)

    def active_for_brand(self, brand: str) -> list[Incident]:
        with self._db.snapshot() as conn:
            rows = conn.execute(
                "SELECT doc, version FROM incidents"
                " WHERE brand = ? AND status NOT IN ('resolved', 'reviewed') ORDER BY opened_key",
                (brand,),
            ).fetchall()
        return [_incident(row) for row in rows]

    def list(
        self,
        *,
        status: IncidentStatus | None,
        severity: Severity | None,
        brand: str | None,
        limit: int,
        next_token: str | None,
    ) -> Page[Incident]:
        filters = (("status", status.value if status else None), ("severity", severity), ("brand", brand))
        return newest_first(
            self._db,
            listing="incidents",
            select="SELECT doc, version, opened_key FROM incidents",
            sort_key="opened_key",
            conditions=[(f"{column} = ?", [value]) for column, value in filters if value is not None],
            limit=limit,
            next_token=next_token,
            convert=_incident,
        )
