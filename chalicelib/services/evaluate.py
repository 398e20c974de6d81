"""The rules job: per brand, feed completed buckets to the volume detector once, assess the recent
window, and open or update the brand's incident for the topic. Alerts go to the outbox."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.detection.rules import Assessment, VolumeSignalInput, assess
from chalicelib.detection.volume import VolumeDetector, VolumeDetectorConfig, VolumeVerdict
from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import (
    BUCKET_SECONDS,
    Bucket,
    Incident,
    IncidentStatus,
    TimelineEvent,
    bucket_start,
)
from chalicelib.domain.playbook import Brand, Playbook
from chalicelib.observability import logger
from chalicelib.ports import BucketRepository, IncidentRepository, OutboxRepository, StateRepository
from chalicelib.services.alerts import Alerting, enqueue_alert
from chalicelib.services.incidents import update_incident

STEP = timedelta(seconds=BUCKET_SECONDS)
BASELINE_HALF_LIFE_BUCKETS = 7 * 24 * 12
MIN_PEEK_FRACTION = 0.2


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


def _verdict_dict(verdict: VolumeVerdict) -> dict[str, Any]:
    return {
        "active": verdict.active or verdict.alarm,
        "observed": verdict.observed,
        "expected": verdict.expected,
        "reason": verdict.reason,
    }


class _BrandState:
    """Detector state, decayed baseline counts and the last fed bucket, stored as one JSON document."""

    def __init__(self, saved: dict[str, Any] | None, config: VolumeDetectorConfig) -> None:
        saved = saved or {}
        try:
            self.detector = VolumeDetector(config, state=saved.get("detector"))
        except (ValueError, KeyError, TypeError):
            # A state from an older detector version: start afresh and re-learn from the stored history.
            logger.warning("detector state discarded", reason="incompatible state")
            saved = {}
            self.detector = VolumeDetector(config)
        last = saved.get("last_bucket")
        self.last_bucket = datetime.fromisoformat(last) if last else None
        self.base_total = float(saved.get("base_total", 0.0))
        self.base_negative = float(saved.get("base_negative", 0.0))
        self.base_arousal = float(saved.get("base_arousal", 0.0))
        self.base_first_person = float(saved.get("base_first_person", 0.0))
        self.verdict: dict[str, Any] = saved.get("verdict", {"active": False})

    def feed(self, bucket: Bucket) -> None:
        verdict = self.detector.update(bucket.start, float(bucket.total))
        self.verdict = _verdict_dict(verdict)
        if not self.verdict["active"]:  # a storm must not become the brand's new normal
            decay = 0.5 ** (1 / BASELINE_HALF_LIFE_BUCKETS)
            self.base_total = self.base_total * decay + bucket.total
            self.base_negative = self.base_negative * decay + bucket.negative
            self.base_arousal = self.base_arousal * decay + bucket.arousal
            self.base_first_person = self.base_first_person * decay + bucket.first_person
        self.last_bucket = bucket.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector.to_state(),
            "last_bucket": self.last_bucket.isoformat() if self.last_bucket else None,
            "base_total": round(self.base_total, 4),
            "base_negative": round(self.base_negative, 4),
            "base_arousal": round(self.base_arousal, 4),
            "base_first_person": round(self.base_first_person, 4),
            "verdict": self.verdict,
        }

    def baseline(self, brand: str) -> Bucket:
        return Bucket(
            brand=brand,
            start=self.last_bucket or datetime.min,
            total=round(self.base_total),
            negative=round(self.base_negative),
            arousal=self.base_arousal,
            first_person=round(self.base_first_person),
        )


def _volume_input(
    state: _BrandState, current: datetime, partial: Bucket | None, now: datetime
) -> VolumeSignalInput:
    # Seconds into a bucket, a handful of mentions against a tiny pro-rata expectation would look
    # dramatic; a floor of one minute's share keeps early peeks honest.
    elapsed = max((now - current).total_seconds() / BUCKET_SECONDS, MIN_PEEK_FRACTION)
    peek = state.detector.peek(current, float(partial.total if partial else 0), min(elapsed, 1.0))
    if peek.alarm or peek.active:
        return VolumeSignalInput(True, peek.observed, peek.expected, peek.reason)
    saved = state.verdict
    return VolumeSignalInput(
        bool(saved.get("active")),
        float(saved.get("observed", 0.0)),
        float(saved.get("expected", 0.0)),
        str(saved.get("reason", "")),
    )


def _detector_key(brand: str) -> str:
    return f"detector#{brand}"


def update_detector(
    brand: str, *, now: datetime, playbook: Playbook, ports: Ports, config: VolumeDetectorConfig
) -> tuple[_BrandState, list[Bucket], Bucket | None]:
    """Feed every completed bucket since the last run, exactly once and in order; return the window."""
    current = bucket_start(now)
    state = _BrandState(ports.state.get(_detector_key(brand)), config)
    history_start = current - timedelta(days=playbook.rules.baseline_days)
    feed_from = max(state.last_bucket + STEP, history_start) if state.last_bucket else history_start
    window_start = bucket_start(now - timedelta(minutes=playbook.rules.window_minutes))
    read_from = min(feed_from, window_start)
    stored = {b.start: b for b in ports.buckets.range(brand, read_from, current + STEP)}
    moment = feed_from
    while moment < current:
        state.feed(stored.get(moment) or Bucket(brand=brand, start=moment))
        moment += STEP
    ports.state.put(_detector_key(brand), state.to_dict())
    window = [b for start, b in sorted(stored.items()) if start >= window_start]
    return state, window, stored.get(current)


def _new_incident(brand: Brand, assessment: Assessment, now: datetime) -> Incident:
    assert assessment.severity is not None
    incident_id = f"INC-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    topic = assessment.topic
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
                message="Krise erkannt: " + "; ".join(assessment.reasons),
                severity=assessment.severity.label,
            ),
        ),
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


def evaluate_brand(
    brand: Brand,
    *,
    now: datetime,
    playbook: Playbook,
    ports: Ports,
    config: VolumeDetectorConfig,
    alerting: Alerting,
) -> BrandEvaluation:
    state, window, partial = update_detector(brand.id, now=now, playbook=playbook, ports=ports, config=config)
    volume = _volume_input(state, bucket_start(now), partial, now)
    assessment = assess(window, [state.baseline(brand.id)], volume, playbook.rules, now)
    result = BrandEvaluation(brand.id, assessment)
    if assessment.severity is None:
        return result
    match = _matching_incident(ports.incidents.active_for_brand(brand.id), assessment)
    if match is not None and _inhibited(match, assessment, playbook):
        result.inhibited.append(match.incident_id)
        logger.info("keyword alert inhibited", brand=brand.id, incident_id=match.incident_id)
        return result
    if match is None:
        try:
            incident = ports.incidents.create(_new_incident(brand, assessment, now))
        except Conflict:
            logger.info("incident opened concurrently", brand=brand.id, topic=assessment.topic)
            return result
        result.opened.append(incident.incident_id)
        event = "incident_opened"
    elif assessment.severity < match.severity:
        # Another run may save the incident meanwhile (an acknowledgement, an escalation): re-read and
        # raise the latest version, unless it is already as severe or was resolved.
        severity = assessment.severity
        raised = update_incident(
            match.incident_id,
            lambda latest: (
                _raise(latest, assessment, now) if severity < latest.severity and latest.is_active else None
            ),
            incidents=ports.incidents,
        )
        if raised is None:
            return result
        incident = raised
        result.raised.append(incident.incident_id)
        event = "severity_raised"
    else:
        return result
    enqueue_alert(incident, event, alerting=alerting, outbox=ports.outbox, now=now)
    logger.info(
        "incident signal",
        incident_id=incident.incident_id,
        event_type=event,
        severity=incident.severity.label,
        brand=brand.id,
    )
    return result


@dataclass
class EvaluationReport:
    results: list[BrandEvaluation] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def ids(self, kind: str) -> list[str]:
        return [incident for result in self.results for incident in getattr(result, kind)]


def evaluate_all(
    *, now: datetime, playbook: Playbook, ports: Ports, config: VolumeDetectorConfig, alerting: Alerting
) -> EvaluationReport:
    report = EvaluationReport()
    for brand in playbook.brands:
        try:
            report.results.append(
                evaluate_brand(
                    brand, now=now, playbook=playbook, ports=ports, config=config, alerting=alerting
                )
            )
        except Exception:  # one brand's failure must not hide another brand's crisis
            logger.exception("brand evaluation failed", brand=brand.id)
            report.failed.append(brand.id)
    return report
