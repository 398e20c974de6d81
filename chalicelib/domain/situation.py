"""The situational picture of an incident, as pure functions over stored 5-minute buckets.

- `series`: volume, negative share, reach and the detector's expected volume per bucket (or hour),
  from one day before the first signal until the incident was resolved (or now).
- `usual_negative_share`: the brand's usual share of negative mentions in the week before, and the
  upper end of its usual range: the 90th percentile of hourly shares (hours with at least
  `MIN_HOUR_MENTIONS` mentions), or, with too few such hours, the rate plus two binomial standard
  errors of a typical hour.
- `feedback`: for one published statement, volume, negative share and reach in the `minutes` before
  and after, and whether the storm slowed (a drop of a fifth or more in mentions per hour). While the
  after-window runs, both sides cover the whole buckets elapsed since (at least one).
- `recovery`: when the negative share of the rolling hour was back within the usual range for good.
- `picture`: top authors and media by reach, top risk terms and hashtags, language mix.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from chalicelib.domain.models import BUCKET_SECONDS, Bucket, Mention, bucket_start

Resolution = Literal["5m", "1h"]
STEP = timedelta(seconds=BUCKET_SECONDS)
BEFORE_FIRST_SIGNAL = timedelta(days=1)
HISTORY = timedelta(days=7)  # what the detector learns from before the chart starts
MIN_HOUR_MENTIONS = 3
SLOWED_FACTOR = 0.8  # at most four fifths of the mentions per hour: the storm slowed
GREW_FACTOR = 1.2
MIN_FEEDBACK_MINUTES = 15  # less of the after-window than this: too early to say
TOP = 10

Expectation = Callable[[datetime, int], float]  # learns the bucket's count, returns what it expected


@dataclass(frozen=True)
class Point:
    start: datetime
    volume: int
    negative: int
    reach: int
    expected: float

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.volume if self.volume else None


@dataclass(frozen=True)
class UsualRange:
    rate: float
    upper: float


@dataclass(frozen=True)
class WindowFigures:
    volume: int
    minutes: float
    negative: int
    reach: int

    @property
    def per_hour(self) -> float:
        return self.volume * 60 / self.minutes if self.minutes > 0 else 0.0

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.volume if self.volume else None


@dataclass(frozen=True)
class Feedback:
    minutes: int
    before: WindowFigures
    after: WindowFigures
    complete: bool
    slowed: bool | None
    text_de: str
    text_en: str


@dataclass(frozen=True)
class Recovery:
    usual: UsualRange | None
    recovered_at: datetime | None
    minutes_after_detection: float | None
    text_de: str
    text_en: str


def chart_range(first_signal_at: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[since, until) of the chart in whole buckets: a day before the first signal up to `end`."""
    since = bucket_start(first_signal_at - BEFORE_FIRST_SIGNAL)
    until = bucket_start(end) + STEP
    return since, until


def bucket_points(
    buckets: Iterable[Bucket], since: datetime, until: datetime, expectation: Expectation | None = None
) -> list[Point]:
    """One point per bucket in [since, until), empty buckets included. `expectation` is fed every
    bucket from the first one given (history before `since` included) and says what it expected."""
    by_start = {b.start: b for b in buckets}
    first = min(by_start, default=since)
    cursor = min(first, since)
    points = []
    while cursor < until:
        bucket = by_start.get(cursor)
        count = bucket.total if bucket else 0
        expected = expectation(cursor, count) if expectation else 0.0
        if cursor >= since:
            points.append(
                Point(
                    cursor,
                    count,
                    bucket.negative if bucket else 0,
                    bucket.reach if bucket else 0,
                    expected,
                )
            )
        cursor += STEP
    return points


def hourly(points: Sequence[Point]) -> list[Point]:
    """The same series per hour (Europe/Berlin hours are whole UTC hours too)."""
    hours: dict[datetime, list[Point]] = {}
    for point in points:
        hours.setdefault(point.start.replace(minute=0), []).append(point)
    return [
        Point(
            start,
            sum(p.volume for p in group),
            sum(p.negative for p in group),
            sum(p.reach for p in group),
            sum(p.expected for p in group),
        )
        for start, group in sorted(hours.items())
    ]


def usual_negative_share(baseline: Sequence[Point]) -> UsualRange | None:
    """The brand's usual negative share in `baseline` (the week before the chart), None if too thin."""
    total = sum(p.volume for p in baseline)
    if total < 20:
        return None
    rate = sum(p.negative for p in baseline) / total
    hours = [h for h in hourly(baseline) if h.volume >= MIN_HOUR_MENTIONS]
    shares = sorted(h.negative / h.volume for h in hours)
    if len(shares) >= 12:
        upper = shares[math.ceil(0.9 * len(shares)) - 1]
    else:
        typical = statistics.median([h.volume for h in hourly(baseline) if h.volume] or [1])
        upper = rate + 2 * math.sqrt(rate * (1 - rate) / max(typical, 1))
    return UsualRange(round(rate, 3), round(min(max(upper, rate), 1.0), 3))


def window(points: Sequence[Point], since: datetime, until: datetime, now: datetime) -> WindowFigures:
    inside = [p for p in points if since <= p.start < until and p.start < now]
    elapsed = (min(until, max(now, since)) - since).total_seconds() / 60
    return WindowFigures(
        volume=sum(p.volume for p in inside),
        minutes=max(elapsed, 0.0),
        negative=sum(p.negative for p in inside),
        reach=sum(p.reach for p in inside),
    )


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def _rate(value: float, lang: str = "de") -> str:
    if value >= 10 or value == int(value):
        return f"{round(value)}"
    return f"{value:.1f}".replace(".", ",") if lang == "de" else f"{value:.1f}"


def _figures_de(before: WindowFigures, after: WindowFigures) -> str:
    volume = (
        f"{_rate(after.per_hour)} Erwähnungen pro Stunde (vorher keine)"
        if before.volume == 0
        else f"{_rate(after.per_hour)} statt {_rate(before.per_hour)} Erwähnungen pro Stunde"
    )
    if after.negative_share is not None and before.negative_share is not None:
        return f"{volume}, negativ {_percent(after.negative_share)} statt {_percent(before.negative_share)}."
    if after.negative_share is not None:
        return f"{volume}, davon {_percent(after.negative_share)} negativ."
    return f"{volume}."


def _figures_en(before: WindowFigures, after: WindowFigures) -> str:
    volume = (
        f"{_rate(after.per_hour, 'en')} mentions per hour (none before)"
        if before.volume == 0
        else f"{_rate(after.per_hour, 'en')} instead of {_rate(before.per_hour, 'en')} mentions per hour"
    )
    if after.negative_share is not None and before.negative_share is not None:
        now_share, then_share = _percent(after.negative_share), _percent(before.negative_share)
        return f"{volume}, negative {now_share} instead of {then_share}."
    if after.negative_share is not None:
        return f"{volume}, {_percent(after.negative_share)} of them negative."
    return f"{volume}."


def feedback(points: Sequence[Point], published_at: datetime, minutes: int, now: datetime) -> Feedback:
    """How mentions moved in the `minutes` after a statement against the `minutes` before it, split on
    the 5-minute bucket boundary nearest to the statement (buckets hold no finer times): a statement
    late in a bucket leaves that bucket's mentions, mostly written before it, on the before side."""
    split = bucket_start(published_at + STEP / 2)
    span = timedelta(minutes=minutes)
    complete = now >= split + span
    if not complete:  # so far: the same span on both sides, so a burst just before is not averaged away
        span = max(bucket_start(now) - split, STEP)
    before = window(points, split - span, split, now)
    after = window(points, split, split + span, now)
    slowed: bool | None
    if after.minutes < min(MIN_FEEDBACK_MINUTES, minutes) or (
        before.volume < MIN_HOUR_MENTIONS and after.volume < MIN_HOUR_MENTIONS
    ):
        slowed = None
    else:
        slowed = after.per_hour <= before.per_hour * SLOWED_FACTOR
    so_far_de = "" if complete else f"Bisher ({round(after.minutes)} Min.): "
    so_far_en = "" if complete else f"So far ({round(after.minutes)} min): "
    figures_de, figures_en = _figures_de(before, after), _figures_en(before, after)
    if slowed is None:
        verdict_de, verdict_en = (
            "Noch zu früh oder zu wenige Erwähnungen für ein Urteil.",
            ("Too early or too few mentions to tell."),
        )
    elif slowed:
        verdict_de, verdict_en = "Der Sturm hat sich verlangsamt.", "The storm slowed."
    elif after.per_hour >= before.per_hour * GREW_FACTOR:
        verdict_de, verdict_en = "Der Sturm hat weiter zugenommen.", "The storm kept growing."
    else:
        verdict_de, verdict_en = "Das Volumen blieb etwa gleich.", "The volume stayed about the same."
    start_de = "Nach der Stellungnahme: " if complete else ""
    start_en = "After the statement: " if complete else ""
    return Feedback(
        minutes=minutes,
        before=before,
        after=after,
        complete=complete,
        slowed=slowed,
        text_de=f"{so_far_de or start_de}{figures_de} {verdict_de}",
        text_en=f"{so_far_en or start_en}{figures_en} {verdict_en}",
    )


def duration_de(minutes: float) -> str:
    whole = round(minutes)
    if whole < 60:
        return f"{whole} Min."
    hours, rest = divmod(whole, 60)
    if hours < 48:
        return f"{hours} Std. {rest} Min." if rest else f"{hours} Std."
    days, hours = divmod(hours, 24)
    return f"{days} Tg. {hours} Std." if hours else f"{days} Tg."


def duration_en(minutes: float) -> str:
    whole = round(minutes)
    if whole < 60:
        return f"{whole} min"
    hours, rest = divmod(whole, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def recovery(
    points: Sequence[Point], usual: UsualRange | None, detected_at: datetime, now: datetime
) -> Recovery:
    """When the negative share of the rolling hour was back within the usual range and stayed there
    (an hour with fewer than `MIN_HOUR_MENTIONS` mentions has nothing left to be negative about)."""
    if usual is None:
        return Recovery(
            None,
            None,
            None,
            "Kein üblicher Bereich bekannt: zu wenige Erwähnungen in der Woche davor.",
            "No usual range known: too few mentions in the week before.",
        )
    after = [p for p in points if p.start >= bucket_start(detected_at) and p.start + STEP <= now]
    per_hour = 3600 // BUCKET_SECONDS
    recovered_at: datetime | None = None
    for end in range(per_hour, len(after) + 1):
        hour = after[end - per_hour : end]
        volume = sum(p.volume for p in hour)
        within = volume < MIN_HOUR_MENTIONS or sum(p.negative for p in hour) / volume <= usual.upper
        if within and recovered_at is None:
            recovered_at = hour[-1].start + STEP
        elif not within:
            recovered_at = None
    upper = _percent(usual.upper)
    if recovered_at is None:
        return Recovery(
            usual,
            None,
            None,
            f"Die negative Stimmung ist noch nicht wieder im üblichen Bereich (höchstens {upper}).",
            f"Negative sentiment is not back within its usual range yet (at most {upper}).",
        )
    minutes = max((recovered_at - detected_at).total_seconds() / 60, 0.0)
    return Recovery(
        usual,
        recovered_at,
        round(minutes, 1),
        f"Die negative Stimmung war {duration_de(minutes)} nach der Erkennung wieder im üblichen Bereich"
        f" (höchstens {upper}).",
        f"Negative sentiment was back within its usual range (at most {upper}) {duration_en(minutes)}"
        " after detection.",
    )


@dataclass(frozen=True)
class AuthorFigures:
    handle: str
    followers: int
    is_media: bool
    mentions: int
    reach: int


@dataclass(frozen=True)
class Picture:
    mentions: int
    top_authors: list[AuthorFigures]
    top_media: list[AuthorFigures]
    risk_terms: list[tuple[str, int]]
    hashtags: list[tuple[str, int]]
    languages: list[tuple[str, int]]


def picture(mentions: Iterable[Mention]) -> Picture:
    """Who is loud and what is said: authors by reach, risk terms, hashtags and languages."""
    authors: dict[str, list[Mention]] = {}
    terms: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    count = 0
    for mention in mentions:
        count += 1
        if mention.author.handle:
            authors.setdefault(mention.author.handle, []).append(mention)
        terms.update(dict.fromkeys(mention.risk_terms, 1))
        tags.update(dict.fromkeys((t for t in mention.topics if t.startswith("#")), 1))
        languages[mention.lang] += 1
    figures = [
        AuthorFigures(
            handle=handle,
            followers=max(m.author.followers for m in written),
            is_media=any(m.author.is_media for m in written),
            mentions=len(written),
            reach=sum(m.reach for m in written),
        )
        for handle, written in authors.items()
    ]
    figures.sort(key=lambda a: (-a.reach, -a.mentions, a.handle))
    return Picture(
        mentions=count,
        top_authors=[a for a in figures if not a.is_media][:TOP],
        top_media=[a for a in figures if a.is_media][:TOP],
        risk_terms=sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP],
        hashtags=sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP],
        languages=sorted(languages.items(), key=lambda kv: (-kv[1], kv[0])),
    )
