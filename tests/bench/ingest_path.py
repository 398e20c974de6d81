"""Ingest path: `python -m tests.bench ingest_path`.

A backlog of raw mentions against DynamoDB on one moto server, in four parts measured apart:

- bare `BatchWriteItem` of the enriched mentions into empty tables of the same schema, the floor no
  store path can beat: from the same mentions store_all receives (the budget's reference), and once
  more with the items built before the clock starts (stricter, shown beside it);
- `DynamoMentionRepository.store_all` of the same enriched mentions, in the pages the collector hands
  it (the relevant mentions of each fetched page of 100): conditional puts plus the page's counter
  sums, one TransactWriteItems per transaction page;
- enrichment alone (relevance filter and analyzer, no I/O);
- the full path, collect → enrich → store, with the cursor writes.

Requests and write units are counted inside moto as it answers (moto's own ConsumedCapacity is a
constant, so the units are computed from item sizes as DynamoDB bills them: 1 write unit per started
KB of item, 2 in a transaction; a put also writes each global secondary index whose keys it carries,
1 unit per started KB of the projected item). One interpreter, one moto server; each figure belongs to
this run only.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.bench.budget import Budget
from tests.bench.store import REGION, _enricher, _raws

# 10,000 raw mentions, of which the shipped relevance filter keeps about half.
BACKLOG = 10_000
PAGE = 100
BUDGET_RATIO = 2.0  # issue 13: the store path within 2x of a bare batch write
KB = 1024


class BacklogSource:
    """A platform with a backlog: pages of raw mentions, the offset as its cursor."""

    slug = "bench"
    source_id = "bench-backlog"
    poll_seconds = 60

    def __init__(self, raws: list[Any]) -> None:
        self._raws = raws

    def fetch(self, cursor: dict[str, Any] | None, now: Any) -> Any:
        from chalicelib.ports import FetchResult

        offset = int((cursor or {}).get("offset", 0))
        page = self._raws[offset : offset + PAGE]
        return FetchResult(page, {"offset": offset + len(page)}, exhausted=offset + PAGE >= len(self._raws))


# --- counting requests and write units inside moto -----------------------------------------------


@dataclass
class Meter:
    requests: Counter[str] = field(default_factory=Counter)
    table_units: float = 0.0
    index_units: float = 0.0
    actions: Counter[str] = field(default_factory=Counter)  # what the transactions held

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


_meter: list[Meter] = []


def _units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def _item_units(backend: Any, table_name: str, attrs: dict[str, Any]) -> tuple[int, int]:
    """Write units of one item in its table and in each global index whose keys it carries (every
    index of ours projects ALL, so the index entry is the item)."""
    from moto.dynamodb.models.dynamo_type import Item

    table = backend.get_table(table_name)
    size = Item(None, None, attrs).size()  # type: ignore[arg-type]
    indexed = sum(
        1 for index in table.global_indexes if all(key["AttributeName"] in attrs for key in index.schema)
    )
    return _units(size), indexed * _units(size)


def _stored_units(backend: Any, table_name: str, key: dict[str, Any]) -> int:
    """An update is billed on the larger of the item before and after; ours only grow (ADD, SET)."""
    item = backend.get_item(table_name, key)
    return _units(item.size() if item is not None else 0)


def _record(backend: Any, action: str, body: dict[str, Any], meter: Meter) -> None:
    meter.requests[action] += 1
    if action == "PutItem":
        table, index = _item_units(backend, body["TableName"], body["Item"])
        meter.table_units += table
        meter.index_units += index
    elif action == "UpdateItem":
        meter.table_units += _stored_units(backend, body["TableName"], body["Key"])
    elif action == "DeleteItem":
        meter.table_units += 1
    elif action == "BatchWriteItem":
        for name, requests in body["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    table, index = _item_units(backend, name, request["PutRequest"]["Item"])
                    meter.table_units += table
                    meter.index_units += index
                else:
                    meter.table_units += 1
    elif action == "TransactWriteItems":
        for entry in body["TransactItems"]:
            kind, op = next(iter(entry.items()))
            meter.actions[f"{kind} {op['TableName'].rsplit('-', 1)[-1]}"] += 1
            if kind == "Put":
                table, index = _item_units(backend, op["TableName"], op["Item"])
            elif kind == "Update":
                table, index = _stored_units(backend, op["TableName"], op["Key"]), 0
            else:
                table, index = 1, 0
            meter.table_units += 2 * table
            meter.index_units += index


def _install_meter() -> None:
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler, "_bench_meter", False):
        return
    original = DynamoHandler.call_action

    def call_action(handler: Any) -> Any:
        response = original(handler)
        if _meter and str(response[0]) == "200":
            _record(handler.dynamodb_backend, handler._get_action(), handler.body, _meter[-1])
        return response

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    DynamoHandler._bench_meter = True  # type: ignore[attr-defined]


@contextmanager
def metered() -> Iterator[Meter]:
    meter = Meter()
    _meter.append(meter)
    try:
        yield meter
    finally:
        _meter.remove(meter)


@dataclass
class Stopwatch:
    seconds: float = 0.0
    cpu: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    """Wall and process CPU seconds. On a shared machine the wall clock also counts other processes'
    turns; the CPU seconds (the client and moto's server thread, both in this process) do not."""
    watch = Stopwatch()
    wall, cpu = time.perf_counter(), time.process_time()
    yield watch
    watch.seconds, watch.cpu = time.perf_counter() - wall, time.process_time() - cpu


# --- the four parts --------------------------------------------------------------------------------


@dataclass
class Part:
    name: str
    mentions: int
    watch: Stopwatch
    meter: Meter
    calls: int = 0

    @property
    def seconds(self) -> float:
        return self.watch.seconds

    def per_mention_vs(self, bare: Part) -> tuple[float, float]:
        """Wall and CPU time per mention, each as a multiple of the bare write's."""
        return (
            self.watch.seconds / self.mentions / (bare.watch.seconds / bare.mentions),
            self.watch.cpu / self.mentions / (bare.watch.cpu / bare.mentions),
        )

    @property
    def rate(self) -> float:
        return self.mentions / self.seconds


def _storage(prefix: str, endpoint: str) -> Any:
    from chalicelib.adapters.dynamo.storage import dynamo_storage
    from chalicelib.config import TABLES

    return dynamo_storage(
        {table: f"{prefix}-{table}" for table in TABLES},
        region=REGION,
        endpoint_url=endpoint,
        bucket_retention_days=400,
        severe_weight=4,
        create_missing=True,
    )


def _rss_mib() -> int:
    with Path("/proc/self/status").open(encoding="ascii") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


def _enrich(raws: list[Any], enricher: Any) -> tuple[Part, list[list[Any]]]:
    """Enrichment alone, page by page as the collector fetches: the pages store_all receives."""
    with stopwatch() as watch:
        pages = [
            [enricher.enrich(raw) for raw in raws[start : start + PAGE] if enricher.is_relevant(raw)]
            for start in range(0, len(raws), PAGE)
        ]
    return Part(
        "enrichment alone (relevance filter, analyzer; no I/O)", sum(map(len, pages)), watch, Meter()
    ), pages


def _bare(mentions: list[Any], endpoint: str, *, prebuilt: bool) -> Part:
    """BatchWriteItem, 25 items a request, into empty tables of the same schema: from the enriched
    mentions as store_all receives them (building each item is part of any write), or, stricter,
    with the items built before the clock starts."""
    from chalicelib.adapters.dynamo.mentions import _mention_item
    from chalicelib.adapters.dynamo.models import MentionItem

    _storage("prebuilt" if prebuilt else "bare", endpoint)
    items = [_mention_item(m) for m in mentions] if prebuilt else []
    with metered() as meter, stopwatch() as watch, MentionItem.batch_write() as batch:
        for item in items or (_mention_item(m) for m in mentions):
            batch.save(item)
    name = "bare `BatchWriteItem`, items built beforehand" if prebuilt else "bare `BatchWriteItem`"
    return Part(name, len(mentions), watch, meter)


def _store(pages: list[list[Any]], endpoint: str) -> Part:
    storage = _storage("store", endpoint)
    stored = 0
    with metered() as meter, stopwatch() as watch:
        for page in pages:
            if page:  # as ingest() calls it
                stored += storage.mentions.store_all(page)
    calls = sum(1 for page in pages if page)
    return Part("`store_all` (page transactions)", stored, watch, meter, calls)


def _collect(raws: list[Any], endpoint: str, enricher: Any) -> Part:
    from chalicelib.services.collect import collect_source
    from chalicelib.services.ingest import ingest

    storage = _storage("path", endpoint)
    source = BacklogSource(raws)
    now = raws[-1].published_at + timedelta(hours=1)
    stored = 0
    with metered() as meter, stopwatch() as watch:
        while True:
            run = collect_source(
                source,
                state=storage.state,
                store=lambda page: ingest(page, enricher=enricher, mentions=storage.mentions),
                now=now,
            )
            stored += run.result.stored
            cursor = (storage.state.get(f"cursor#{source.source_id}") or {}).get("cursor") or {}
            if int(cursor.get("offset", 0)) >= len(raws):
                break
            now += timedelta(seconds=source.poll_seconds)
    return Part("collect → enrich → store (full path)", stored, watch, meter)


def _row(part: Part, bare: Part) -> str:
    n = part.mentions
    wall, cpu = part.per_mention_vs(bare)
    units = (part.meter.table_units + part.meter.index_units) / n
    return (
        f"| {part.name} | {n:,} | {part.seconds:.1f} | {part.watch.cpu:.1f} | {part.rate:,.0f} "
        f"| {wall:.2f}× | {cpu:.2f}× | {part.meter.total_requests / n:.3f} "
        f"| {part.meter.table_units / n:.2f} | {units:.2f} |"
    )


def _breakdown(part: Part) -> str:
    return ", ".join(f"{action} {count:,}" for action, count in sorted(part.meter.requests.items()))


def report(
    parts: dict[str, Part], rss: int, backlog: int = BACKLOG, budget: float = BUDGET_RATIO
) -> list[str]:
    bare, store = parts["bare"], parts["store"]
    lines = [
        f"## Ingest path: a {backlog:,}-mention backlog against DynamoDB on moto server (one run)\n",
        f"(resident memory after all four parts, moto included: {rss:,} MiB)\n",
        "| path | mentions | wall s | CPU s | mentions/s | wall / mention vs bare | CPU / mention vs bare "
        "| requests / mention | write units / mention (table) | write units / mention (with indexes) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_row(parts[key], bare) for key in ("bare", "prebuilt", "store", "enrich", "path") if key in parts),
        "",
    ]
    wall, cpu = store.per_mention_vs(bare)
    verdict = f"within {budget:.0f}×: met" if max(wall, cpu) <= budget else "BUDGET MISSED"
    lines.append(
        f"store_all / bare BatchWriteItem, per mention: {wall:.2f}× wall, {cpu:.2f}× CPU (the budget"
        f" holds both) — {verdict}\n"
    )
    strict_wall, strict_cpu = store.per_mention_vs(parts["prebuilt"])
    lines.append(
        f"(against the bare write with its items built beforehand: {strict_wall:.2f}× wall, "
        f"{strict_cpu:.2f}× CPU)\n"
    )
    for key in ("bare", "store", "path"):
        if key not in parts:
            continue
        lines.append(f"- requests, {parts[key].name}: {_breakdown(parts[key])}")
    actions = store.meter.actions
    transactions = store.meter.requests["TransactWriteItems"]
    if transactions:
        held = ", ".join(f"{action} {count:,}" for action, count in sorted(actions.items()))
        lines.append(
            f"- store_all received {store.mentions / store.calls:.1f} mentions a call (the relevant ones"
            f" of a fetched page of {PAGE}) and wrote them in {transactions / store.calls:.2f} transactions"
            f" a call of {sum(actions.values()) / transactions:.1f} actions on average ({held})"
        )
    return lines


def measure(backlog: int = BACKLOG, run_path: bool = True) -> tuple[dict[str, Part], int]:
    from chalicelib.local.emulator import Emulator, free_port

    enricher = _enricher()
    raws = list(_raws(backlog))
    enrich, pages = _enrich(raws, enricher)
    mentions = [mention for page in pages for mention in page]
    _install_meter()
    emulator = Emulator(free_port(), REGION)
    emulator.start()
    try:
        parts = {
            "enrich": enrich,
            "bare": _bare(mentions, emulator.endpoint, prebuilt=False),
            "prebuilt": _bare(mentions, emulator.endpoint, prebuilt=True),
        }
        parts["store"] = _store(pages, emulator.endpoint)
        if run_path:
            parts["path"] = _collect(raws, emulator.endpoint, enricher)
        rss = _rss_mib()
    finally:
        emulator.stop()
    return parts, rss


def run(backlog: int = BACKLOG, printer: Callable[[str], None] = print) -> list[Budget]:
    parts, rss = measure(backlog)
    for line in report(parts, rss, backlog):
        printer(line)
    wall, cpu = parts["store"].per_mention_vs(parts["bare"])
    return [
        Budget.at_most(
            "store_all / bare BatchWriteItem per mention (worse of wall, CPU)",
            max(wall, cpu),
            BUDGET_RATIO,
            unit="×",
        )
    ]


if __name__ == "__main__":
    run()
