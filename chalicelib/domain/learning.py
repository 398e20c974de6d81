"""An open incident keeps learning: what the rules job sees in the brand's window that the incident
did not know yet, as pure functions (the rules job does the reading, saving and alerting).

Three kinds of news, each keyed so that it is recorded and alerted once, however often the job runs
and however the runs overlap (the key becomes the timeline entry's `ref` and the alert id):
- reach:  more mentions by media or high-reach authors in a 5-minute bucket than known, either when
          the incident opened (`OpeningPicture`) or from an earlier update;
- topic:  a dominant topic of the window (a risk category or a hashtag) that the incident lacks;
- volume: the window's mention count reached twice (4, 8 ... times) what it was at opening.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from chalicelib.domain.messages.reasons import BERLIN
from chalicelib.domain.models import BUCKET_SECONDS, Bucket, Incident, Reason, TimelineEvent, User
from chalicelib.domain.routing import Recipient

UPDATE_EVENT = "incident_updated"
TIMELINE_KIND = "situation_changed"
ChangeKind = Literal["reach", "topic", "volume"]
_SLOT_FORMAT = "%Y%m%dT%H%MZ"


@dataclass(frozen=True)
class OpeningPicture:
    """What the incident knew when it opened: the window's mention count, and the media and
    high-reach mentions per 5-minute bucket. Stored beside the incident as a small JSON document."""

    window_total: int
    high_reach: dict[str, int] = field(default_factory=dict)  # bucket slot -> count

    @classmethod
    def of(cls, window: Iterable[Bucket], window_total: int) -> OpeningPicture:
        return cls(window_total, {_slot(b.start): b.high_reach for b in window if b.high_reach})

    def to_dict(self) -> dict[str, Any]:
        return {"window_total": self.window_total, "high_reach": dict(self.high_reach)}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> OpeningPicture:
        counts = document.get("high_reach") or {}
        return cls(int(document["window_total"]), {str(k): int(v) for k, v in counts.items()})


@dataclass(frozen=True)
class SituationChange:
    kind: ChangeKind
    key: str
    message: str  # plain German, for the timeline and the alert

    def ref(self, incident_id: str) -> str:
        """The timeline entry's ref and the alert id: one update, one entry, one alert."""
        return f"{incident_id}#update#{self.kind}#{self.key}"


@dataclass(frozen=True)
class WindowNow:
    """What this run of the rules job sees for the brand: the window's buckets, its mention count
    and dominant topics (from the assessment), and the window's length."""

    buckets: Sequence[Bucket]
    total: int
    topics: Sequence[str]
    minutes: int


def _slot(start: datetime) -> str:
    return f"{start:{_SLOT_FORMAT}}"


def _clock(start: datetime) -> str:
    local = start.astimezone(BERLIN)
    end = datetime.fromtimestamp(start.timestamp() + BUCKET_SECONDS, BERLIN)
    return f"zwischen {local:%H:%M} und {end:%H:%M} Uhr"


def _recorded(incident: Incident) -> set[str]:
    return {event.ref for event in incident.timeline if event.ref}


def _reach_recorded(refs: Iterable[str], prefix: str) -> int:
    """The highest count already recorded for one bucket (refs end in "<slot>-<count>")."""
    counts = [
        int(ref[len(prefix) :]) for ref in refs if ref.startswith(prefix) and ref[len(prefix) :].isdigit()
    ]
    return max(counts, default=0)


def _reach_changes(incident: Incident, opening: OpeningPicture, window: WindowNow) -> list[SituationChange]:
    refs = _recorded(incident)
    changes = []
    for bucket in window.buckets:
        slot = _slot(bucket.start)
        prefix = SituationChange("reach", f"{slot}-", "").ref(incident.incident_id)
        known = max(opening.high_reach.get(slot, 0), _reach_recorded(refs, prefix))
        if bucket.high_reach <= known:
            continue
        new = bucket.high_reach - known
        what = (
            "Bericht von Medium/Account mit großer Reichweite"
            if new == 1
            else f"{new} Berichte von Medien/Accounts mit großer Reichweite"
        )
        changes.append(
            SituationChange("reach", f"{slot}-{bucket.high_reach}", f"Neu: {what} ({_clock(bucket.start)})")
        )
    return changes


def _topic_changes(
    incident: Incident, window: WindowNow, risk_categories: Collection[str]
) -> list[SituationChange]:
    known = set(incident.topics) | {incident.topic}
    changes = []
    for topic in window.topics:
        if topic in known:
            continue
        if topic.lstrip("#") in risk_categories:
            changes.append(SituationChange("topic", topic, f"Neue Risikokategorie: {topic}"))
        else:
            changes.append(SituationChange("topic", topic, f"Neues Thema: {topic}"))
    return changes


def _grown(factor: int) -> str:
    if factor == 2:
        return "hat sich seit Eröffnung verdoppelt"
    if factor == 4:
        return "hat sich seit Eröffnung vervierfacht"
    return f"ist seit Eröffnung auf das {factor}-Fache gestiegen"


def _volume_change(opening: OpeningPicture, window: WindowNow) -> SituationChange | None:
    before = max(opening.window_total, 1)
    if window.total < 2 * before:
        return None
    factor = 2 ** int(math.log2(window.total / before))
    return SituationChange(
        "volume",
        f"x{factor}",
        f"Volumen {_grown(factor)}: von {before} auf {window.total} Erwähnungen in {window.minutes} Min.",
    )


def situation_changes(
    incident: Incident, opening: OpeningPicture, window: WindowNow, *, risk_categories: Collection[str]
) -> list[SituationChange]:
    """What the window shows that the incident does not know yet (nothing for a closed incident)."""
    if not incident.is_active:
        return []
    changes = [*_reach_changes(incident, opening, window), *_topic_changes(incident, window, risk_categories)]
    volume = _volume_change(opening, window)
    if volume is not None:
        changes.append(volume)
    recorded = _recorded(incident)
    return [change for change in changes if change.ref(incident.incident_id) not in recorded]


@dataclass(frozen=True)
class CurrentReasons:
    """The assessment's reasons now, which an update puts in place of the incident's."""

    reasons: tuple[str, ...]
    evidence: tuple[Reason | None, ...]
    signals: tuple[str, ...]


def record_changes(
    incident: Incident, changes: Sequence[SituationChange], reasons: CurrentReasons, now: datetime
) -> Incident | None:
    """The incident with a timeline entry per change not recorded yet, its reasons refreshed and the
    new topics added; None when every change is recorded already (another run was first)."""
    recorded = _recorded(incident)
    fresh = [c for c in changes if c.ref(incident.incident_id) not in recorded]
    if not fresh or not incident.is_active:
        return None
    events = tuple(
        TimelineEvent(
            at=now,
            kind=TIMELINE_KIND,
            message=change.message,
            severity=incident.severity.label,
            ref=change.ref(incident.incident_id),
        )
        for change in fresh
    )
    update: dict[str, Any] = {
        "timeline": (*incident.timeline, *events),
        "topics": tuple(dict.fromkeys((*incident.topics, *(c.key for c in fresh if c.kind == "topic")))),
        "updated_at": now,
    }
    if reasons.reasons:
        update["reasons"] = reasons.reasons
        update["reason_evidence"] = reasons.evidence
        update["signals"] = tuple(dict.fromkeys((*incident.signals, *reasons.signals)))
    return incident.model_copy(update=update)


def assigned_recipients(incident: Incident, users: Sequence[User]) -> list[Recipient]:
    """Exactly the people holding the incident's crisis roles (each once), while on duty: email, and
    SMS where the incident is at least as severe as their SMS threshold. No integration copy."""
    assigned = dict.fromkeys(incident.assignments.values())
    planned: list[Recipient] = []
    for user in sorted((u for u in users if u.user_id in assigned and u.on_duty), key=lambda u: u.user_id):
        if user.phone is not None and incident.severity <= user.sms_min_severity:
            planned.append(Recipient("sms", user.phone, user.user_id))
        if user.email is not None:
            planned.append(Recipient("email", user.email, user.user_id))
    return planned
