"""Run every due source once: fetch, store, and only then advance the source's cursor.

A failing source is logged and counted; the others carry on. A cursor that does not advance means
the next run fetches the same page again, and idempotent storage turns that into duplicates, not loss.
A rate limit (`RateLimited`) stops the source for this run and holds it until the platform's reset; a
configuration error (`SourceMisconfigured`: 401/403, missing credentials) is counted apart and tried
again at the source's next poll. Every run updates the source's health (domain/sources.py), which
also says when the source last ran well and so when it is due again; the cursor document is written
only when the cursor moved, so a poll that finds nothing new writes the small health document alone.

In AWS `fan_out` sends one unit per due source to the collect queue and a worker runs `collect` on
that one source; on one machine `collect` runs them all, least recently run first, within the time
the invocation has left.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.errors import RateLimited, SourceMisconfigured, SourceUnavailable
from chalicelib.domain.sources import ErrorKind, SourceHealth, after_failure, after_success
from chalicelib.observability import logger
from chalicelib.ports import Source, StateRepository, WorkQueue
from chalicelib.services.ingest import IngestResult

MAX_PAGES_PER_RUN = 10
# A source is started only with this much of the run left: one platform call may take ~25 s
# (PlatformHttp's budget) plus the store. The rest wait for the next run, least recently run first.
MIN_SECONDS_TO_START = 30.0
# A queued unit whose source has not run in this time (its message lost, its worker dead) is sent again.
QUEUED_SECONDS = 300


@dataclass
class SourceRun:
    source_id: str
    fetched: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    error: str | None = None
    error_kind: ErrorKind | None = None
    skipped_not_due: bool = False
    held_until: datetime | None = None  # skipped: rate-limited or misconfigured until then
    deferred: bool = False  # skipped: too little of the run was left to start it


@dataclass
class CollectReport:
    runs: list[SourceRun] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(run.result.stored for run in self.runs)

    @property
    def failed(self) -> list[str]:
        """Sources that failed; a rate limit is the platform asking us to wait, not a failure."""
        return [run.source_id for run in self.runs if run.error and run.error_kind != "rate_limited"]

    @property
    def misconfigured(self) -> list[str]:
        return [run.source_id for run in self.runs if run.error_kind == "misconfigured"]

    @property
    def rate_limited(self) -> list[str]:
        return [run.source_id for run in self.runs if run.error_kind == "rate_limited"]

    @property
    def deferred(self) -> list[str]:
        return [run.source_id for run in self.runs if run.deferred]

    @property
    def attempted(self) -> int:
        return sum(1 for run in self.runs if not run.skipped_not_due)


def cursor_key(source_id: str) -> str:
    return f"cursor#{source_id}"


def health_key(source_id: str) -> str:
    return f"health#{source_id}"


def read_health(state: StateRepository, source_id: str) -> SourceHealth:
    return _health(state.get(health_key(source_id)), source_id)


def read_healths(state: StateRepository, source_ids: Sequence[str]) -> dict[str, SourceHealth]:
    """The health of each source, all read in one `get_many`."""
    saved = state.get_many([health_key(source_id) for source_id in source_ids])
    return {source_id: _health(saved.get(health_key(source_id)), source_id) for source_id in source_ids}


def _health(saved: dict[str, Any] | None, source_id: str) -> SourceHealth:
    return SourceHealth.model_validate({**(saved or {}), "source_id": source_id})


def _is_due(health: SourceHealth | None, poll_seconds: int, now: datetime) -> bool:
    """Due when its poll interval has passed since its last successful run (the health document, which
    every run writes, says when; the cursor document is written only when the cursor moves)."""
    if health is None or health.last_success_at is None:
        return True
    return now - health.last_success_at >= timedelta(seconds=poll_seconds) - timedelta(seconds=5)


def collect_source(
    source: Source,
    *,
    state: StateRepository,
    store: Callable[[list[Any]], IngestResult],
    now: datetime,
    run: SourceRun | None = None,
    health: SourceHealth | None = None,
) -> SourceRun:
    """Fetch and store page after page; `run` keeps what was stored when a later page fails. The
    cursor is written only when it moved: a poll that finds nothing new (a 304) writes no cursor."""
    run = run or SourceRun(source.source_id)
    if not _is_due(health, source.poll_seconds, now):
        run.skipped_not_due = True
        return run
    saved: dict[str, Any] | None = (state.get(cursor_key(source.source_id)) or {}).get("cursor")
    cursor = saved
    for _ in range(MAX_PAGES_PER_RUN):
        # A copy: a source that changed the cursor it was given in place would hide the change.
        page = source.fetch(copy.deepcopy(cursor), now)
        run.fetched += len(page.mentions)
        run.result.add(store(page.mentions))
        cursor = page.cursor
        if cursor != saved:
            # Stored first, cursor second: a crash in between re-reads the page, it never skips it.
            state.put(cursor_key(source.source_id), {"cursor": cursor})
            saved = cursor
        if page.exhausted:
            break
    return run


def _run_one(
    source: Source,
    *,
    state: StateRepository,
    store: Callable[[list[Any]], IngestResult],
    now: datetime,
    health: SourceHealth | None,
) -> SourceRun:
    run = SourceRun(source.source_id)
    retry_after: float | None = None
    try:
        collect_source(source, state=state, store=store, now=now, run=run, health=health)
    except RateLimited as error:  # the cursor stays where the last stored page left it
        run.error, run.error_kind, retry_after = error.message, "rate_limited", error.retry_after
        logger.warning("source rate limited", source=source.source_id, retry_after=retry_after)
    except SourceMisconfigured as error:
        run.error, run.error_kind = error.message, "misconfigured"
        logger.error("source misconfigured", source=source.source_id, error=error.message)
    except SourceUnavailable as error:
        run.error, run.error_kind = error.message, "unavailable"
        logger.warning("source unavailable", source=source.source_id, error=error.message)
    except Exception as error:  # one broken platform must not stop the others
        run.error, run.error_kind = type(error).__name__, "failed"
        logger.exception("source failed", source=source.source_id)
    if not run.skipped_not_due:
        _record_health(source, run, state=state, now=now, retry_after=retry_after)
    return run


def _record_health(
    source: Source, run: SourceRun, *, state: StateRepository, now: datetime, retry_after: float | None
) -> None:
    try:
        health = read_health(state, source.source_id)
        if run.error_kind is None:
            health = after_success(
                health, now=now, stored=run.result.stored, poll_seconds=source.poll_seconds
            )
        else:
            health = after_failure(
                health,
                now=now,
                stored=run.result.stored,
                poll_seconds=source.poll_seconds,
                kind=run.error_kind,
                message=run.error or run.error_kind,
                retry_after=retry_after,
            )
        state.put(health_key(source.source_id), health.model_dump(mode="json"))
    except Exception:  # health is for people to look at; losing one update must not fail the run
        logger.exception("source health not recorded", source=source.source_id)


def collect(
    sources: Sequence[Source],
    *,
    state: StateRepository,
    store: Callable[[list[Any]], IngestResult],
    now: datetime,
    seconds_left: Callable[[], float] | None = None,
) -> CollectReport:
    """Run each due source once, the least recently run first; `seconds_left` (the Lambda's remaining
    time) defers the sources that could not finish in this run to the next one."""
    report = CollectReport()
    healths = _healths_or_none(state, [source.source_id for source in sources])
    for source in sorted(sources, key=lambda s: _last_run(healths[s.source_id])):
        health = healths[source.source_id]
        if health is not None and health.held(now):
            report.runs.append(
                SourceRun(source.source_id, skipped_not_due=True, held_until=health.not_before)
            )
            continue
        if seconds_left is not None and seconds_left() < MIN_SECONDS_TO_START:
            due = _is_due(health, source.poll_seconds, now)
            report.runs.append(SourceRun(source.source_id, skipped_not_due=True, deferred=due))
            continue
        run = _run_one(source, state=state, store=store, now=now, health=health)
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


def queued_key(source_id: str) -> str:
    return f"queued#{source_id}"


def fan_out(
    sources: Sequence[Source], *, state: StateRepository, queue: WorkQueue, now: datetime
) -> list[str]:
    """Send one unit per due source to the collect worker, least recently run first; returns their ids.

    Due: not held by a rate limit or a configuration error, its poll interval over, and not already
    waiting (a unit that no run picked up within QUEUED_SECONDS is sent again). A unit sent twice is
    harmless: the worker checks again whether its source is due, and storage is idempotent.

    Every source's health is read in one `get_many`, then the queued marks of the sources whose interval
    is over in another (most sources are not due in a given minute: their marks are not read and billed),
    and the marks of the units sent are written in one `put_many` after the send (a mark without its
    message would hold a source back)."""
    ids = [source.source_id for source in sources]
    saved = state.get_many([health_key(source_id) for source_id in ids])
    healths = {source_id: _health_or_none(saved.get(health_key(source_id)), source_id) for source_id in ids}
    candidates = [
        source.source_id
        for source in sorted(sources, key=lambda s: _last_run(healths[s.source_id]))
        if _ready(healths[source.source_id], source.poll_seconds, now)
    ]
    queued = state.get_many([queued_key(source_id) for source_id in candidates]) if candidates else {}
    due = [
        source_id
        for source_id in candidates
        if not _waiting(queued.get(queued_key(source_id)), healths[source_id], now)
    ]
    if due:
        queue.send([{"source_id": source_id, "queued_at": now.isoformat()} for source_id in due])
        state.put_many({queued_key(source_id): {"queued_at": now.isoformat()} for source_id in due})
    return due


def _ready(health: SourceHealth | None, poll_seconds: int, now: datetime) -> bool:
    """Not held by a rate limit or a configuration error, and its poll interval over."""
    return not (health is not None and health.held(now)) and _is_due(health, poll_seconds, now)


def _waiting(queued: dict[str, Any] | None, health: SourceHealth | None, now: datetime) -> bool:
    if not queued or "queued_at" not in queued:
        return False
    queued_at = datetime.fromisoformat(queued["queued_at"])
    ran_since = health is not None and health.last_run_at is not None and health.last_run_at >= queued_at
    return not ran_since and now - queued_at < timedelta(seconds=QUEUED_SECONDS)


def _healths_or_none(state: StateRepository, source_ids: Sequence[str]) -> dict[str, SourceHealth | None]:
    try:
        saved = state.get_many([health_key(source_id) for source_id in source_ids])
    except Exception:  # unreadable health documents hold nothing back
        logger.exception("source health not read", sources=len(source_ids))
        return dict.fromkeys(source_ids)
    return {
        source_id: _health_or_none(saved.get(health_key(source_id)), source_id) for source_id in source_ids
    }


def _health_or_none(saved: dict[str, Any] | None, source_id: str) -> SourceHealth | None:
    try:
        return _health(saved, source_id)
    except Exception:  # an unreadable health document holds nothing back
        logger.exception("source health not read", source=source_id)
        return None


def _last_run(health: SourceHealth | None) -> datetime:
    return health.last_run_at if health and health.last_run_at else datetime.min.replace(tzinfo=UTC)
