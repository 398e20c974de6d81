"""The crisis rules: signals, severity, topics (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.detection.rules import VolumeSignalInput, assess, binomial_tail, dominant_topics
from chalicelib.domain.models import Bucket, Severity

RULES = load_playbook(Path(__file__).resolve().parents[2] / "playbooks").rules
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
QUIET = VolumeSignalInput(False, 0, 0.5, "")
SPIKE = VolumeSignalInput(True, 40, 0.5, "40 Erwähnungen statt 0.5 erwartet")


def bucket(
    minutes: int, total: int, negative: int = 0, risk: int = 0, high_reach: int = 0, **topics: int
) -> Bucket:
    return Bucket(
        brand="mueller",
        start=T0 + timedelta(minutes=minutes),
        total=total,
        negative=negative,
        risk=risk,
        high_reach=high_reach,
        topics=topics,
    )


BASELINE = [Bucket(brand="mueller", start=T0 - timedelta(days=1), total=400, negative=60)]


def test_binomial_tail_matches_known_values() -> None:
    assert binomial_tail(0, 10, 0.3) == 1.0
    assert abs(binomial_tail(10, 10, 0.5) - 0.5**10) < 1e-12
    assert abs(binomial_tail(1, 10, 0.1) - (1 - 0.9**10)) < 1e-12
    assert binomial_tail(11, 10, 0.5) == 0.0


def test_a_calm_window_raises_nothing() -> None:
    result = assess([bucket(0, 2, 1), bucket(5, 1)], BASELINE, QUIET, RULES)
    assert result.severity is None
    assert result.signals == ()


def test_negative_surge_against_the_brands_own_rate() -> None:
    window = [bucket(0, 10, 9), bucket(5, 10, 8)]
    result = assess(window, BASELINE, QUIET, RULES)
    assert [s.name for s in result.signals] == ["negative_share"]
    assert "negativ" in result.reasons[0]


def test_same_share_is_normal_for_a_brand_that_is_always_criticised() -> None:
    grumpy = [Bucket(brand="mueller", start=T0 - timedelta(days=1), total=1000, negative=800)]
    result = assess([bucket(0, 10, 9), bucket(5, 10, 8)], grumpy, QUIET, RULES)
    assert "negative_share" not in [s.name for s in result.signals]


def test_all_signals_together_make_sev1_and_explain_why() -> None:
    window = [bucket(0, 20, 18, risk=10, high_reach=1, **{"#rueckruf": 12}), bucket(5, 22, 20, risk=12)]
    result = assess(window, BASELINE, SPIKE, RULES)
    assert result.severity is Severity.SEV1
    assert {s.name for s in result.signals} == {"volume", "negative_share", "risk_terms", "high_reach"}
    assert result.topic == "#rueckruf"
    assert len(result.reasons) == 4


def test_volume_alarm_on_too_few_mentions_is_ignored() -> None:
    result = assess([bucket(0, 2)], BASELINE, SPIKE, RULES)
    assert result.severity is None


def test_dominant_topics_need_a_quarter_of_the_window() -> None:
    window = [bucket(0, 20, **{"#rueckruf": 12, "#kochen": 2, "sicherheit": 6})]
    assert dominant_topics(window) == ("#rueckruf", "sicherheit")


def test_velocity_needs_growth_against_the_span_before() -> None:
    now = T0 + timedelta(minutes=30)
    growing = [bucket(0, 1), bucket(10, 2), bucket(20, 4), bucket(25, 5)]
    flat = [bucket(0, 4), bucket(10, 5), bucket(20, 4), bucket(25, 5)]
    assert "velocity" in [s.name for s in assess(growing, BASELINE, QUIET, RULES, now).signals]
    assert "velocity" not in [s.name for s in assess(flat, BASELINE, QUIET, RULES, now).signals]


def test_firestorm_language_needs_more_arousal_and_less_first_person() -> None:
    calm_base = [
        Bucket(brand="mueller", start=T0 - timedelta(days=1), total=500, arousal=5.0, first_person=300)
    ]
    outraged = [Bucket(brand="mueller", start=T0, total=20, arousal=2.0, first_person=4)]
    personal = [Bucket(brand="mueller", start=T0, total=20, arousal=2.0, first_person=14)]
    names = [s.name for s in assess(outraged, calm_base, QUIET, RULES).signals]
    assert "firestorm_language" in names
    assert "firestorm_language" not in [s.name for s in assess(personal, calm_base, QUIET, RULES).signals]


def test_keyword_only_is_recognised_for_inhibition() -> None:
    keyword = assess([bucket(0, 4, risk=4)], BASELINE, QUIET, RULES)
    assert keyword.keyword_only and not keyword.is_spike
    spike = assess([bucket(0, 20, 18, risk=10)], BASELINE, SPIKE, RULES)
    assert spike.is_spike and not spike.keyword_only
