"""Use cases of practices 6 and 7: the situational picture of an incident, the feedback on each
statement, and the post-incident review (the numbers in domain/situation.py and domain/review.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.detection.volume import VolumeDetector, VolumeDetectorConfig
from chalicelib.domain import lifecycle, review, situation
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.models import ActionItem, Draft, Incident, Mention, Principal, every_item
from chalicelib.domain.situation import Feedback, Point, Recovery, Resolution, UsualRange
from chalicelib.ports import BucketRepository, DraftRepository, IncidentRepository, MentionRepository
from chalicelib.services.incidents import edit_desk, playbook_in_use

if TYPE_CHECKING:
    from chalicelib.domain.crisis import CrisisLibrary, CrisisPlaybook

MAX_SPAN_5M = timedelta(days=7)
MAX_SPAN = timedelta(days=60)
PICTURE_LIMIT = 5_000
DRAFT_PAGE = 100


@dataclass(frozen=True)
class Statement:
    draft: Draft
    feedback: Feedback


@dataclass(frozen=True)
class SeriesView:
    incident: Incident
    resolution: Resolution
    since: datetime
    until: datetime
    points: list[Point]
    usual: UsualRange | None
    statements: list[Statement]


@dataclass(frozen=True)
class PictureView:
    incident: Incident
    since: datetime
    until: datetime
    picture: situation.Picture
    sampled: bool


@dataclass(frozen=True)
class ReviewView:
    incident: Incident
    playbook: CrisisPlaybook
    figures: review.Figures
    statements: list[Statement]
    recovery: Recovery
    checklist: list[review.ChecklistRow]
    drill: review.DrillScore | None
    generated_at: datetime


@dataclass(frozen=True)
class _Situation:
    since: datetime
    until: datetime
    points: list[Point]  # per bucket over [since, until)
    usual: UsualRange | None
    statements: list[Statement]


def _detector_expectation(config: VolumeDetectorConfig) -> situation.Expectation:
    detector = VolumeDetector(config)

    def expected(start: datetime, count: int) -> float:
        return round(detector.update(start, float(count)).expected, 3)

    return expected


def all_drafts(drafts: DraftRepository, incident_id: str) -> Iterator[Draft]:
    return every_item(lambda token: drafts.list_for_incident(incident_id, limit=DRAFT_PAGE, next_token=token))


def _situation(
    incident: Incident,
    *,
    buckets: BucketRepository,
    drafts: DraftRepository,
    detector: VolumeDetectorConfig,
    feedback_minutes: int,
    now: datetime,
) -> _Situation:
    since, until = situation.chart_range(incident.first_signal_at, incident.resolved_at or now)
    until = min(until, since + MAX_SPAN)
    history = since - situation.HISTORY
    stored = buckets.range(incident.brand, history, until)
    everything = situation.bucket_points(stored, history, until, _detector_expectation(detector))
    points = [p for p in everything if p.start >= since]
    usual = situation.usual_negative_share([p for p in everything if p.start < since])
    published = review.statements(list(all_drafts(drafts, incident.incident_id)))
    statements = [
        Statement(d, situation.feedback(points, d.published_at or now, feedback_minutes, now))
        for d in published
    ]
    return _Situation(since, until, points, usual, statements)


def incident_series(
    incident_id: str,
    *,
    resolution: Resolution,
    feedback_minutes: int,
    incidents: IncidentRepository,
    buckets: BucketRepository,
    drafts: DraftRepository,
    detector: VolumeDetectorConfig,
    now: datetime,
) -> SeriesView:
    incident = incidents.get(incident_id)
    seen = _situation(
        incident,
        buckets=buckets,
        drafts=drafts,
        detector=detector,
        feedback_minutes=feedback_minutes,
        now=now,
    )
    if resolution == "5m" and seen.until - seen.since > MAX_SPAN_5M:
        raise InvalidInput(
            "this incident spans more than 7 days: ask for resolution=1h",
            [{"field": "query.resolution", "message": "use 1h for incidents longer than 7 days"}],
        )
    points = seen.points if resolution == "5m" else situation.hourly(seen.points)
    return SeriesView(incident, resolution, seen.since, seen.until, points, seen.usual, seen.statements)


def incident_picture(
    incident_id: str,
    *,
    incidents: IncidentRepository,
    mentions: MentionRepository,
    window_minutes: int,
    now: datetime,
) -> PictureView:
    """Who and what, over the incident: from the detection window before the first signal until it
    was resolved (or now). At most `PICTURE_LIMIT` mentions are read (`sampled` says so)."""
    incident = incidents.get(incident_id)
    since = incident.first_signal_at - timedelta(minutes=window_minutes)
    until = (incident.resolved_at or now) + timedelta(seconds=1)
    read: list[Mention] = []
    token: str | None = None
    while len(read) < PICTURE_LIMIT:
        page = mentions.list_by_brand(
            incident.brand, since, until, min(500, PICTURE_LIMIT - len(read)), token
        )
        read.extend(page.items)
        token = page.next_token
        if not token:
            break
    return PictureView(incident, since, until, situation.picture(read), sampled=token is not None)


def incident_review(
    incident_id: str,
    *,
    feedback_minutes: int,
    incidents: IncidentRepository,
    buckets: BucketRepository,
    drafts: DraftRepository,
    library: CrisisLibrary,
    detector: VolumeDetectorConfig,
    now: datetime,
) -> ReviewView:
    incident = incidents.get(incident_id)
    seen = _situation(
        incident,
        buckets=buckets,
        drafts=drafts,
        detector=detector,
        feedback_minutes=feedback_minutes,
        now=now,
    )
    playbook = playbook_in_use(incident, library).playbook
    figures = review.figures(incident, seen.points, [s.draft for s in seen.statements])
    rows = review.checklist(incident, playbook, now)
    return ReviewView(
        incident=incident,
        playbook=playbook,
        figures=figures,
        statements=seen.statements,
        recovery=situation.recovery(seen.points, seen.usual, incident.detected_at, now),
        checklist=rows,
        drill=review.drill_score(figures, rows, playbook) if incident.drill_id else None,
        generated_at=now,
    )


def write_review(
    incident_id: str,
    *,
    summary: str,
    lessons: tuple[str, ...],
    action_items: tuple[ActionItem, ...],
    incidents: IncidentRepository,
    principal: Principal,
    now: datetime,
    expected_version: int | None = None,
) -> Incident:
    return edit_desk(
        incident_id,
        lambda incident: lifecycle.write_review(
            incident,
            summary=summary,
            lessons=lessons,
            action_items=action_items,
            actor=principal.name,
            now=now,
        ),
        incidents=incidents,
        expected_version=expected_version,
    )
