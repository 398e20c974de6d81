"""The situational picture and the review: `python -m tests.bench review`.

What one API request costs the service layer on the embedded SQLite store: the incident's series
(the detector replays the week before the chart to learn its baseline), its picture, the review as
JSON, Markdown and PDF, and the management summary. The brand has 30 days of calm history (about 50
mentions a day with a daily rhythm), a three-hour storm of 1,200 mentions, and five published
statements. Each operation runs `REPEAT` times; the table shows the median and the slowest.
"""

from __future__ import annotations

import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.domain.models import Author, DraftStatus, Mention

REPEAT = 7
SEED = 20261129
START = datetime(2026, 10, 1, tzinfo=UTC)
CALM_DAYS = 30
STORM_MENTIONS = 1_200
STATEMENTS = 5


def _mention(rng: random.Random, index: int, at: datetime, storm: bool) -> Mention:
    negative = storm and rng.random() < 0.8 or (not storm and rng.random() < 0.2)
    followers = int(rng.paretovariate(1.2) * 80)
    return Mention(
        platform="x",
        native_id=f"b{index}",
        brand="mueller",
        text="Spülmeister 3000 hat geraucht! #rueckruf" if storm else "Spülmeister 3000 läuft gut.",
        published_at=at,
        collected_at=at + timedelta(seconds=30),
        url=f"https://x.example/{index}",
        author=Author(
            handle=f"@kunde_{rng.randrange(3_000)}", followers=followers, is_media=followers > 50_000
        ),
        reach=followers,
        lang="de" if rng.random() < 0.9 else "en",
        sentiment="negative" if negative else "neutral",
        sentiment_score=-0.6 if negative else 0.0,
        risk_terms=("rauch",) if storm else (),
        topics=("#rueckruf", "sicherheit") if storm else (),
        expires_at=at + timedelta(days=90),
    )


def _build(directory: Path) -> tuple[Any, str, datetime]:
    from chalicelib.adapters.sqlite.storage import sqlite_storage
    from tests.contract.builders import incident
    from tests.contract.test_drafts import draft

    storage = sqlite_storage(directory / "bench.db", bucket_retention_days=400, severe_weight=3)
    rng = random.Random(SEED)
    mentions, index = [], 0
    for hour in range(CALM_DAYS * 24):
        at = START + timedelta(hours=hour)
        for _ in range(rng.choice((0, 1, 2, 3, 4)) if 7 <= at.hour <= 22 else rng.choice((0, 0, 1))):
            mentions.append(_mention(rng, index, at + timedelta(seconds=rng.randrange(3600)), storm=False))
            index += 1
    storm_start = START + timedelta(days=CALM_DAYS, hours=10)
    for i in range(STORM_MENTIONS):
        at = storm_start + timedelta(seconds=int(3 * 3600 * (i / STORM_MENTIONS) ** 0.7))
        mentions.append(_mention(rng, index, at, storm=True))
        index += 1
    for chunk in range(0, len(mentions), 500):
        storage.mentions.store_all(mentions[chunk : chunk + 500])
    opened = storm_start + timedelta(minutes=12)
    case = storage.incidents.create(
        incident("mueller", "rueckruf", opened_at=opened).model_copy(
            update={"first_signal_at": storm_start, "title": "Müller Haushaltsgeräte GmbH: rueckruf"}
        )
    )
    for n in range(STATEMENTS):
        at = opened + timedelta(minutes=20 + 35 * n)
        storage.drafts.create(
            draft(
                case.incident_id,
                created_at=at,
                kind="holding_statement",
                status=DraftStatus.PUBLISHED,
                published_at=at,
                published_by="Anna Becker",
            )
        )
    return storage, case.incident_id, storm_start + timedelta(hours=6)


def _time(operation: Callable[[], Any]) -> tuple[float, float, Any]:
    runs, result = [], None
    for _ in range(REPEAT):
        began = time.perf_counter()
        result = operation()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs), max(runs), result


def run() -> None:
    from chalicelib.adapters.crisis_playbooks import load_crisis_library
    from chalicelib.adapters.detection_playbook import load_detection_config
    from chalicelib.adapters.pdf import render_pdf
    from chalicelib.adapters.playbooks import load_playbook
    from chalicelib.api.reviews import review_document
    from chalicelib.config import PROJECT_ROOT
    from chalicelib.domain.crisis import known_risk_categories
    from chalicelib.domain.review_markdown import render_markdown
    from chalicelib.services import reports, situation

    playbook = load_playbook(PROJECT_ROOT / "playbooks")
    library = load_crisis_library(
        PROJECT_ROOT / "playbooks" / "crisis", risk_categories=known_risk_categories(playbook.risk_terms)
    )
    detector = load_detection_config(PROJECT_ROOT / "playbooks")
    with tempfile.TemporaryDirectory() as directory:
        began = time.perf_counter()
        storage, incident_id, now = _build(Path(directory))
        built = time.perf_counter() - began
        common: dict[str, Any] = {"incidents": storage.incidents, "buckets": storage.buckets}

        def series(resolution: str) -> Any:
            return situation.incident_series(
                incident_id,
                resolution=resolution,  # type: ignore[arg-type]
                feedback_minutes=60,
                drafts=storage.drafts,
                detector=detector,
                now=now,
                **common,
            )

        def review() -> Any:
            return situation.incident_review(
                incident_id,
                feedback_minutes=60,
                drafts=storage.drafts,
                library=library,
                detector=detector,
                now=now,
                **common,
            )

        document = review_document(review())
        rows = [
            ("series, 5 min", *_time(lambda: series("5m"))),
            ("series, 1 h", *_time(lambda: series("1h"))),
            (
                "picture",
                *_time(
                    lambda: situation.incident_picture(
                        incident_id,
                        incidents=storage.incidents,
                        mentions=storage.mentions,
                        window_minutes=60,
                        now=now,
                    )
                ),
            ),
            ("review (JSON document)", *_time(lambda: review_document(review()))),
            ("review as Markdown (render only)", *_time(lambda: render_markdown(document))),
            ("review as PDF (render only)", *_time(lambda: render_pdf(document))),
            (
                "management summary (90 days)",
                *_time(
                    lambda: reports.summary(
                        since=now - timedelta(days=90),
                        until=now,
                        incidents=storage.incidents,
                        drafts=storage.drafts,
                        library=library,
                    )
                ),
            ),
        ]
    points = len(rows[0][3].points)
    pdf = rows[5][3]
    print("## Situational picture and review: one request's service work on SQLite\n")
    print(
        f"A brand with {CALM_DAYS} days of calm history, a {STORM_MENTIONS:,}-mention storm and {STATEMENTS} "
        f"statements (built in {built:.1f} s); each operation {REPEAT}×.\n"
    )
    print("| operation | median ms | slowest ms | result |")
    print("|---|---:|---:|---|")
    results = {
        "series, 5 min": f"{points} points, {len(rows[0][3].statements)} statements with feedback",
        "series, 1 h": f"{len(rows[1][3].points)} points",
        "picture": f"{rows[2][3].picture.mentions:,} mentions read",
        "review (JSON document)": f"{len(document['timeline'])} timeline entries",
        "review as Markdown (render only)": f"{len(rows[4][3]):,} characters",
        "review as PDF (render only)": f"{len(pdf):,} bytes",
        "management summary (90 days)": f"{len(rows[6][3].incidents)} incident",
    }
    for name, median, slowest, _ in rows:
        print(f"| {name} | {median:,.1f} | {slowest:,.1f} | {results[name]} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS of the process: {peak:,.0f} MiB. The 5-minute series replays the detector over the")
    print(
        "week before the chart and the chart itself (every bucket, empty ones too), which is most of its time."
    )
