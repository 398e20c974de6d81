"""The incident lifecycle and the desk's changes to an incident, as pure functions.

open -> acknowledged -> responding -> monitoring -> resolved -> reviewed, plus reopen. Each change
returns a new incident with a timeline entry naming who did it and when; an invalid transition is an
error the API answers with 409. Whether someone may do it (role) is the edge's and service's concern.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.models import (
    CRISIS_ROLES,
    ActionItem,
    Fact,
    Incident,
    IncidentStatus,
    ReviewNotes,
    Tick,
    TimelineEvent,
)

S = IncidentStatus
TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.OPEN: frozenset({S.ACKNOWLEDGED, S.RESPONDING, S.RESOLVED}),
    S.ACKNOWLEDGED: frozenset({S.RESPONDING, S.MONITORING, S.RESOLVED}),
    S.RESPONDING: frozenset({S.MONITORING, S.RESOLVED}),
    S.MONITORING: frozenset({S.RESPONDING, S.RESOLVED}),
    S.RESOLVED: frozenset({S.REVIEWED, S.OPEN}),
    S.REVIEWED: frozenset({S.OPEN}),
}
LABELS = {
    S.OPEN: "Offen",
    S.ACKNOWLEDGED: "Bestätigt",
    S.RESPONDING: "In Bearbeitung",
    S.MONITORING: "Beobachtung",
    S.RESOLVED: "Gelöst",
    S.REVIEWED: "Nachbereitet",
}


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ReviewMissing(Conflict):
    code = "review_missing"


def _suffix(note: str | None) -> str:
    return f": {note}" if note else ""


def transition(
    incident: Incident, to: IncidentStatus, *, actor: str, now: datetime, note: str | None = None
) -> Incident:
    """Move the incident to `to`; InvalidTransition if the lifecycle does not allow it."""
    if to not in TRANSITIONS[incident.status]:
        allowed = sorted(status.value for status in TRANSITIONS[incident.status])
        raise InvalidTransition(
            f"an incident that is {incident.status.value} cannot become {to.value}",
            [{"status": incident.status.value, "requested": to.value, "allowed": allowed}],
        )
    if to is S.REVIEWED and incident.review is None:
        raise ReviewMissing(
            "write the post-incident review first (PUT /incidents/{id}/review), then mark it reviewed",
            [
                {
                    "field": "status",
                    "message": "the incident has no review yet",
                    "incident_id": incident.incident_id,
                }
            ],
        )
    reopened = not incident.is_active and to.active
    kind = "reopened" if reopened else to.value
    message = ("Wieder geöffnet" if reopened else LABELS[to]) + _suffix(note)
    update: dict[str, object] = {"status": to, "updated_at": now}
    if incident.acknowledged_at is None and to is not S.OPEN:
        # Whoever moves the incident on has seen it: that is the acknowledgement the timers measure.
        update |= {"acknowledged_at": now, "acknowledged_by": actor}
    if to is S.RESOLVED:
        update |= {"resolved_at": now, "resolved_by": actor}
    if reopened:
        update |= {"resolved_at": None, "resolved_by": None}
    event = TimelineEvent(at=now, kind=kind, message=message, actor=actor)
    return incident.model_copy(update={**update, "timeline": (*incident.timeline, event)})


def add_note(incident: Incident, text: str, *, actor: str, now: datetime) -> Incident:
    """A status update without a state change."""
    event = TimelineEvent(at=now, kind="note", message=text, actor=actor)
    return incident.model_copy(update={"updated_at": now, "timeline": (*incident.timeline, event)})


def add_fact(incident: Incident, text: str, *, actor: str, now: datetime) -> Incident:
    fact = Fact(fact_id=f"F{len(incident.facts) + 1}", text=text, added_by=actor, added_at=now)
    event = TimelineEvent(
        at=now, kind="fact_added", message=f"Fakt {fact.fact_id} erfasst: {text}", actor=actor
    )
    return incident.model_copy(
        update={"facts": (*incident.facts, fact), "updated_at": now, "timeline": (*incident.timeline, event)}
    )


def verify_fact(incident: Incident, fact_id: str, *, actor: str, now: datetime) -> Incident:
    """Mark a fact verified by a person; verifying it again changes nothing."""
    fact = next((f for f in incident.facts if f.fact_id == fact_id), None)
    if fact is None:
        raise InvalidInput("no such fact on this incident", [{"field": "fact_id", "message": fact_id}])
    if fact.verified:
        return incident
    verified = fact.model_copy(update={"verified_by": actor, "verified_at": now})
    event = TimelineEvent(
        at=now, kind="fact_verified", message=f"Fakt {fact_id} geprüft: {fact.text}", actor=actor
    )
    return incident.model_copy(
        update={
            "facts": tuple(verified if f.fact_id == fact_id else f for f in incident.facts),
            "updated_at": now,
            "timeline": (*incident.timeline, event),
        }
    )


def assign_roles(
    incident: Incident,
    assignments: dict[str, str | None],
    names: dict[str, str],
    *,
    actor: str,
    now: datetime,
) -> Incident:
    """Give crisis roles to people (user id) or take them away (None); `names` knows every user."""
    unknown_roles = sorted(set(assignments) - set(CRISIS_ROLES))
    unknown_people = sorted({u for u in assignments.values() if u is not None} - set(names))
    if unknown_roles or unknown_people:
        raise InvalidInput(
            "unknown crisis roles or people",
            [{"field": f"body.{r}", "message": "unknown role"} for r in unknown_roles]
            + [{"field": "body", "message": f"unknown person {u}"} for u in unknown_people],
        )
    current = dict(incident.assignments)
    lines = []
    for role, user_id in assignments.items():
        if current.get(role) == user_id:
            continue
        if user_id is None:
            current.pop(role, None)
            lines.append(f"{role}: niemand")
        else:
            current[role] = user_id
            lines.append(f"{role}: {names[user_id]}")
    if not lines:
        return incident
    event = TimelineEvent(at=now, kind="roles", message="Rollen: " + "; ".join(lines), actor=actor)
    return incident.model_copy(
        update={"assignments": current, "updated_at": now, "timeline": (*incident.timeline, event)}
    )


def set_playbook(incident: Incident, playbook_id: str, title: str, *, actor: str, now: datetime) -> Incident:
    """A responder chooses the crisis playbook; ticks of items the new one shares are kept."""
    if incident.playbook_id == playbook_id:
        return incident
    event = TimelineEvent(at=now, kind="playbook", message=f"Playbook: {title}", actor=actor)
    return incident.model_copy(
        update={"playbook_id": playbook_id, "updated_at": now, "timeline": (*incident.timeline, event)}
    )


def tick(
    incident: Incident,
    item_id: str,
    done: bool,
    *,
    playbook_id: str,
    item_text: str,
    actor: str,
    now: datetime,
) -> Incident:
    """Mark a checklist item of the incident's playbook done (or not done again); the playbook in use
    is recorded, so the checklist a person ticked stays the one shown."""
    if (item_id in incident.checklist) == done:
        return incident
    checklist = dict(incident.checklist)
    if done:
        checklist[item_id] = Tick(done_by=actor, done_at=now)
        message = f"Erledigt: {item_text}"
    else:
        checklist.pop(item_id)
        message = f"Wieder offen: {item_text}"
    event = TimelineEvent(at=now, kind="checklist", message=message, actor=actor, ref=item_id)
    return incident.model_copy(
        update={
            "checklist": checklist,
            "playbook_id": playbook_id,
            "updated_at": now,
            "timeline": (*incident.timeline, event),
        }
    )


def write_review(
    incident: Incident,
    *,
    summary: str,
    lessons: tuple[str, ...],
    action_items: tuple[ActionItem, ...],
    actor: str,
    now: datetime,
) -> Incident:
    """Save the team's review notes (who wrote them first stays); unchanged notes change nothing."""
    before = incident.review
    if before and (before.summary, before.lessons, before.action_items) == (summary, lessons, action_items):
        return incident
    notes = ReviewNotes(
        summary=summary,
        lessons=lessons,
        action_items=action_items,
        written_by=before.written_by if before else actor,
        written_at=before.written_at if before else now,
        updated_by=actor,
        updated_at=now,
    )
    message = (
        f"Nachbereitung aktualisiert ({len(lessons)} Lehren, {len(action_items)} Maßnahmen)"
        if before
        else f"Nachbereitung geschrieben ({len(lessons)} Lehren, {len(action_items)} Maßnahmen)"
    )
    event = TimelineEvent(at=now, kind="review_written", message=message, actor=actor)
    return incident.model_copy(
        update={"review": notes, "updated_at": now, "timeline": (*incident.timeline, event)}
    )
