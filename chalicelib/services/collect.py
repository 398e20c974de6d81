"""Run every due source once: fetch, store, and only then advance the source's cursor.

A failing source is logged and counted; the others carry on. A cursor that does not advance means
the next run fetches the same page again, and idempotent storage turns that into duplicates, not loss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.errors import SourceUnavailable
from chalicelib.observability import logger
from chalicelib.ports import Source, StateRepository
from chalicelib.services.ingest import IngestResult

MAX_PAGES_PER_RUN = 10


@dataclass
class SourceRun:
    source_id: str
    fetched: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    error: str | None = None
    skipped_not_due: bool = False


@dataclass
class CollectReport:
    runs: list[SourceRun] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(run.result.stored for run in self.runs)

    @property
    def failed(self) -> list[str]:
        return [run.source_id for run in self.runs if run.error]

    @property
    def attempted(self) -> int:
        return sum(1 for run in self.runs if not run.skipped_not_due)


def cursor_key(source_id: str) -> str:
    return f"cursor#{source_id}"


def _is_due(state: dict[str, Any] | None, poll_seconds: int, now: datetime) -> bool:
    if not state or "polled_at" not in state:
        return True
    last = datetime.fromisoformat(state["polled_at"])
    return now - last >= timedelta(seconds=poll_seconds) - timedelta(seconds=5)


def collect_source(
    source: Source,
    *,
    state: StateRepository,
    store: Callable[[list[Any]], IngestResult],
    now: datetime,
) -> SourceRun:
    run = SourceRun(source.source_id)
    saved = state.get(cursor_key(source.source_id))
    if not _is_due(saved, source.poll_seconds, now):
        run.skipped_not_due = True
        return run
    cursor: dict[str, Any] | None = (saved or {}).get("cursor")
    for _ in range(MAX_PAGES_PER_RUN):
        page = source.fetch(cursor, now)
        run.fetched += len(page.mentions)
        run.result.add(store(page.mentions))
        cursor = page.cursor
        # Stored first, cursor second: a crash in between re-reads the page, it never skips it.
        state.put(cursor_key(source.source_id), {"cursor": cursor, "polled_at": now.isoformat()})
        if page.exhausted:
            break
    return run


def collect(
    sources: Sequence[Source],
    *,
    state: StateRepository,
    store: Callable[[list[Any]], IngestResult],
    now: datetime,
) -> CollectReport:
    report = CollectReport()
    for source in sources:
        try:
            run = collect_source(source, state=state, store=store, now=now)
        except SourceUnavailable as error:
            run = SourceRun(source.source_id, error=error.message)
            logger.warning("source unavailable", source=source.source_id, error=error.message)
        except Exception as error:  # one broken platform must not stop the others
            run = SourceRun(source.source_id, error=type(error).__name__)
            logger.exception("source failed", source=source.source_id)
        report.runs.append(run)
        if not run.skipped_not_due and not run.error:
            logger.info(
                "source collected",
                source=source.source_id,
                fetched=run.fetched,
                stored=run.result.stored,
                duplicates=run.result.duplicates,
            )
    return report
