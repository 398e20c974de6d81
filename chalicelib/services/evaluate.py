"""The rules job: per brand (and per live drill's shadow brand), feed completed buckets to the volume
detector once (services/detector_state.py), assess the recent window, and open or update the brand's
incident for the topic; an open incident keeps learning what is new in the window (domain/learning.py)
and tells the people in its crisis roles. Alerts go to the outbox."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.detection.rules import Assessment, assess
from chalicelib.detection.volume import VolumeDetectorConfig
from chalicelib.domain.drills import Drill, marked
from chalicelib.domain.errors import Conflict
from chalicelib.domain.learning import (
    UPDATE_EVENT,
    CurrentReasons,
    OpeningPicture,
    WindowNow,
    assigned_recipients,
    record_changes,
    situation_changes,
)
from chalicelib.domain.models import Bucket, Incident, IncidentStatus, TimelineEvent, bucket_start
from chalicelib.domain.playbook import Brand, Playbook
from chalicelib.observability import logger
from chalicelib.ports import BucketRepository, IncidentRepository, OutboxRepository, StateRepository
from chalicelib.services.alerts import Alerting, enqueue_alert
from chalicelib.services.detector_state import NO_VOLUME_SIGNAL, update_detector, volume_input
from chalicelib.services.incidents import enqueue_to_people, update_incident


@dataclass
class Ports:
    buckets: BucketRepository
    incidents: IncidentRepository
    state: StateRepository
    outbox: OutboxRepository


@dataclass
class BrandEvaluation:
    brand: str
    assessment: Assessment
    opened: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    inhibited: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # learned something new (timeline, reasons, alert)
    learning: bool = False  # the history is not learned yet: the volume signal was not assessed


def _new_incident(
    brand: Brand, assessment: Assessment, now: datetime, drill: Drill | None = None
) -> Incident:
    """A drill's incident carries the drill id and works with the playbook the drill practises."""
    assert assessment.severity is not None
    incident_id = f"INC-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    topic = assessment.topic
    detected = "Krise erkannt: " + "; ".join(assessment.reasons)
    return Incident(
        incident_id=incident_id,
        brand=brand.id,
        topic=topic,
        title=f"{brand.name}: {topic}",
        status=IncidentStatus.OPEN,
        severity=assessment.severity,
        reasons=assessment.reasons,
        reason_evidence=assessment.evidence,
        topics=assessment.topics or (topic,),
        signals=tuple(s.name for s in assessment.signals),
        opened_at=now,
        updated_at=now,
        detected_at=now,
        first_signal_at=assessment.first_signal_at or now,
        timeline=(
            TimelineEvent(
                at=now,
                kind="detected",
                message=marked(detected) if drill else detected,
                severity=assessment.severity.label,
            ),
        ),
        drill_id=drill.drill_id if drill else None,
        playbook_id=drill.playbook if drill else None,
    )


def _matching_incident(active: list[Incident], assessment: Assessment) -> Incident | None:
    """One crisis is one incident: the active incident that shares a topic with the window."""
    for incident in sorted(active, key=lambda i: i.opened_at):
        if set(incident.topics or (incident.topic,)) & set(assessment.topics):
            return incident
    if not assessment.topics and active:
        return max(active, key=lambda i: i.opened_at)
    return None


def _raise(incident: Incident, assessment: Assessment, now: datetime) -> Incident:
    assert assessment.severity is not None
    event = TimelineEvent(
        at=now,
        kind="severity_raised",
        message=f"Schweregrad {incident.severity.label} -> {assessment.severity.label}: "
        + "; ".join(assessment.reasons),
        severity=assessment.severity.label,
    )
    return incident.model_copy(
        update={
            "severity": assessment.severity,
            "reasons": assessment.reasons,
            "reason_evidence": assessment.evidence,
            "topics": tuple(dict.fromkeys((*incident.topics, *assessment.topics))),
            "signals": tuple(dict.fromkeys((*incident.signals, *(s.name for s in assessment.signals)))),
            "updated_at": now,
            "timeline": (*incident.timeline, event),
        }
    )


def _inhibited(match: Incident, assessment: Assessment, playbook: Playbook) -> bool:
    """Keyword-only signals say nothing new while a spike incident on the same topic is open."""
    return (
        playbook.rules.inhibition.keyword_while_spike
        and "volume" in match.signals
        and assessment.keyword_only
    )


def _opening_key(incident_id: str) -> str:
    return f"incident#{incident_id}#opening"


def _open(
    brand: Brand, assessment: Assessment, ports: Ports, now: datetime, drill: Drill | None
) -> Incident | None:
    try:
        return ports.incidents.create(_new_incident(brand, assessment, now, drill))
    except Conflict:
        logger.info("incident opened concurrently", brand=brand.id, topic=assessment.topic)
        return None


def _raise_if_worse(match: Incident, assessment: Assessment, ports: Ports, now: datetime) -> Incident | None:
    """Raise the latest version of the incident: another run may have saved it meanwhile (an
    acknowledgement, an escalation); None if it is already as severe, or was resolved."""
    severity = assessment.severity
    if severity is None or severity >= match.severity:
        return None
    return update_incident(
        match.incident_id,
        lambda latest: (
            _raise(latest, assessment, now) if severity < latest.severity and latest.is_active else None
        ),
        incidents=ports.incidents,
    )


def _learn(
    known: Incident,
    current: Incident,
    assessment: Assessment,
    window: list[Bucket],
    *,
    playbook: Playbook,
    ports: Ports,
    alerting: Alerting,
    now: datetime,
) -> bool:
    """Record what the window shows that the incident (as `known` before this run) did not know, and
    alert the people in its crisis roles, once per change. Returns whether the incident was updated."""
    key = _opening_key(known.incident_id)
    saved = ports.state.get(key)
    if saved is None:
        # Opened before incidents learned, or its opening run stopped early: it learns from now on.
        ports.state.put(key, OpeningPicture.of(window, assessment.window_total).to_dict())
        return False
    seen = WindowNow(window, assessment.window_total, assessment.topics, playbook.rules.window_minutes)
    categories = {term.category for term in (*playbook.risk_terms.de, *playbook.risk_terms.en)}
    changes = situation_changes(known, OpeningPicture.from_dict(saved), seen, risk_categories=categories)
    reasons = CurrentReasons(
        assessment.reasons, assessment.evidence, tuple(s.name for s in assessment.signals)
    )
    told = record_changes(current, changes, reasons, now)
    if told is None:
        return False
    # The outbox first (as every alert): a run that stops before saving leaves the news to the next
    # run, which writes the same alert ids again (a no-op) and records them.
    recipients = assigned_recipients(told, alerting.users.list())
    for change in changes:
        enqueue_to_people(
            told,
            UPDATE_EVENT,
            alert_id=change.ref(told.incident_id),
            recipients=recipients,
            news=change.message,
            alerting=alerting,
            outbox=ports.outbox,
            now=now,
        )
    updated = update_incident(
        known.incident_id,
        lambda latest: record_changes(latest, changes, reasons, now),
        incidents=ports.incidents,
    )
    if updated is None:
        return False
    logger.info(
        "incident situation changed",
        incident_id=updated.incident_id,
        changes=[change.kind for change in changes],
        recipients=len(recipients),
    )
    return True


def _signal(incident: Incident, event: str, *, alerting: Alerting, ports: Ports, now: datetime) -> None:
    enqueue_alert(incident, event, alerting=alerting, outbox=ports.outbox, now=now)
    logger.info(
        "incident signal",
        incident_id=incident.incident_id,
        event_type=event,
        severity=incident.severity.label,
        brand=incident.brand,
    )


def evaluate_brand(
    brand: Brand,
    *,
    now: datetime,
    playbook: Playbook,
    ports: Ports,
    config: VolumeDetectorConfig,
    alerting: Alerting,
    drill: Drill | None = None,
    seconds_left: Callable[[], float] | None = None,
) -> BrandEvaluation:
    """One brand, or (`drill`) a drill's shadow of one, whose incidents carry the drill id.

    A brand still learning its history (`seconds_left` stopped the learning, services/detector_state.py)
    is assessed without the volume signal, which has no baseline yet; the window's other signals count."""
    update = update_detector(
        brand.id,
        now=now,
        playbook=playbook,
        buckets=ports.buckets,
        state=ports.state,
        config=config,
        seconds_left=seconds_left,
    )
    state, window = update.state, update.window
    volume = (
        NO_VOLUME_SIGNAL if update.learning else volume_input(state, bucket_start(now), update.partial, now)
    )
    assessment = assess(window, [state.baseline(brand.id)], volume, playbook.rules, now)
    result = BrandEvaluation(brand.id, assessment, learning=update.learning)
    if assessment.severity is None:
        return result
    match = _matching_incident(ports.incidents.active_for_brand(brand.id), assessment)
    if match is not None and _inhibited(match, assessment, playbook):
        result.inhibited.append(match.incident_id)
        logger.info("keyword alert inhibited", brand=brand.id, incident_id=match.incident_id)
        return result
    if match is None:
        opened = _open(brand, assessment, ports, now, drill)
        if opened is not None:
            result.opened.append(opened.incident_id)
            _signal(opened, "incident_opened", alerting=alerting, ports=ports, now=now)
            # What it knew at opening, so that later runs tell what is new (written after the alert).
            picture = OpeningPicture.of(window, assessment.window_total)
            ports.state.put(_opening_key(opened.incident_id), picture.to_dict())
        return result
    raised = _raise_if_worse(match, assessment, ports, now)
    if raised is not None:
        result.raised.append(raised.incident_id)
        _signal(raised, "severity_raised", alerting=alerting, ports=ports, now=now)
    learned = _learn(
        match, raised or match, assessment, window, playbook=playbook, ports=ports, alerting=alerting, now=now
    )
    if learned:
        result.updated.append(match.incident_id)
    return result


@dataclass
class EvaluationReport:
    results: list[BrandEvaluation] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def ids(self, kind: str) -> list[str]:
        return [incident for result in self.results for incident in getattr(result, kind)]


def evaluate_all(
    *,
    now: datetime,
    playbook: Playbook,
    ports: Ports,
    config: VolumeDetectorConfig,
    alerting: Alerting,
    drills: Sequence[Drill] = (),
) -> EvaluationReport:
    """Every brand of the playbook, then the shadow brand of every live drill."""
    report = EvaluationReport()
    units: list[tuple[str, Brand | None, Drill | None]] = [(b.id, b, None) for b in playbook.brands]
    units += [(d.brand_key, playbook.drill_brand(d.brand_key), d) for d in drills]
    for brand_key, brand, drill in units:
        try:
            if brand is None:
                raise ValueError(f"the drill's brand is not in the playbook: {brand_key}")
            report.results.append(
                evaluate_brand(
                    brand,
                    now=now,
                    playbook=playbook,
                    ports=ports,
                    config=config,
                    alerting=alerting,
                    drill=drill,
                )
            )
        except Exception:  # one brand's failure must not hide another brand's crisis
            logger.exception("brand evaluation failed", brand=brand_key)
            report.failed.append(brand_key)
    return report
