"""The situational picture's numbers: series, usual range, statement feedback, recovery, picture,
and the review's figures, checklist and drill score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain import review, situation
from chalicelib.domain.crisis.schema import Targets
from chalicelib.domain.models import Author, Bucket, Mention, Tick
from chalicelib.domain.situation import Point, UsualRange
from tests.contract.builders import incident, mention

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def points(volumes: list[int], negatives: list[int] | None = None, start: datetime = T0) -> list[Point]:
    negatives = negatives or [0] * len(volumes)
    return [
        Point(start + i * STEP, v, n, 10 * v, 1.0)
        for i, (v, n) in enumerate(zip(volumes, negatives, strict=True))
    ]


def test_bucket_points_fill_empty_buckets_and_feed_the_expectation_from_the_history_on() -> None:
    seen: list[tuple[datetime, int]] = []

    def expectation(start: datetime, count: int) -> float:
        seen.append((start, count))
        return 0.5

    stored = [
        Bucket(brand="b", start=T0, total=3, negative=1, reach=70),
        Bucket(brand="b", start=T0 + 3 * STEP, total=2),
    ]
    result = situation.bucket_points(stored, T0 + STEP, T0 + 5 * STEP, expectation)
    assert [(p.start, p.volume) for p in result] == [
        (T0 + i * STEP, v) for i, v in ((1, 0), (2, 0), (3, 2), (4, 0))
    ]
    assert seen[0] == (T0, 3) and len(seen) == 5  # the history bucket taught the expectation too
    assert result[0].negative_share is None and all(p.expected == 0.5 for p in result)


def test_hourly_sums_twelve_buckets() -> None:
    hours = situation.hourly(points([1] * 24, [1, 0] * 12))
    assert [(h.start, h.volume, h.negative, h.reach, h.expected) for h in hours] == [
        (T0, 12, 6, 120, 12.0),
        (T0 + timedelta(hours=1), 12, 6, 120, 12.0),
    ]


def test_the_usual_range_is_the_90th_percentile_of_hourly_shares_or_a_binomial_bound() -> None:
    # 24 hours of 10 mentions: 1 negative an hour, but 4 in three of them -> rate 33/240, P90 0.4
    volumes, negatives = [], []
    for hour in range(24):
        bad = 4 if hour in (3, 9, 15) else 1
        volumes += [1] * 10 + [0] * 2
        negatives += [1] * bad + [0] * (12 - bad)
    usual = situation.usual_negative_share(points(volumes, negatives))
    assert usual is not None and usual.rate == round(33 / 240, 3)
    assert usual.upper == 0.4
    # too few hours: rate plus two standard errors of a typical hour
    thin = situation.usual_negative_share(points([2] * 12 * 2, [1] * 12 * 2))
    assert thin is not None and thin.rate == 0.5 and thin.upper == round(0.5 + 2 * (0.25 / 24) ** 0.5, 3)
    assert situation.usual_negative_share(points([1] * 19)) is None


def test_feedback_compares_the_hour_before_and_after_on_whole_buckets() -> None:
    series = points([5] * 12 + [1] * 12, [5] * 12 + [0] * 12)
    published = T0 + timedelta(hours=1, minutes=2)  # inside the first bucket after the storm hour
    done = situation.feedback(series, published, 60, now=T0 + timedelta(hours=3))
    assert (done.before.volume, done.after.volume, done.complete, done.slowed) == (60, 12, True, True)
    assert done.text_de == (
        "Nach der Stellungnahme: 12 statt 60 Erwähnungen pro Stunde, negativ 0 % statt 100 %. "
        "Der Sturm hat sich verlangsamt."
    )
    assert done.text_en.startswith("After the statement: 12 instead of 60 mentions per hour")

    early = situation.feedback(series, published, 60, now=T0 + timedelta(hours=1, minutes=10))
    assert early.slowed is None and not early.complete
    assert early.text_de.startswith("Bisher (10 Min.): ") and early.text_de.endswith("für ein Urteil.")

    grew = situation.feedback(points([1] * 12 + [4] * 12), published, 60, now=T0 + timedelta(hours=3))
    assert grew.slowed is False and grew.text_de.endswith("Der Sturm hat weiter zugenommen.")
    same = situation.feedback(points([4] * 24), published, 60, now=T0 + timedelta(hours=3))
    assert same.slowed is False and same.text_de.endswith("Das Volumen blieb etwa gleich.")


def test_recovery_is_the_start_of_the_last_stretch_within_the_usual_range() -> None:
    usual = UsualRange(0.1, 0.2)
    # 1 h all negative, 1 h fine, 1 h negative again, then 2 h fine
    negatives = [4] * 12 + [0] * 12 + [4] * 12 + [0] * 24
    series = points([4] * 60, negatives)
    result = situation.recovery(series, usual, T0, now=T0 + timedelta(hours=6))
    # the rolling hour 2:50-3:50 holds 8 negative of 48 (17 %): within range from then on
    assert result.recovered_at == T0 + timedelta(hours=3, minutes=50)
    assert result.minutes_after_detection == 230.0
    assert result.text_de == (
        "Die negative Stimmung war 3 Std. 50 Min. nach der Erkennung wieder im üblichen Bereich (höchstens 20 %)."
    )
    still = situation.recovery(points([4] * 24, [4] * 24), usual, T0, now=T0 + timedelta(hours=2))
    assert still.recovered_at is None and "noch nicht" in still.text_de
    assert situation.recovery(series, None, T0, now=T0).text_de.startswith("Kein üblicher Bereich")


def test_durations_read_as_people_say_them() -> None:
    assert [situation.duration_de(m) for m in (6.4, 60, 190, 60 * 50)] == [
        "6 Min.",
        "1 Std.",
        "3 Std. 10 Min.",
        "2 Tg. 2 Std.",
    ]
    assert situation.duration_en(190) == "3 h 10 min"


def test_the_picture_ranks_authors_by_reach_and_counts_terms_tags_and_languages() -> None:
    loud = Author(handle="@presse", followers=90_000, is_media=True)

    def written(native_id: str, author: Author, lang: str = "de", **fields: object) -> Mention:
        made = mention("b", T0, native_id=native_id, reach=author.followers, **fields)  # type: ignore[arg-type]
        return made.model_copy(update={"author": author, "lang": lang})

    mentions = [
        written("1", loud, risk_terms=("rauch",), topics=("#rueckruf", "sicherheit")),
        written("2", Author(handle="@anna", followers=300), risk_terms=("rauch", "brand")),
        written("3", Author(handle="@anna", followers=310), lang="en"),
        written("4", Author(handle="@ben", followers=5000), topics=("#rueckruf",)),
    ]
    result = situation.picture(mentions)
    assert result.mentions == 4
    assert [(a.handle, a.mentions, a.reach, a.followers) for a in result.top_authors] == [
        ("@ben", 1, 5000, 5000),
        ("@anna", 2, 610, 310),
    ]
    assert [a.handle for a in result.top_media] == ["@presse"]
    assert result.risk_terms == [("rauch", 2), ("brand", 1)]
    assert result.hashtags == [("#rueckruf", 2)]
    assert result.languages == [("de", 3), ("en", 1)]


def test_review_figures_checklist_and_drill_score() -> None:
    from tests.unit.test_crisis_playbooks import LIBRARY

    playbook = LIBRARY.get("produktmangel-rueckruf")
    assert playbook is not None and playbook.targets == Targets(
        acknowledge_minutes=10, first_response_minutes=30, resolve_hours=72
    )
    opened = T0 + timedelta(minutes=10)
    first = playbook.first_hour[0]
    case = incident("b", "rueckruf", opened_at=opened).model_copy(
        update={
            "acknowledged_at": opened + timedelta(minutes=6),
            "checklist": {
                first.id: Tick(done_by="Anna", done_at=opened + timedelta(minutes=first.due_minutes + 1))
            },
            "drill_id": "UEB-1",
        }
    )
    series = points([0, 0, 3, 9, 4, 1], [0, 0, 3, 9, 2, 0])
    figures = review.figures(case, series, [])
    assert (figures.time_to_detect, figures.time_to_acknowledge, figures.time_to_first_response) == (
        10.0,
        6.0,
        None,
    )
    assert figures.mentions == 17 and figures.negative == 14 and figures.peak == review.Peak(T0 + 3 * STEP, 9)

    rows = review.checklist(case, playbook, now=opened + timedelta(minutes=90))
    assert rows[0].item_id == first.id and rows[0].on_time is False and rows[0].done_by == "Anna"
    assert all(row.on_time is False for row in rows[1:])  # not done, and the hour is over
    early = review.checklist(case, playbook, now=opened + timedelta(minutes=1))
    assert [row.on_time for row in early[1:]] == [None] * (len(rows) - 1)

    score = review.drill_score(figures, rows, playbook)
    assert [(t.name, t.target_minutes, t.actual_minutes, t.met) for t in score.targets] == [
        ("acknowledge", 10, 6.0, True),
        ("first_response", 30, None, False),
        ("resolve", 72 * 60, None, False),
    ]
    assert score.text_de == f"1 von 3 Zielen erreicht; 0 von {len(rows)} Checklistenpunkten rechtzeitig."


def test_a_statement_late_in_a_bucket_leaves_that_bucket_before_it() -> None:
    # the storm's 30 mentions fall in the bucket 1:00-1:05; the statement comes at 1:04:24
    series = points([0] * 12 + [30] + [1] * 23, [0] * 12 + [27] + [0] * 23)
    late = situation.feedback(
        series, T0 + timedelta(hours=1, minutes=4, seconds=24), 60, now=T0 + timedelta(hours=3)
    )
    assert (late.before.volume, late.after.volume, late.slowed) == (30, 12, True)
    early = situation.feedback(series, T0 + timedelta(hours=1, minutes=1), 60, now=T0 + timedelta(hours=3))
    assert (early.before.volume, early.after.volume, early.slowed) == (0, 41, False)
    assert early.text_de == (
        "Nach der Stellungnahme: 41 Erwähnungen pro Stunde (vorher keine), davon 66 % negativ. "
        "Der Sturm hat weiter zugenommen."
    )
    assert early.text_en.startswith("After the statement: 41 mentions per hour (none before), 66 % of them")
    thin = situation.feedback(
        points([1] * 2 + [0] * 22), T0 + timedelta(minutes=10), 60, now=T0 + timedelta(hours=3)
    )
    assert thin.slowed is None and thin.text_en.startswith(
        "After the statement: 0 instead of 2 mentions per hour."
    )


def test_so_far_compares_equal_spans_and_a_short_window_still_judges() -> None:
    # calm hour, a 5-minute burst of 36 just before the statement, then 2 a bucket
    series = points([0] * 11 + [36] + [2] * 12)
    published = T0 + timedelta(hours=1)
    so_far = situation.feedback(series, published, 60, now=T0 + timedelta(hours=1, minutes=20, seconds=30))
    assert (so_far.before.volume, so_far.after.volume, so_far.complete) == (36, 8, False)
    assert so_far.slowed is True and so_far.text_de.startswith(
        "Bisher (20 Min.): 24 statt 108 Erwähnungen pro Stunde"
    )
    short = situation.feedback(series, published, 10, now=T0 + timedelta(hours=2))
    assert (short.complete, short.slowed) == (True, True)
    assert short.text_de.startswith("Nach der Stellungnahme: 24 statt 216 Erwähnungen pro Stunde")
