"""Scale: `python -m tests.bench scale`.

What one brand costs the rules job as a customer grows from 1 to 200 brands, what ingestion costs
against a bare batch write, and how the API's list routes answer against `/health`, all in one run
against DynamoDB on one moto server. Every AWS request is counted at the server (tests/bench/meter.py)
by service and operation, with the DynamoDB capacity units it would be billed; tests/bench/cost.py
turns those counts into a monthly bill.

The services are called through their public functions (`evaluate_brand`, `store_all`, `collect_source`,
`fan_out`, `escalate`, `deliver_pending`, the scheduled handlers and the HTTP routes), so the bench
measures whatever they do today.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.bench.meter import Meter, Tally, item_bytes, model_indexes, serve
from tests.bench.store import BRANDS, REGION, _child_templates, _mentions, _raws

PROJECT = Path(__file__).resolve().parents[2]
BRAND_COUNTS = (1, 10, 50, 200)
SAMPLE = 3  # brands measured per row (each with its week of history)
NOW = datetime(2026, 11, 20, 14, 2, 30, tzinfo=UTC)
HISTORY = timedelta(days=7, hours=1)  # baseline_days (7) plus the rules window
MEAN_PER_BUCKET = 8.0  # ~2,300 mentions a brand a day (the agency: 500,000 a day over 200 brands)
INGEST_MENTIONS = 300
INGEST_BATCH = 100
API_REQUESTS = 200
DETAIL_REQUESTS = 20  # the incident page takes ~1-2 s on moto
API_MENTIONS = 3_000
SOURCES = 20  # sources in the fan-out measurement
SEED = 20261129


OPENED: list[str] = []  # incidents the quiet weeks opened (there should be none)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Stack:
    """One moto server with a metered endpoint in front of it (every client goes through the meter)."""

    meter: Meter
    endpoint: str
    workdir: Path
    stops: list[Callable[[], None]] = field(default_factory=list)

    def container(self, prefix: str, brands: int, clock: Clock, **settings: Any) -> Any:
        """The application's container on fresh tables `prefix`*, its playbook with `brands` brands."""
        from chalicelib import deps
        from chalicelib.adapters.playbooks import load_playbook
        from chalicelib.config import Settings
        from chalicelib.local import bootstrap

        config = Settings(
            stage="test",
            table_prefix=prefix,
            endpoint_url=self.endpoint,
            public_url="https://krisenradar.example",
            playbooks_dir=_playbooks(self.workdir / f"playbooks-{brands}", brands),
            integrations_file="",  # no chat channels: their webhook secrets do not exist here
            **settings,
        )
        bootstrap.ensure_tables_for(config)
        team = load_playbook(config.playbooks_dir).team
        topic_arn, _ = bootstrap.ensure_topic(config, team.as_users(clock()))
        bootstrap.ensure_secrets(config, self.workdir / f"secrets-{prefix}")
        container = deps.Container(config.model_copy(update={"alert_topic_arn": topic_arn}), clock=clock)
        deps.override(container)
        _ = container.storage, container.seeded_users, container.alerting  # built before any timing
        return container


@contextmanager
def stack() -> Iterator[Stack]:
    from chalicelib.local.emulator import Emulator, free_port

    emulator = Emulator(free_port(), REGION)
    emulator.start()  # the backends, with the emulator's transaction fix
    meter, server, endpoint = serve(free_port(), model_indexes)
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ.setdefault("AWS_REGION", REGION)
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    os.environ["AWS_ENDPOINT_URL"] = endpoint  # boto3 clients (SNS, SQS, Secrets Manager) go through it
    workdir = Path(tempfile.mkdtemp(prefix="krisenradar-scale-"))
    try:
        yield Stack(meter, endpoint, workdir)
    finally:
        from chalicelib import deps

        deps.override(None)
        server.shutdown()
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous


def brand_ids(count: int) -> list[str]:
    """The store bench's three brands first (their mentions exist), then numbered ones."""
    named = list(dict.fromkeys(BRANDS))
    return (named + [f"brand-{i:03d}" for i in range(len(named) + 1, count + 1)])[:count]


def _playbooks(directory: Path, brands: int) -> Path:
    """The shipped playbooks with `brands` brands (the first is the shipped one, the rest alike)."""
    if directory.exists():
        return directory
    import yaml

    shutil.copytree(PROJECT / "playbooks", directory)
    shipped = yaml.safe_load((directory / "brands.yaml").read_text(encoding="utf-8"))["brands"][0]
    entries = [
        shipped if brand == shipped["id"] else {**shipped, "id": brand, "name": f"{brand} GmbH"}
        for brand in brand_ids(brands)
    ]
    (directory / "brands.yaml").write_text(yaml.safe_dump({"brands": entries}, allow_unicode=True), "utf-8")
    return directory


# --- the rules job per brand --------------------------------------------------------------------------


def _seed_history(brands: list[str], until: datetime) -> int:
    """A week of 5-minute buckets per brand, a daily rhythm with noise, written straight into moto's
    backend (setup, not measured: a week of mentions through the API would take hours on moto)."""
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.adapters.dynamo.models import BucketItem
    from chalicelib.domain.models import BUCKET_SECONDS, bucket_start
    from chalicelib.local.emulator import ACCOUNT_ID

    backend = dynamodb_backends[ACCOUNT_ID][REGION]
    table = BucketItem.Meta.table_name
    rng = random.Random(SEED)
    step = timedelta(seconds=BUCKET_SECONDS)
    first, last = bucket_start(until - HISTORY), bucket_start(until)
    written = 0
    for brand in brands:
        moment = first
        while moment <= last:
            hour = moment.hour + moment.minute / 60
            rhythm = 0.25 + 1.5 * max(0.0, 1 - abs(hour - 14) / 9)  # quiet nights, a busy afternoon
            total = max(0, round(rng.gauss(MEAN_PER_BUCKET * rhythm, 2.0)))
            if total:
                item = BucketItem(
                    brand,
                    moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    total=total,
                    negative=sum(rng.random() < 0.15 for _ in range(total)),
                    reach=total * 300,
                    risk=int(rng.random() < 0.02),
                    high_reach=int(rng.random() < 0.01),
                    arousal=round(total * 0.2, 2),
                    first_person=sum(rng.random() < 0.3 for _ in range(total)),
                    expires_at=moment + timedelta(days=400),
                )
                backend.put_item(table, item.serialize())
                written += 1
            moment += step
    return written


@dataclass
class Run:
    cpu: float
    wall: float
    tally: Tally


def _timed(meter: Meter, work: Callable[[], Any]) -> Run:
    with meter.measure() as tally:
        cpu, wall = time.thread_time(), time.perf_counter()
        work()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return Run(cpu, wall, tally)


def _figures(run: Run, divisor: float = 1.0) -> dict[str, Any]:
    return {
        **run.tally.scaled(divisor),
        "cpu_ms": run.cpu * 1000 / divisor,
        "wall_ms": run.wall * 1000 / divisor,
    }


def _evaluate(container: Any, brand: Any, now: datetime) -> Callable[[], Any]:
    from chalicelib.services.evaluate import evaluate_brand

    def work() -> Any:
        container.clock.now = now
        result = evaluate_brand(
            brand,
            now=now,
            playbook=container.playbook,
            ports=container.ports,
            config=container.detector_config,
            alerting=container.alerting,
        )
        OPENED.extend(result.opened)
        return result

    return work


def rules_row(st: Stack, count: int) -> dict[str, Any]:
    """N brands with a week of history; a fixed sample of them measured: first run (no state), warm
    with one new completed bucket (+5 min), warm within the same bucket (+1 min)."""
    clock = Clock(NOW)
    container = st.container(f"r{count}-", count, clock)
    began = time.perf_counter()
    brands = container.playbook.brands
    sample = brands if len(brands) <= SAMPLE else random.Random(SEED).sample(list(brands), SAMPLE)
    seeded = _seed_history([b.id for b in sample], NOW + timedelta(minutes=6))
    seed_s = time.perf_counter() - began
    runs: dict[str, list[Run]] = {"first": [], "new_bucket": [], "same_bucket": []}
    for brand in sample:
        runs["first"].append(_timed(st.meter, _evaluate(container, brand, NOW)))
    for brand in sample:
        runs["new_bucket"].append(_timed(st.meter, _evaluate(container, brand, NOW + timedelta(minutes=5))))
    for brand in sample:
        runs["same_bucket"].append(_timed(st.meter, _evaluate(container, brand, NOW + timedelta(minutes=6))))
    row: dict[str, Any] = {"brands": count, "measured": len(sample), "buckets": seeded, "seed_s": seed_s}
    for kind, measured in runs.items():
        tally = Tally()
        for run in measured:
            tally.add(run.tally)
        row[kind] = {
            "cpu_ms": statistics.median(r.cpu for r in measured) * 1000,
            "wall_ms": statistics.median(r.wall for r in measured) * 1000,
            "cpu_ms_p95": _p95([r.cpu for r in measured]) * 1000,
            **tally.scaled(len(measured)),
        }
    return row


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- jobs, ingestion, collection ----------------------------------------------------------------------


class PageSource:
    """A platform that hands out `raws` in pages of 100, then nothing new (offset cursor)."""

    slug = "bench"
    poll_seconds = 300

    def __init__(self, source_id: str, raws: list[Any]) -> None:
        self.source_id = source_id
        self._raws = raws

    def fetch(self, cursor: dict[str, Any] | None, now: Any) -> Any:
        from chalicelib.ports import FetchResult

        offset = int((cursor or {}).get("offset", 0))
        page = self._raws[offset : offset + INGEST_BATCH]
        return FetchResult(page, {"offset": offset + len(page)}, exhausted=True)


def _bare_write(st: Stack, mentions: list[Any]) -> Run:
    """The floor: the same items in `BatchWriteItem`s (25 a request) into empty tables of the schema."""
    from chalicelib.adapters.dynamo.storage import dynamo_storage
    from chalicelib.config import TABLES

    dynamo_storage(
        {table: f"bare-{table}" for table in TABLES},
        region=REGION,
        endpoint_url=st.endpoint,
        bucket_retention_days=400,
        severe_weight=4,
        create_missing=True,
    )
    from chalicelib.adapters.dynamo.mentions import _mention_item
    from chalicelib.adapters.dynamo.models import MentionItem

    items = [_mention_item(m) for m in mentions]

    def work() -> None:
        with MentionItem.batch_write() as batch:
            for item in items:
                batch.save(item)

    return _timed(st.meter, work)


def _live_mentions(templates: dict[str, Any]) -> list[Any]:
    """Mentions as a live collector pages them: each page of 100 from one 5-minute poll, the pages
    one poll apart, ending now (so a page's counters fall into a bucket or two per brand)."""
    rng = random.Random(SEED)
    pages = -(-INGEST_MENTIONS // INGEST_BATCH)
    mentions = []
    for i, mention in enumerate(_mentions(INGEST_MENTIONS, templates)):
        poll_start = NOW - timedelta(minutes=5 * (pages - i // INGEST_BATCH))
        published = poll_start + timedelta(seconds=rng.uniform(0, 300))
        mentions.append(
            mention.model_copy(
                update={
                    "published_at": published,
                    "collected_at": published + timedelta(minutes=1),
                    "expires_at": published + timedelta(days=90),
                }
            )
        )
    return mentions


def _queue(container: Any, name: str) -> str:
    import boto3

    return str(boto3.client("sqs", region_name=REGION).create_queue(QueueName=name)["QueueUrl"])


def jobs_and_ingest(st: Stack, templates: dict[str, Any]) -> dict[str, Any]:
    """Requests per stored mention (against a bare batch write), per collect poll, per fan-out, per
    idle run of each scheduled job, per escalation run with an incident due."""
    from chalicelib.adapters.dynamo.mentions import _mention_item
    from chalicelib.services.alerts import deliver_pending
    from chalicelib.services.collect import collect_source, fan_out
    from chalicelib.services.incidents import escalate
    from chalicelib.services.ingest import ingest

    out: dict[str, Any] = {"jobs": _scheduled_jobs(st)}
    mentions = _live_mentions(templates)
    bare = _bare_write(st, mentions)
    clock = Clock(NOW)
    container = st.container("j-", 3, clock)
    batches = [mentions[i : i + INGEST_BATCH] for i in range(0, len(mentions), INGEST_BATCH)]
    path = _timed(st.meter, lambda: [container.mentions.store_all(batch) for batch in batches])
    out["ingest"] = {
        "mentions": len(mentions),
        "bare_s": bare.wall,
        "path_s": path.wall,
        "bare": _figures(bare, len(mentions)),
        "store_all": _figures(path, len(mentions)),
        "item_bytes": statistics.mean(item_bytes(_mention_item(m).serialize()) for m in mentions),
    }

    enricher = container.enricher
    raws = [r.model_copy(update={"published_at": NOW - timedelta(minutes=3)}) for r in _raws(INGEST_BATCH)]
    source = PageSource("bench-page", raws)

    def poll(at: datetime) -> Callable[[], Any]:
        def work() -> Any:
            clock.now = at
            return collect_source(
                source,
                state=container.state,
                store=lambda page: ingest(page, enricher=enricher, mentions=container.mentions),
                now=at,
            )

        return work

    full = _timed(st.meter, poll(NOW))
    idle = _timed(st.meter, poll(NOW + timedelta(minutes=5)))
    out["poll_page"] = {"fetched": len(raws), **_figures(full)}
    out["poll_idle"] = _figures(idle)

    queue_url = _queue(container, "bench-collect")
    queued = container.settings.model_copy(update={"collect_queue_url": queue_url})
    from chalicelib import deps

    fanning = deps.Container(queued, clock=clock)
    queue = fanning.collect_queue
    assert queue is not None
    sources = [PageSource(f"bench-{i:03d}", []) for i in range(SOURCES)]
    due = _timed(
        st.meter,
        lambda: fan_out(sources, state=fanning.state, queue=queue, now=NOW + timedelta(hours=1)),
    )
    waiting = _timed(
        st.meter,
        lambda: fan_out(sources, state=fanning.state, queue=queue, now=NOW + timedelta(hours=1, minutes=1)),
    )
    out["fan_out_due"] = _figures(due, SOURCES)
    out["fan_out_waiting"] = _figures(waiting, SOURCES)

    brands = [b.id for b in container.playbook.brands]

    def escalation(at: datetime) -> Callable[[], Any]:
        def work() -> Any:
            clock.now = at
            return escalate(
                now=at,
                alerting=container.alerting,
                incidents=container.incidents,
                outbox=container.outbox,
                state=container.state,
                brands=brands,
            )

        return work

    def delivery(at: datetime) -> Callable[[], Any]:
        return lambda: deliver_pending(outbox=container.outbox, notifier=container.notifier, now=at)

    out["escalate_idle"] = _figures(_timed(st.meter, escalation(NOW)))
    out["deliver_idle"] = _figures(_timed(st.meter, delivery(NOW)))
    opened = _storm(container, templates, "mueller", NOW + timedelta(minutes=10))
    out["storm"] = opened
    out["storm_deliver"] = _figures(_timed(st.meter, delivery(NOW + timedelta(minutes=10))))
    later = NOW + timedelta(minutes=40)
    out["escalate_due"] = _figures(_timed(st.meter, escalation(later)))
    out["escalate_due_deliver"] = _figures(_timed(st.meter, delivery(later)))
    return out


def _scheduled_jobs(st: Stack) -> dict[str, Any]:
    """The scheduled handlers as Lambda runs them (3 brands, warm, nothing to do): their whole run,
    on tables of their own with nothing open or pending."""
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    clock = Clock(NOW)
    container = st.container("k-", 3, clock)
    scheduler = Scheduler(chalice_app.app, REGION, on_error=lambda *_: None)
    found: dict[str, Any] = {}
    for offset, name in enumerate(
        ("evaluate_rules", "evaluate_rules", "deliver_alerts", "escalate_incidents")
    ):
        clock.now = NOW - timedelta(minutes=9 - offset)
        run = _timed(st.meter, lambda name=name: scheduler.invoke(name))  # type: ignore[misc]
        found[name] = {"brands": len(container.playbook.brands), **_figures(run)}
    return found


def _storm(container: Any, templates: dict[str, Any], brand: str, at: datetime) -> dict[str, Any]:
    """30 alarming mentions in a few minutes, then the rules: an incident opens, its alerts queue."""
    from chalicelib.domain.models import Author, RawMention
    from chalicelib.services.evaluate import evaluate_brand
    from chalicelib.services.ingest import ingest

    container.clock.now = at
    storm = [
        RawMention(
            platform="x",
            native_id=f"storm-{brand}-{at:%H%M}-{i}",
            brand=brand,
            text="Mein Spülmeister 3000 von Müller hat gebrannt, Rauch in der Küche! Das ist gefährlich. "
            "#Rückruf",
            published_at=at - timedelta(seconds=9 * i),
            author=Author(handle=f"@kunde{i}", followers=200),
            reach=200,
        )
        for i in range(30)
    ]
    ingest(storm, enricher=container.enricher, mentions=container.mentions)
    brand_config = next(b for b in container.playbook.brands if b.id == brand)
    result = evaluate_brand(
        brand_config,
        now=at,
        playbook=container.playbook,
        ports=container.ports,
        config=container.detector_config,
        alerting=container.alerting,
    )
    return {"opened": result.opened, "raised": result.raised}


def _seed_mentions(mentions: list[Any]) -> None:
    """Mentions straight into moto's backend (setup: the API reads them, nothing counts them)."""
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.adapters.dynamo.mentions import _mention_item
    from chalicelib.local.emulator import ACCOUNT_ID

    backend = dynamodb_backends[ACCOUNT_ID][REGION]
    for mention in mentions:
        item = _mention_item(mention)
        backend.put_item(item.Meta.table_name, item.serialize())


# --- the API ------------------------------------------------------------------------------------------


def api_latency(st: Stack, templates: dict[str, Any]) -> dict[str, Any]:
    """The local server (as `make run` serves the app) on DynamoDB in moto, seeded with a month of
    mentions for three brands, incidents opened by the rules and their alerts delivered."""
    import app as chalice_app
    from chalicelib.domain.models import Role
    from chalicelib.local.emulator import free_port
    from chalicelib.local.server import LocalServer
    from chalicelib.services.alerts import deliver_pending
    from chalicelib.services.auth import clear_cache, create_key

    clock = Clock(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    container = st.container("a-", 3, clock)
    mentions = list(_mentions(API_MENTIONS, templates))
    _seed_mentions(mentions)
    incidents = []
    for day, brand in enumerate(brand_ids(3)):
        at = clock.now - timedelta(days=3 - day)
        incidents += _storm(container, templates, brand, at)["opened"]
        deliver_pending(outbox=container.outbox, notifier=container.notifier, now=at)
    clock.now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    clear_cache()
    _, key = create_key(
        name="bench", role=Role.VIEWER, keys=container.api_keys, now=clock.now, created_by="bench"
    )
    incident = incidents[0] if incidents else "none"
    routes = {
        "/health": "/health",
        "/incidents": "/incidents",
        "/incidents/{id}": f"/incidents/{incident}",
        "/mentions": "/mentions?brand=mueller",
        "/alerts": "/alerts",
        "/alerts?incident_id": f"/alerts?incident_id={incident}",
    }
    server = LocalServer(chalice_app.app, "127.0.0.1", free_port(), stage="test").start()
    results: dict[str, Any] = {"incidents": len(incidents), "mentions": len(mentions)}
    try:
        for name, path in routes.items():
            request = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {key}"})
            with urllib.request.urlopen(request, timeout=30) as response:  # warm-up, and check it answers
                status, body = response.status, response.read()
            samples: list[float] = []
            count = DETAIL_REQUESTS if "{id}" in name else API_REQUESTS
            with st.meter.measure() as tally:
                for _ in range(count):
                    began = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                    samples.append((time.perf_counter() - began) * 1000)
            ordered = sorted(samples)
            results[name] = {
                "status": status,
                "bytes": len(body),
                "p50": statistics.median(ordered),
                "p95": ordered[int(0.95 * len(ordered)) - 1],
                "requests_made": count,
                **tally.scaled(count),
            }
    finally:
        server.stop()
    return results


# --- the run ------------------------------------------------------------------------------------------

_LATEST: dict[str, Any] | None = None
# The last run's figures, so that `python -m tests.bench.cost SAVED` can price them again.
SAVED = Path(tempfile.gettempdir()) / "krisenradar-scale-latest.json"


def _progress(what: str, began: float) -> None:
    print(f"scale bench: {what} ({time.perf_counter() - began:,.0f} s)", file=sys.stderr, flush=True)


def measure() -> dict[str, Any]:
    """Every figure of the scale bench, one moto server; kept for tests/bench/cost.py in the same run."""
    global _LATEST
    began = time.perf_counter()
    with stack() as st:
        _progress("analyzer templates", began)
        templates = _child_templates()
        results: dict[str, Any] = {"rules": []}
        for count in BRAND_COUNTS:
            _progress(f"rules, {count} brands", began)
            results["rules"].append(rules_row(st, count))
        _progress("ingest, collect, jobs", began)
        results.update(jobs_and_ingest(st, templates))
        _progress("API", began)
        results["api"] = api_latency(st, templates)
    results["seconds"] = time.perf_counter() - began
    _LATEST = results
    SAVED.write_text(json.dumps(results, default=str), encoding="utf-8")
    return results


def latest() -> dict[str, Any]:
    return _LATEST if _LATEST is not None else measure()


def _ops(figures: dict[str, Any]) -> str:
    parts = [f"{op.split(':', 1)[1]} {n:.3g}" for op, n in figures["requests"].items()]
    return ", ".join(parts) or "none"


def report(results: dict[str, Any]) -> None:
    rows = results["rules"]
    base = rows[0]
    print("## Scale: the rules job per brand, DynamoDB on moto server (one run)\n")
    print(
        "| brands | measured | kind | CPU ms (median) | CPU × 1 brand | wall ms | requests | WRU | RRU "
        "| requests by operation |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        for kind, label in (
            ("first", "first run"),
            ("new_bucket", "warm, new bucket"),
            ("same_bucket", "warm, same bucket"),
        ):
            figures = row[kind]
            print(
                f"| {row['brands']} | {row['measured']} | {label} | {figures['cpu_ms']:.1f} "
                f"| {figures['cpu_ms'] / base[kind]['cpu_ms']:.2f} | {figures['wall_ms']:.1f} "
                f"| {figures['total']:.2f} | {figures['wru']:.2f} | {figures['rru']:.2f} | {_ops(figures)} |"
            )
    sampled = [row["brands"] for row in rows if row["measured"] < row["brands"]]
    print(
        f"\nEach measured brand has a week of 5-minute buckets ({MEAN_PER_BUCKET:g} mentions a bucket on "
        f"average, a daily rhythm; {rows[-1]['buckets']:,} bucket items for {rows[-1]['measured']} brands), "
        "written into moto before the row; the other brands are in the playbook only. CPU: the calling "
        "thread's CPU time (`time.thread_time`, not `process_time`: moto's server runs in this process). "
        f"`evaluate_brand` is called for each measured brand: first run (no detector state: it learns "
        f"the baseline from the stored week), then warm at +5 min (one new completed bucket) and +6 min "
        f"(the same bucket, as 4 of 5 runs of a 1-minute schedule)."
        + (
            f" With {', '.join(map(str, sampled))} brands a fixed random sample of {SAMPLE} is measured: "
            "a first run takes 2-10 s of wall time on moto (its Query of a week of buckets), so all 200 "
            "would take about half an hour; the per-brand work does not depend on the other brands (each "
            "brand is its own partition and its own state item)."
            if sampled
            else ""
        )
    )
    ingest = results["ingest"]
    bare_rate, path_rate = ingest["mentions"] / ingest["bare_s"], ingest["mentions"] / ingest["path_s"]
    print("\n## Ingest and the jobs: AWS requests per unit of work\n")
    print("| unit | requests | WRU | RRU | requests by operation |")
    print("|---|---:|---:|---:|---|")
    units = (
        ("stored mention, bare `BatchWriteItem`", ingest["bare"]),
        (f"stored mention, `store_all` (batches of {INGEST_BATCH})", ingest["store_all"]),
        (f"collect poll, a page of {INGEST_BATCH} raw mentions", results["poll_page"]),
        ("collect poll, nothing new", results["poll_idle"]),
        ("fan-out, per due source", results["fan_out_due"]),
        ("fan-out, per source already queued", results["fan_out_waiting"]),
        ("escalation run, nothing open", results["escalate_idle"]),
        ("escalation run, one incident due", results["escalate_due"]),
        ("delivery run, nothing pending", results["deliver_idle"]),
        ("delivery run, a new incident's alerts", results["storm_deliver"]),
        *(
            (f"scheduled `{name}` ({figures['brands']} brands, warm)", figures)
            for name, figures in results["jobs"].items()
        ),
    )
    for name, figures in units:
        print(
            f"| {name} | {figures['total']:.2f} | {figures['wru']:.2f} | {figures['rru']:.2f} | {_ops(figures)} |"
        )
    print(
        f"\nIngest rate on moto: bare {bare_rate:,.0f} mentions/s, `store_all` {path_rate:,.0f} mentions/s: "
        f"bare / path {bare_rate / path_rate:.2f}× ({ingest['mentions']:,} mentions; the larger backlog and "
        f"its budget are in `python -m tests.bench ingest_path`). Billed units: "
        f"{ingest['store_all']['wru'] / ingest['bare']['wru']:.2f}× the bare write's WRU per mention. "
        f"Storm: {results['storm']}."
    )
    api = results["api"]
    health = api["/health"]
    print(
        f"\n## API latency: local server on DynamoDB in moto, {API_REQUESTS} sequential requests a route "
        f"({DETAIL_REQUESTS} for the incident page)\n\n"
        f"({api['mentions']:,} mentions over 3 brands and a month, {api['incidents']} incidents opened by the "
        "rules, their alerts delivered; a viewer's API key)\n"
    )
    print(
        "| route | status | p50 ms | p95 ms | p50 × /health | p95 × /health | AWS requests per call | RRU per call "
        "| by operation |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, figures in api.items():
        if not isinstance(figures, dict):
            continue
        print(
            f"| `{name}` | {figures['status']} | {figures['p50']:.1f} | {figures['p95']:.1f} "
            f"| {figures['p50'] / health['p50']:.1f} | {figures['p95'] / health['p95']:.1f} "
            f"| {figures['total']:.2f} | {figures['rru']:.2f} | {_ops(figures)} |"
        )
    print(f"\nTotal: {results['seconds']:,.0f} s.")


def run() -> None:
    report(measure())


if __name__ == "__main__":
    run()
