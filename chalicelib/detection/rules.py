"""The crisis rules: pure functions from a brand's buckets and its volume verdict to an assessment.

Signals (each configured in playbooks/rules.yaml):
- volume:         the streaming detector flags the brand's mention count as anomalous;
- negative_share: a one-sided binomial test of the window's negative mentions against the brand's
                  own baseline negative rate (with a prior), not a fixed threshold;
- risk_terms:     mentions with risk terms ("Rückruf", "Brand", "Betrug" ...);
- high_reach:     media outlets or authors with many followers.
Points per signal add up to a severity (SEV1 worst). Every signal carries its reason: a plain German
sentence, and the numbers behind it (`evidence`), which chalicelib.domain.messages renders in German and
English, plain or as statistics.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.messages import Reason, read_reason, reason_text
from chalicelib.domain.models import Bucket, Severity
from chalicelib.domain.playbook import Rules

GENERAL_TOPIC = "allgemein"
_TOPIC_MIN_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    points: int
    reason: str
    evidence: Reason | None = field(default=None, compare=False)


def _signal(name: str, rules: Rules, values: dict[str, float], points: int | None = None) -> Signal:
    evidence = Reason(name, values)
    points = rules.severity.points.get(name, 0) if points is None else points
    return Signal(name, points, reason_text(evidence, "de"), evidence)


@dataclass(frozen=True, slots=True)
class VolumeSignalInput:
    flagged: bool
    observed: float
    expected: float
    reason: str


@dataclass(frozen=True)
class Assessment:
    signals: tuple[Signal, ...]
    score: int
    severity: Severity | None
    topics: tuple[str, ...]
    window_total: int
    window_negative: int
    first_signal_at: datetime | None
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(signal.reason for signal in self.signals)

    @property
    def evidence(self) -> tuple[Reason | None, ...]:
        return tuple(signal.evidence for signal in self.signals)

    @property
    def topic(self) -> str:
        return self.topics[0] if self.topics else GENERAL_TOPIC

    @property
    def is_spike(self) -> bool:
        return any(s.name == "volume" for s in self.signals)

    @property
    def keyword_only(self) -> bool:
        return bool(self.signals) and all(s.name == "risk_terms" for s in self.signals)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), computed in log space (n up to tens of thousands)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        for i in range(k, n + 1)
    ]
    peak = max(log_terms)
    return min(1.0, math.exp(peak) * sum(math.exp(t - peak) for t in log_terms))


def baseline_negative_rate(baseline: Sequence[Bucket], rules: Rules) -> float:
    prior = rules.negative_share
    negative = sum(b.negative for b in baseline)
    total = sum(b.total for b in baseline)
    return (negative + prior.prior_negative_rate * prior.prior_weight) / (total + prior.prior_weight)


def dominant_topics(window: Sequence[Bucket]) -> tuple[str, ...]:
    """Topics carried by at least a quarter of the window's mentions, most frequent first."""
    counts: Counter[str] = Counter()
    for bucket in window:
        counts.update(bucket.topics)
    total = sum(b.total for b in window)
    threshold = max(2.0, _TOPIC_MIN_SHARE * total)
    return tuple(topic for topic, count in counts.most_common() if count >= threshold)


def _negative_share_signal(window: Sequence[Bucket], base_rate: float, rules: Rules) -> Signal | None:
    rule = rules.negative_share
    total = sum(b.total for b in window)
    negative = sum(b.negative for b in window)
    if not rule.enabled or total < rule.min_mentions:
        return None
    share = negative / total
    p_value = binomial_tail(negative, total, base_rate)
    if p_value >= rule.p_value or share < rule.min_share:
        return None
    return _signal(
        "negative_share",
        rules,
        {"share": share, "negative": negative, "total": total, "base_rate": base_rate, "p_value": p_value},
    )


def _count_signals(window: Sequence[Bucket], rules: Rules) -> list[Signal]:
    signals: list[Signal] = []
    risky = sum(b.risk for b in window)
    severe = sum(b.severe for b in window)
    if rules.risk_terms.enabled and risky >= rules.risk_terms.min_mentions:
        points = rules.severity.points.get("risk_terms", 0)
        if severe >= rules.risk_terms.min_mentions:
            points += rules.severity.points.get("severe_risk", 0)
        else:
            severe = 0
        signals.append(_signal("risk_terms", rules, {"mentions": risky, "severe": severe}, points))
    loud = sum(b.high_reach for b in window)
    if rules.high_reach.enabled and loud >= rules.high_reach.min_mentions:
        reach = sum(b.reach for b in window)
        signals.append(_signal("high_reach", rules, {"mentions": loud, "reach": reach}))
    return signals


def _volume_signal(volume: VolumeSignalInput, rules: Rules) -> Signal:
    """The detector's account (see volume.py) holds the numbers; a bare count and expectation will do."""
    evidence = read_reason(volume.reason)
    values = (
        evidence.values
        if evidence.signal == "volume"
        else {"count": volume.observed, "expected": volume.expected}
    )
    return _signal("volume", rules, values)


def _onset(window: Sequence[Bucket]) -> datetime | None:
    """The start of the trailing run of consecutive non-empty buckets: when the current activity began."""
    onset: datetime | None = None
    previous: Bucket | None = None
    for bucket in window:
        if bucket.total == 0:
            onset, previous = None, None
            continue
        contiguous = previous is not None and bucket.start - previous.start <= previous.end - previous.start
        if onset is None or not contiguous:
            onset = bucket.start
        previous = bucket
    return onset


def _velocity_signal(window: Sequence[Bucket], now: datetime, rules: Rules) -> Signal | None:
    rule = rules.velocity
    span = timedelta(minutes=rule.recent_minutes)
    recent = sum(b.total for b in window if b.start > now - span)
    before = sum(b.total for b in window if now - 2 * span < b.start <= now - span)
    if not rule.enabled or recent < rule.min_mentions or recent < rule.growth * max(before, 1):
        return None
    return _signal("velocity", rules, {"recent": recent, "minutes": rule.recent_minutes, "before": before})


def _language_signal(window: Sequence[Bucket], baseline: Sequence[Bucket], rules: Rules) -> Signal | None:
    rule = rules.firestorm_language
    total = sum(b.total for b in window)
    if not rule.enabled or total < rule.min_mentions:
        return None
    base_total = sum(b.total for b in baseline)
    base_arousal = (sum(b.arousal for b in baseline) + rule.prior_arousal * rule.prior_weight) / (
        base_total + rule.prior_weight
    )
    base_first = (sum(b.first_person for b in baseline) + rule.prior_first_person * rule.prior_weight) / (
        base_total + rule.prior_weight
    )
    arousal = sum(b.arousal for b in window) / total
    first = sum(b.first_person for b in window) / total
    if (
        arousal < max(rule.min_arousal, rule.arousal_ratio * base_arousal)
        or first > rule.first_person_drop * base_first
    ):
        return None
    return _signal(
        "firestorm_language",
        rules,
        {"arousal": arousal, "base_arousal": base_arousal, "first": first, "base_first": base_first},
    )


def assess(
    window: Sequence[Bucket],
    baseline: Sequence[Bucket],
    volume: VolumeSignalInput,
    rules: Rules,
    now: datetime | None = None,
) -> Assessment:
    """Combine the signals of one brand's recent window into an assessment."""
    total = sum(b.total for b in window)
    negative = sum(b.negative for b in window)
    base_rate = baseline_negative_rate(baseline, rules)
    signals: list[Signal] = []
    if rules.volume.enabled and volume.flagged and total >= rules.volume.min_mentions:
        signals.append(_volume_signal(volume, rules))
    share_signal = _negative_share_signal(window, base_rate, rules)
    if share_signal is not None:
        signals.append(share_signal)
    signals.extend(_count_signals(window, rules))
    for extra in (
        _velocity_signal(window, now, rules) if now is not None else None,
        _language_signal(window, baseline, rules),
    ):
        if extra is not None:
            signals.append(extra)
    score = sum(s.points for s in signals)
    severity = rules.severity.severity_for(score) if signals else None
    onset = _onset(window)
    return Assessment(
        signals=tuple(signals),
        score=score,
        severity=severity,
        topics=dominant_topics(window),
        window_total=total,
        window_negative=negative,
        first_signal_at=onset,
        figures={
            "baseline_negative_rate": round(base_rate, 4),
            "volume_observed": volume.observed,
            "volume_expected": round(volume.expected, 3),
        },
    )
