"""DSGVO use cases: export everything stored about an author (Art. 15), erase it everywhere (Art. 17),
and the retention run that deletes and pseudonymises what has outlived its period."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import Draft, Incident, IncidentStatus, Mention, every_item
from chalicelib.domain.privacy import (
    erase_author_from_draft,
    erase_mentions_from_crm,
    personal_data_due,
    pseudonymise_incident,
)
from chalicelib.ports import DraftRepository, IncidentRepository, MentionRepository, RetentionRepository

SAVE_ATTEMPTS = 5  # a team member may save the same incident or draft at the same moment


@dataclass(frozen=True)
class CrmNoteRef:
    incident_id: str
    mention_id: str
    note_id: str


@dataclass(frozen=True)
class AuthorData:
    mentions: list[Mention]
    drafts: list[Draft]
    crm_notes: list[CrmNoteRef]


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, in numbers only: the audit log keeps this, never the erased data."""

    erasure_id: str
    mentions: int
    drafts: int
    incidents: int


def _incidents(
    incidents: IncidentRepository, *, status: IncidentStatus | None, brand: str | None
) -> Iterator[Incident]:
    return every_item(
        lambda token: incidents.list(status=status, severity=None, brand=brand, limit=100, next_token=token)
    )


def _incidents_of(incidents: IncidentRepository, brands: set[str]) -> Iterator[Incident]:
    for brand in sorted(brands):
        yield from _incidents(incidents, status=None, brand=brand)


def _crm_notes(incidents: IncidentRepository, mentions: list[Mention]) -> list[tuple[Incident, set[str]]]:
    """Incidents whose CRM case logged notes about these mentions (notes are keyed by mention id)."""
    ids = {m.mention_id for m in mentions}
    found = []
    for incident in _incidents_of(incidents, {m.brand for m in mentions}):
        crm = incident.crm
        linked = ids & ({*crm.notes, *crm.claims} if crm else set())
        if linked:
            found.append((incident, linked))
    return found


def export_author(
    platform: str,
    handle: str,
    *,
    mentions: MentionRepository,
    drafts: DraftRepository,
    incidents: IncidentRepository,
) -> AuthorData:
    """Everything stored about one author: the mentions, the drafts answering them, and which CRM
    notes were logged about them (the notes themselves live in the CRM)."""
    written = mentions.for_author(platform, handle)
    notes = [
        CrmNoteRef(incident.incident_id, mention_id, incident.crm.notes[mention_id])
        for incident, linked in _crm_notes(incidents, written)
        if incident.crm
        for mention_id in sorted(linked & set(incident.crm.notes))
    ]
    return AuthorData(written, drafts.for_author(platform, handle), notes)


def _retrying(
    load: Callable[[], Incident], change: Callable[[Incident], Incident], save: Callable[[Incident], Incident]
) -> bool:
    """Apply a change on the latest version, again if someone saved in between; False if nothing changed."""
    for _ in range(SAVE_ATTEMPTS):
        current = load()
        changed = change(current)
        if changed == current:
            return False
        try:
            save(changed)
            return True
        except Conflict:
            continue
    raise Conflict("the incident kept changing; try again", [])


def erase_author(
    platform: str,
    handle: str,
    *,
    mentions: MentionRepository,
    drafts: DraftRepository,
    incidents: IncidentRepository,
) -> Erasure:
    """Erase the author's mentions (and their counts), strike them from drafts and CRM note links.
    Safe to repeat and to run while mentions are ingested: each step changes only what is still there."""
    written = mentions.for_author(platform, handle)
    crm = _crm_notes(incidents, written)  # before the mentions go: their brands find the incidents
    erased = sum(mentions.erase(mention) for mention in written)
    changed_drafts = 0
    for found in drafts.for_author(platform, handle):
        changed_drafts += _save_draft(drafts, found.draft_id, handle)
    changed_incidents = 0
    for incident, linked in crm:

        def unlink(current: Incident, linked: set[str] = linked) -> Incident:
            record = current.crm
            return (
                current
                if record is None
                else current.model_copy(update={"crm": erase_mentions_from_crm(record, linked)})
            )

        changed_incidents += _retrying(partial(incidents.get, incident.incident_id), unlink, incidents.save)
    return Erasure(f"ERA-{secrets.token_hex(6).upper()}", erased, changed_drafts, changed_incidents)


def _save_draft(drafts: DraftRepository, draft_id: str, handle: str) -> bool:
    for _ in range(SAVE_ATTEMPTS):
        current = drafts.get(draft_id)
        if current.author_handle is None and current.mention_id is None:
            return False
        try:
            drafts.save(erase_author_from_draft(current, current.author_handle or handle))
            return True
        except Conflict:
            continue
    raise Conflict("the draft kept changing; try again", [{"draft_id": draft_id}])


def _pseudonymise(incident_id: str, *, incidents: IncidentRepository, drafts: DraftRepository) -> bool:
    """The incident's drafts without the authors they answered, then the incident without names. In
    this order, so that a pseudonymised incident also means its drafts are done (a run that failed in
    between is finished by the next one)."""
    listing = every_item(lambda token: drafts.list_for_incident(incident_id, limit=100, next_token=token))
    for found in listing:
        if found.author_handle or found.mention_id:
            _save_draft(drafts, found.draft_id, found.author_handle or "")
    return _retrying(partial(incidents.get, incident_id), pseudonymise_incident, incidents.save)


@dataclass
class RetentionReport:
    purged: dict[str, int] = field(default_factory=dict)
    pseudonymised: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def apply_retention(
    *,
    retention: RetentionRepository,
    incidents: IncidentRepository,
    drafts: DraftRepository,
    now: datetime,
    incident_personal_data: timedelta,
) -> RetentionReport:
    """Delete what expired (SQLite; DynamoDB's TTL does it there) and pseudonymise resolved incidents
    whose personal-data period is over. One incident that fails is counted; the others go on."""
    report = RetentionReport(purged=retention.purge_expired(now))
    for status in (IncidentStatus.RESOLVED, IncidentStatus.REVIEWED):
        for incident in _incidents(incidents, status=status, brand=None):
            if not personal_data_due(incident, now.astimezone(UTC), incident_personal_data):
                continue
            if pseudonymise_incident(incident) == incident:
                continue  # done in an earlier run (drafts first, so they are done too)
            try:
                if _pseudonymise(incident.incident_id, incidents=incidents, drafts=drafts):
                    report.pseudonymised.append(incident.incident_id)
            except Exception:  # noqa: BLE001 (counted; the job raises if every one failed)
                report.failed.append(incident.incident_id)
    return report
