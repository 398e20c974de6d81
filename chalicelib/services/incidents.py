"""Incident use cases for the API: list, detail, acknowledge, resolve, and the escalation job."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain import lifecycle
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.escalation import due_level
from chalicelib.domain.models import (
    Incident,
    IncidentStatus,
    Mention,
    Page,
    Principal,
    Severity,
    TimelineEvent,
    every_item,
)
from chalicelib.domain.routing import Recipient
from chalicelib.observability import logger
from chalicelib.ports import IncidentRepository, MentionRepository, OutboxRepository, StateRepository
from chalicelib.services.alerts import Alerting, enqueue_alert
from chalicelib.services.escalation import current_chain

if TYPE_CHECKING:  # jinja2 and the playbooks load where a route needs them, not in every function
    from chalicelib.domain.crisis import CrisisLibrary, CrisisPlaybook

TOP_MENTIONS = 10


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    top_mentions: list[Mention]
    playbook: PlaybookInUse | None = None


@dataclass(frozen=True)
class PlaybookInUse:
    playbook: CrisisPlaybook
    manual: bool  # chosen by a responder, not selected from the topics


def playbook_in_use(incident: Incident, library: CrisisLibrary) -> PlaybookInUse:
    """The crisis playbook the team works with: the one a responder chose (or ticked items of), else
    the one the incident's risk categories and hashtags select."""
    chosen = library.get(incident.playbook_id) if incident.playbook_id else None
    if chosen is not None:
        return PlaybookInUse(chosen, manual=True)
    from chalicelib.domain.crisis import playbook_for_incident

    selected = library.get(playbook_for_incident(library, incident).playbook_id) or library.fallback
    return PlaybookInUse(selected, manual=False)


def choose_playbook(
    incident_id: str,
    playbook_id: str,
    *,
    incidents: IncidentRepository,
    library: CrisisLibrary,
    principal: Principal,
    now: datetime,
    expected_version: int | None = None,
) -> Incident:
    playbook = library.get(playbook_id)
    if playbook is None:
        raise InvalidInput("no such crisis playbook", [{"field": "body.playbook_id", "message": playbook_id}])
    return edit_desk(
        incident_id,
        lambda i: lifecycle.set_playbook(i, playbook.id, playbook.title.de, actor=principal.name, now=now),
        incidents=incidents,
        expected_version=expected_version,
    )


def tick_checklist(
    incident_id: str,
    item_id: str,
    done: bool,
    *,
    incidents: IncidentRepository,
    library: CrisisLibrary,
    principal: Principal,
    now: datetime,
    expected_version: int | None = None,
) -> Incident:
    def change(incident: Incident) -> Incident:
        playbook = playbook_in_use(incident, library).playbook
        item = next((i for i in playbook.first_hour if i.id == item_id), None)
        if item is None:
            raise NotFound(
                "the incident's playbook has no such checklist item",
                [{"item_id": item_id, "playbook_id": playbook.id}],
            )
        return lifecycle.tick(
            incident,
            item_id,
            done,
            playbook_id=playbook.id,
            item_text=item.text.de,
            actor=principal.name,
            now=now,
        )

    return edit_desk(incident_id, change, incidents=incidents, expected_version=expected_version)


def list_incidents(
    *,
    incidents: IncidentRepository,
    status: IncidentStatus | None,
    severity: Severity | None,
    brand: str | None,
    limit: int,
    next_token: str | None,
) -> Page[Incident]:
    return incidents.list(status=status, severity=severity, brand=brand, limit=limit, next_token=next_token)


def incident_detail(
    incident_id: str,
    *,
    incidents: IncidentRepository,
    mentions: MentionRepository,
    window_minutes: int,
    now: datetime,
    library: CrisisLibrary | None = None,
) -> IncidentDetail:
    incident = incidents.get(incident_id)
    since = incident.first_signal_at - timedelta(minutes=window_minutes)
    until = incident.resolved_at or now
    top = mentions.top_for_incident(incident.brand, since, until, TOP_MENTIONS)
    return IncidentDetail(incident, top, playbook_in_use(incident, library) if library else None)


SAVE_ATTEMPTS = 5


def update_incident(
    incident_id: str,
    change: Callable[[Incident], Incident | None],
    *,
    incidents: IncidentRepository,
    expected_version: int | None = None,
) -> Incident | None:
    """Apply `change` to the latest version and save it; None when `change` finds nothing to do.

    Two writers that touch one incident (an acknowledgement, the rules job raising the severity, an
    escalation) do not conflict in what they mean: on a version conflict, re-read and apply again.
    A caller that acted on what it saw passes `expected_version`: if the incident changed since, 409."""
    for attempt in range(SAVE_ATTEMPTS):
        latest = incidents.get(incident_id)
        if expected_version is not None and latest.version != expected_version:
            raise Conflict(
                "the incident changed since you loaded it; reload and try again",
                [{"incident_id": incident_id, "version": latest.version, "expected": expected_version}],
            )
        changed = change(latest)
        if changed is None:
            return None
        try:
            return incidents.save(changed)
        except Conflict:
            if attempt == SAVE_ATTEMPTS - 1 or expected_version is not None:
                raise
            logger.info("incident changed concurrently, retrying", incident_id=incident_id, attempt=attempt)
    raise AssertionError("unreachable")


def change_status(
    incident_id: str,
    to: IncidentStatus,
    *,
    incidents: IncidentRepository,
    principal: Principal,
    note: str | None,
    now: datetime,
    expected_version: int | None = None,
) -> Incident:
    """Move an incident through its lifecycle. Acknowledging what someone has already taken on, or
    resolving what is resolved, is harmless: the first one counts."""

    def change(incident: Incident) -> Incident | None:
        already = {
            IncidentStatus.ACKNOWLEDGED: incident.acknowledged_at is not None and incident.is_active,
            IncidentStatus.RESOLVED: incident.status in (IncidentStatus.RESOLVED, IncidentStatus.REVIEWED),
        }
        if already.get(to, incident.status is to):
            return None
        return lifecycle.transition(incident, to, actor=principal.name, now=now, note=note)

    changed = update_incident(incident_id, change, incidents=incidents, expected_version=expected_version)
    return changed or incidents.get(incident_id)


def acknowledge(
    incident_id: str, *, incidents: IncidentRepository, principal: Principal, note: str | None, now: datetime
) -> Incident:
    return change_status(
        incident_id, IncidentStatus.ACKNOWLEDGED, incidents=incidents, principal=principal, note=note, now=now
    )


def resolve(
    incident_id: str, *, incidents: IncidentRepository, principal: Principal, note: str | None, now: datetime
) -> Incident:
    return change_status(
        incident_id, IncidentStatus.RESOLVED, incidents=incidents, principal=principal, note=note, now=now
    )


def edit_desk(
    incident_id: str,
    change: Callable[[Incident], Incident],
    *,
    incidents: IncidentRepository,
    expected_version: int | None = None,
) -> Incident:
    """A desk change (note, fact, roles) on the latest version; an unchanged incident is not saved."""

    def apply(incident: Incident) -> Incident | None:
        changed = change(incident)
        return None if changed is incident else changed

    return update_incident(
        incident_id, apply, incidents=incidents, expected_version=expected_version
    ) or incidents.get(incident_id)


def escalate(
    *,
    now: datetime,
    alerting: Alerting,
    incidents: IncidentRepository,
    outbox: OutboxRepository,
    state: StateRepository,
    brands: Sequence[str] | None = None,
) -> list[tuple[str, int]]:
    """Alert the next level of the escalation chain for incidents nobody has acknowledged in time.
    The chain is read from the store on every run, so an edit applies to the next run. `brands`: the
    brand keys to look at (default: the playbook's; the job adds the shadow brands of live drills)."""
    playbook = alerting.playbook
    escalated: list[tuple[str, int]] = []
    chain = current_chain(state=state, team=playbook.team)
    wanted = {b.id for b in playbook.brands} if brands is None else set(brands)
    for incident in _open_incidents(incidents):
        if incident.brand not in wanted:
            continue
        waited = now - incident.opened_at
        level = due_level(chain, waited)
        if level is None:
            continue
        message, _ = enqueue_alert(
            incident,
            "escalation",
            alerting=alerting,
            outbox=outbox,
            now=now,
            escalation_level=level,
        )
        waited_minutes = int(waited.total_seconds() // 60)
        event = TimelineEvent(
            at=now,
            kind="escalated",
            message=f"Nicht bestätigt nach {waited_minutes} Min: Eskalationsstufe {level}",
            severity=incident.severity.label,
            ref=message.alert_id,
        )
        if _record_once(incident, event, incidents=incidents):
            escalated.append((incident.incident_id, level))
    return escalated


OPEN_PAGE = 100


def _open_incidents(incidents: IncidentRepository) -> Iterator[Incident]:
    """Every unacknowledged incident, however many brands there are: one Query on the status index
    (paged), not one per brand per minute."""
    return every_item(
        lambda token: incidents.list(
            status=IncidentStatus.OPEN, severity=None, brand=None, limit=OPEN_PAGE, next_token=token
        )
    )


def _record_once(incident: Incident, event: TimelineEvent, *, incidents: IncidentRepository) -> bool:
    """Add an entry about an alert to the latest version of the incident, unless it is there already
    (overlapping runs enqueue the same alert; its id tells whether it is recorded)."""

    def change(latest: Incident) -> Incident | None:
        if any(entry.ref == event.ref for entry in latest.timeline):
            return None
        return latest.model_copy(update={"timeline": (*latest.timeline, event)})

    if any(entry.ref == event.ref for entry in incident.timeline):
        return False
    return update_incident(incident.incident_id, change, incidents=incidents) is not None


def enqueue_to_people(
    incident: Incident,
    event_type: str,
    *,
    alert_id: str,
    recipients: Sequence[Recipient],
    news: str,
    alerting: Alerting,
    outbox: OutboxRepository,
    now: datetime,
) -> int:
    """Write an alert addressed to the given people only (no integration copy), each with their own
    signed link, `news` as its first reason; returns how many rows were new (0: written before)."""
    people = [r for r in recipients if r.user_id is not None]
    if not people:
        return 0
    told = incident.model_copy(update={"reasons": (news, *incident.reasons), "reason_evidence": ()})
    _, new = enqueue_alert(
        told, event_type, alerting=alerting, outbox=outbox, now=now, recipients=people, alert_id=alert_id
    )
    return new
