"""Streaming volume anomaly detector over 5-minute mention counts, one instance per brand.

The model is a count model, so it works for hundreds of mentions per bucket and for a few per hour:

* expected count = level x hour-of-day factor x day-of-week factor. Each factor is a ratio of two
  exponentially discounted sums (observed over expected), which is the Poisson rate estimate with
  forgetting. Counts are winsorised before they are learned, so a spike does not pollute its own
  baseline. The day-of-week factor is shrunk towards 1, a gentle prior, because there are few weeks.
* the observed count over the last w buckets (several scales w) is tested against the expected sum
  with a negative-binomial upper tail. Its overdispersion (variance = m + alpha m^2) is estimated per
  scale by the method of moments on the raw counts (`dispersion_from_raw`), so a brand's usual bursts
  count as its normal spread and only what is unusual for this brand pages. The score is -log10 of the
  smallest tail probability, Bonferroni-corrected for the number of scales.
* the baseline and the overdispersion learn from the bucket `learn_delay_buckets` back, not from the
  newest, so a storm that builds over hours is judged against the brand's normal before it can become
  part of it; at Mittelstand volume winsorising alone did not stop that.
* hysteresis: an alarm fires when the score crosses `fire_score`, is held while the spike goes on,
  and re-arms after `rearm_buckets` quiet buckets (score below `hold_score`).

Pure standard library (plus pydantic for the config) so it imports fast inside the rules Lambda. The
configuration is passed in: `chalicelib.adapters.detection_playbook` reads `playbooks/detection.yaml`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.messages import volume_evidence

BUCKET_SECONDS = 300
STATE_VERSION = 2
_LN10 = math.log(10.0)
_MAX_SCORE = 300.0
_DISPERSION_START = 12  # buckets the baseline learns before its misses say anything
_TINY = 1e-300


class VolumeDetectorConfig(BaseModel):
    """Every knob with its shipped default; `playbooks/detection.yaml` says why each is what it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fire_score: float = Field(2.0, gt=0)
    hold_score: float = Field(2.0, ge=0)
    rearm_buckets: int = Field(144, ge=1)
    scales_buckets: tuple[int, ...] = (12, 36, 72)
    warmup_buckets: int = Field(288, ge=0)
    level_halflife_hours: float = Field(168.0, gt=0)
    daily_halflife_days: float = Field(7.0, gt=0)
    weekly_halflife_days: float = Field(21.0, gt=0)
    weekly_prior_days: float = Field(1.0, ge=0)
    dispersion_halflife_days: float = Field(3.0, gt=0)
    dispersion_min: float = Field(0.01, gt=0)
    dispersion_max: float = Field(4.0, gt=0)
    dispersion_prior: float = Field(0.1, gt=0)
    clip_sigma: float = Field(3.0, gt=0)
    min_expected: float = Field(0.01, gt=0)
    max_gap_buckets: int = Field(288, ge=0)
    seasonal_prior_count: float = Field(0.0, ge=0)
    learn_delay_buckets: int = Field(72, ge=0, le=2016)
    dispersion_prior_weight: float = Field(0.0, ge=0)
    dispersion_from_raw: bool = True


@dataclass(frozen=True)
class VolumeVerdict:
    alarm: bool
    active: bool
    score: float
    expected: float
    observed: float
    reason: str


# --------------------------------------------------------------------------- count statistics


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    fpmin = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > fpmin else fpmin)
    h = d
    for m in range(1, 2000):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > fpmin else fpmin)
            c = 1.0 + aa / c
            c = c if abs(c) > fpmin else fpmin
            h *= d * c
        if abs(d * c - 1.0) < 1e-12:
            break
    return h


def _log_betainc(a: float, b: float, x: float) -> float:
    """ln I_x(a, b), accurate far into the tail where I_x underflows."""
    if x <= 0.0:
        return -math.inf
    if x >= 1.0:
        return 0.0
    log_front = a * math.log(x) + b * math.log1p(-x) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    if x < (a + 1.0) / (a + b + 2.0):
        return log_front + math.log(_betacf(a, b, x)) - math.log(a)
    complement = math.exp(log_front) * _betacf(b, a, 1.0 - x) / b
    return math.log(max(1.0 - complement, _TINY))


def nb_tail_score(observed: float, expected: float, dispersion: float) -> float:
    """-log10 P(X >= observed) for X ~ NegBin(mean=expected, var=expected + dispersion*expected^2).

    0 when the observation is at or below its expectation (the detector only looks for surges).
    """
    if observed <= expected or observed <= 0.0:
        return 0.0
    size = 1.0 / dispersion
    log_p = _log_betainc(observed, size, expected / (size + expected))
    return min(max(-log_p / _LN10, 0.0), _MAX_SCORE)


# --------------------------------------------------------------------------- the detector


def _decay(halflife_steps: float) -> float:
    return math.exp(-math.log(2.0) / max(halflife_steps, 1.0))


def _bucket_of(ts: datetime) -> int:
    aware = ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
    return math.floor(aware.timestamp() / BUCKET_SECONDS)


def _hour_and_weekday(bucket: int) -> tuple[int, int]:
    moment = datetime.fromtimestamp(bucket * BUCKET_SECONDS, tz=UTC)
    return moment.hour, moment.weekday()


def _dispersion_widths(config: VolumeDetectorConfig) -> tuple[int, ...]:
    """The single bucket (its spread sets the winsorising clip) followed by the tested scales."""
    return (1, *config.scales_buckets)


def _span(config: VolumeDetectorConfig) -> int:
    """Buckets kept: the widest scale, plus the buckets not yet learned from."""
    return max(config.scales_buckets) + config.learn_delay_buckets


def _fresh_state(config: VolumeDetectorConfig) -> dict[str, Any]:
    span = _span(config)
    return {
        "version": STATE_VERSION,
        "last_bucket": None,
        "seen": 0,
        "level": [0.0, 0.0],
        "daily": [[0.0, 0.0] for _ in range(24)],
        "weekly": [[0.0, 0.0] for _ in range(7)],
        "dispersion": [[0.0, 0.0] for _ in _dispersion_widths(config)],
        "raw": [0.0] * span,
        "clipped": [0.0] * span,
        "expected": [0.0] * span,
        "active": False,
        "quiet": 0,
    }


class VolumeDetector:
    """One brand's detector. Feed completed buckets in time order with `update`; `peek` is read-only."""

    def __init__(
        self, config: VolumeDetectorConfig | None = None, state: dict[str, Any] | None = None
    ) -> None:
        self.config = config or VolumeDetectorConfig()
        self._s = _fresh_state(self.config) if state is None else _copy_state(state)
        if (
            self._s.get("version") != STATE_VERSION
            or len(self._s["dispersion"]) != len(_dispersion_widths(self.config))
            or len(self._s["raw"]) != _span(self.config)
        ):
            raise ValueError("detector state does not match this detector version or configuration")
        per_day = 86400 / BUCKET_SECONDS
        self._level_decay = _decay(self.config.level_halflife_hours * 3600 / BUCKET_SECONDS)
        self._daily_decay = _decay(self.config.daily_halflife_days * per_day / 24)
        self._weekly_decay = _decay(self.config.weekly_halflife_days * per_day / 7)
        self._dispersion_decay = _decay(self.config.dispersion_halflife_days * per_day)

    def to_state(self) -> dict[str, Any]:
        return _copy_state(self._s)

    # ----------------------------------------------------------------- public API

    def update(self, ts: datetime, count: float) -> VolumeVerdict:
        bucket = _bucket_of(ts)
        last = self._s["last_bucket"]
        if last is not None and bucket <= last:
            raise ValueError(f"bucket {ts.isoformat()} is not after the last bucket seen")
        if last is not None and 1 < bucket - last <= self.config.max_gap_buckets + 1:
            for missing in range(last + 1, bucket):
                self._step(missing, 0.0)
        return self._step(bucket, float(count))

    def peek(self, ts: datetime, partial_count: float, elapsed_fraction: float) -> VolumeVerdict:
        if not 0.0 < elapsed_fraction <= 1.0:
            raise ValueError("elapsed_fraction must be in (0, 1]")
        scratch = VolumeDetector(self.config, self._s)
        bucket = _bucket_of(ts)
        last = scratch._s["last_bucket"]
        if last is not None and 1 < bucket - last <= self.config.max_gap_buckets + 1:
            for missing in range(last + 1, bucket):
                scratch._step(missing, 0.0)
        return scratch._judge(bucket, float(partial_count), elapsed_fraction)

    # ----------------------------------------------------------------- model

    def _expected(self, bucket: int) -> float:
        s, cfg = self._s, self.config
        hour, weekday = _hour_and_weekday(bucket)
        level = s["level"][0] / s["level"][1] if s["level"][1] > 0 else 0.0
        return max(level * self._daily_factor(hour) * self._weekly_factor(weekday), cfg.min_expected)

    def _daily_factor(self, hour: int) -> float:
        num, den = self._s["daily"][hour]
        prior = self.config.seasonal_prior_count
        return float((num + prior) / (den + prior)) if den + prior > 0 and num + prior > 0 else 1.0

    def _weekly_factor(self, weekday: int) -> float:
        num, den = self._s["weekly"][weekday]
        level = self._s["level"][0] / self._s["level"][1] if self._s["level"][1] > 0 else 0.0
        prior = (
            self.config.weekly_prior_days * 86400 / BUCKET_SECONDS * level + self.config.seasonal_prior_count
        )
        return (num + prior) / (den + prior) if den + prior > 0 and num + prior > 0 else 1.0

    def _dispersion(self, scale_index: int) -> float:
        num, den = self._s["dispersion"][scale_index]
        cfg = self.config
        weight = cfg.dispersion_prior_weight
        estimate = (
            (num + weight * cfg.dispersion_prior) / (den + weight)
            if den + weight > 0
            else cfg.dispersion_prior
        )
        return min(max(estimate, cfg.dispersion_min), cfg.dispersion_max)

    def _scores(self, count: float, expected: float) -> list[tuple[float, float, float]]:
        """(score, observed sum, expected sum) per scale, with the new bucket as the latest one."""
        raw, exp = self._s["raw"], self._s["expected"]
        out = []
        for index, width in enumerate(self.config.scales_buckets):
            observed = count + sum(raw[len(raw) - width + 1 :]) if width > 1 else count
            mean = expected + sum(exp[len(exp) - width + 1 :]) if width > 1 else expected
            out.append((nb_tail_score(observed, mean, self._dispersion(index + 1)), observed, mean))
        return out

    def _judge(self, bucket: int, count: float, fraction: float) -> VolumeVerdict:
        """Verdict for `count` in `bucket` (a `fraction` of it elapsed) without learning from it."""
        expected = self._expected(bucket) * fraction
        per_scale = self._scores(count, expected)
        best = max(range(len(per_scale)), key=lambda i: per_scale[i][0])
        penalty = math.log10(len(per_scale))
        score = max(per_scale[best][0] - penalty, 0.0)
        alarm = fires(score, self._s["seen"], self._s["active"], self.config)
        reason = _reason(count, expected, self.config.scales_buckets[best], *per_scale[best][1:], score)
        return VolumeVerdict(alarm, alarm or self._s["active"], score, expected, count, reason)

    def _step(self, bucket: int, count: float) -> VolumeVerdict:
        verdict = self._judge(bucket, count, 1.0)
        s = self._s
        s["active"], s["quiet"] = hold(verdict.alarm, verdict.score, s["active"], s["quiet"], self.config)
        self._learn(bucket, count, verdict.expected)
        return verdict

    def _learn(self, bucket: int, count: float, expected: float) -> None:
        s, cfg = self._s, self.config
        spread = math.sqrt(expected + self._dispersion(0) * expected * expected)
        # Before the warm-up there is no baseline to clip against: clipping then kept a new brand's
        # baseline far below its real volume for days.
        warm = s["seen"] >= cfg.warmup_buckets
        clipped = min(count, expected + cfg.clip_sigma * (spread + 1.0)) if warm else count
        for name, value in (("raw", count), ("clipped", clipped), ("expected", expected)):
            s[name] = s[name][1:] + [value]
        delay = cfg.learn_delay_buckets
        if s["seen"] >= delay:
            # The baseline and the overdispersion learn from the bucket `delay` buckets back, so a storm
            # cannot make itself normal before it has been judged.
            self._learn_baseline(bucket - delay, s["clipped"][-1 - delay])
        if s["seen"] >= 2 * delay + _DISPERSION_START:
            # ... and the overdispersion only from buckets whose expectation came from a baseline
            # that had learned something, or the empty baseline's misses inflate it for days.
            self._learn_dispersion(delay)
        s["last_bucket"], s["seen"] = bucket, s["seen"] + 1

    def _learn_baseline(self, bucket: int, clipped: float) -> None:
        s = self._s
        hour, weekday = _hour_and_weekday(bucket)
        daily, weekly = self._daily_factor(hour), self._weekly_factor(weekday)
        _discounted(s["level"], self._level_decay, clipped, daily * weekly)
        level = s["level"][0] / s["level"][1]
        _discounted(s["daily"][hour], self._daily_decay, clipped, level * weekly)
        _discounted(s["weekly"][weekday], self._weekly_decay, clipped, level * daily)

    def _learn_dispersion(self, delay: int) -> None:
        s = self._s
        end = len(s["clipped"]) - delay
        for index, width in enumerate(_dispersion_widths(self.config)):
            if s["seen"] + 1 < width + delay:
                continue
            observed = sum(s["raw" if self.config.dispersion_from_raw else "clipped"][end - width : end])
            mean = sum(s["expected"][end - width : end])
            _discounted(
                s["dispersion"][index], self._dispersion_decay, (observed - mean) ** 2 - observed, mean**2
            )


def fires(score: float, seen: int, active: bool, config: VolumeDetectorConfig) -> bool:
    """An alarm fires on a score at or above `fire_score`, once warmed up and not already alarmed."""
    return seen >= config.warmup_buckets and not active and score >= config.fire_score


def hold(
    alarm: bool, score: float, active: bool, quiet: int, config: VolumeDetectorConfig
) -> tuple[bool, int]:
    """(active, quiet buckets) after a bucket: the alarm is held while the score stays at or above
    `hold_score` and ends after `rearm_buckets` quiet buckets in a row."""
    if alarm:
        return True, 0
    if not active:
        return False, quiet
    quiet = 0 if score >= config.hold_score else quiet + 1
    return (False, 0) if quiet >= config.rearm_buckets else (True, quiet)


def _discounted(pair: list[float], decay: float, numerator: float, denominator: float) -> None:
    pair[0] = decay * pair[0] + numerator
    pair[1] = decay * pair[1] + denominator


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    copied = dict(state)
    for key in ("raw", "clipped", "expected", "level"):
        copied[key] = list(state[key])
    for key in ("daily", "weekly", "dispersion"):
        copied[key] = [list(pair) for pair in state[key]]
    return copied


def _reason(
    count: float, expected: float, width: int, window_sum: float, window_expected: float, score: float
) -> str:
    """The detector's account in numbers; chalicelib.domain.messages turns it into plain German and
    English for people, and keeps the statistics apart."""
    minutes = width * BUCKET_SECONDS // 60
    return volume_evidence(count, expected, minutes, window_sum, window_expected, score)


# --------------------------------------------------------------------------- NAB and CLI path


def detect_series(
    rows: Iterable[tuple[str, float]], config: VolumeDetectorConfig
) -> Iterator[tuple[str, bool]]:
    """Stream (timestamp, alarm) for NAB rows; naive timestamps are UTC. Alarm is the firing edge."""
    detector = VolumeDetector(config)
    for stamp, value in rows:
        yield stamp, detector.update(datetime.fromisoformat(stamp), value).alarm
