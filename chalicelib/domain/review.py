"""The post-incident review, computed from the incident, its buckets and its published statements.

Key figures, each in minutes: time to detect (first signal -> detected), and from detection the time
to acknowledge, to the first public statement and to resolve. The checklist as it was done, each
item against its due time after the alert. For a drill, the team's reaction against the crisis
playbook's targets. The team's own notes (summary, lessons, action items) live on the incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.crisis.schema import CrisisPlaybook
from chalicelib.domain.models import Draft, DraftStatus, Incident, bucket_start
from chalicelib.domain.situation import Point


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max((end - start).total_seconds(), 0.0) / 60, 1)


def statements(drafts: Sequence[Draft]) -> list[Draft]:
    """The published public statements (private messages are answers, not statements), oldest first."""
    published = [
        d
        for d in drafts
        if d.status is DraftStatus.PUBLISHED and d.kind != "private_message" and d.published_at is not None
    ]
    return sorted(published, key=lambda d: (d.published_at, d.draft_id))


@dataclass(frozen=True)
class Peak:
    start: datetime
    volume: int


@dataclass(frozen=True)
class Figures:
    first_signal_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    time_to_detect: float | None
    time_to_acknowledge: float | None
    time_to_first_response: float | None
    time_to_resolve: float | None
    mentions: int
    negative: int
    reach: int
    peak: Peak | None

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.mentions if self.mentions else None


def figures(incident: Incident, points: Sequence[Point], published: Sequence[Draft]) -> Figures:
    """The key figures; volume, negativity and reach over the incident (first signal until resolved)."""
    end = incident.resolved_at
    during = [
        p
        for p in points
        if p.start >= bucket_start(incident.first_signal_at) and (end is None or p.start < end)
    ]
    busiest = max(during, key=lambda p: (p.volume, -p.start.timestamp()), default=None)
    first_response = published[0].published_at if published else None
    return Figures(
        first_signal_at=incident.first_signal_at,
        detected_at=incident.detected_at,
        acknowledged_at=incident.acknowledged_at,
        first_response_at=first_response,
        resolved_at=incident.resolved_at,
        time_to_detect=minutes_between(incident.first_signal_at, incident.detected_at),
        time_to_acknowledge=minutes_between(incident.detected_at, incident.acknowledged_at),
        time_to_first_response=minutes_between(incident.detected_at, first_response),
        time_to_resolve=minutes_between(incident.detected_at, incident.resolved_at),
        mentions=sum(p.volume for p in during),
        negative=sum(p.negative for p in during),
        reach=sum(p.reach for p in during),
        peak=Peak(busiest.start, busiest.volume) if busiest and busiest.volume else None,
    )


@dataclass(frozen=True)
class ChecklistRow:
    item_id: str
    text_de: str
    text_en: str
    role: str
    due_minutes: int
    done_by: str | None
    done_at: datetime | None
    minutes_after_alert: float | None
    on_time: bool | None  # None: not done and not due yet


def checklist(incident: Incident, playbook: CrisisPlaybook, now: datetime) -> list[ChecklistRow]:
    """The first-hour checklist as done, each item against its due time after the alert (opening)."""
    rows = []
    for item in playbook.first_hour:
        tick = incident.checklist.get(item.id)
        after = minutes_between(incident.opened_at, tick.done_at) if tick else None
        if after is not None:
            on_time: bool | None = after <= item.due_minutes
        else:
            waited = minutes_between(incident.opened_at, incident.resolved_at or now) or 0.0
            on_time = False if waited > item.due_minutes else None
        rows.append(
            ChecklistRow(
                item_id=item.id,
                text_de=item.text.de,
                text_en=item.text.en or item.text.de,
                role=item.role,
                due_minutes=item.due_minutes,
                done_by=tick.done_by if tick else None,
                done_at=tick.done_at if tick else None,
                minutes_after_alert=after,
                on_time=on_time,
            )
        )
    return rows


@dataclass(frozen=True)
class TargetResult:
    name: str
    label_de: str
    label_en: str
    target_minutes: int
    actual_minutes: float | None
    met: bool


@dataclass(frozen=True)
class DrillScore:
    targets: list[TargetResult]
    checklist_on_time: int
    checklist_total: int

    @property
    def met(self) -> int:
        return sum(1 for t in self.targets if t.met)

    @property
    def text_de(self) -> str:
        return (
            f"{self.met} von {len(self.targets)} Zielen erreicht; "
            f"{self.checklist_on_time} von {self.checklist_total} Checklistenpunkten rechtzeitig."
        )

    @property
    def text_en(self) -> str:
        return (
            f"{self.met} of {len(self.targets)} targets met; "
            f"{self.checklist_on_time} of {self.checklist_total} checklist items on time."
        )


def drill_score(figures: Figures, rows: Sequence[ChecklistRow], playbook: CrisisPlaybook) -> DrillScore:
    """The team's reaction against the playbook's targets; a target not reached yet is not met."""
    targets = playbook.targets
    plan = [
        (
            "acknowledge",
            "Bestätigt",
            "Acknowledged",
            targets.acknowledge_minutes,
            figures.time_to_acknowledge,
        ),
        (
            "first_response",
            "Erste öffentliche Stellungnahme",
            "First public statement",
            targets.first_response_minutes,
            figures.time_to_first_response,
        ),
        ("resolve", "Gelöst", "Resolved", targets.resolve_hours * 60, figures.time_to_resolve),
    ]
    results = [
        TargetResult(name, de, en, goal, actual, actual is not None and actual <= goal)
        for name, de, en, goal, actual in plan
    ]
    return DrillScore(results, sum(1 for r in rows if r.on_time), len(rows))
