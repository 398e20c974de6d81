"""Collection faults and health: a rate limit holds a source until the platform's reset with its
cursor kept, a refused token waits for the next poll, and each run leaves the source's health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.errors import RateLimited, SourceMisconfigured
from chalicelib.domain.sources import SourceHealth, after_success
from chalicelib.ports import FetchResult
from chalicelib.services.collect import collect, cursor_key, read_health
from chalicelib.services.ingest import IngestResult
from tests.factories import raw_mention
from tests.fakes import MemoryState, ScriptedSource, unavailable

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)


def store(raws: list) -> IngestResult:
    return IngestResult(stored=len(raws))


def test_a_rate_limit_keeps_the_stored_pages_cursor_and_holds_the_source_until_the_reset() -> None:
    # Given a source whose second page is refused with 429 and a reset in 15 minutes
    source = ScriptedSource(
        "x-mueller", [[raw_mention(at=NOW)], RateLimited("429", retry_after=900), [raw_mention(at=NOW)]]
    )
    state = MemoryState()

    # When it runs
    report = collect([source], state=state, store=store, now=NOW)

    # Then the first page counts, the cursor stands after it, and the rate limit is no failure
    assert report.stored == 1 and report.failed == [] and report.rate_limited == ["x-mueller"]
    assert state.get(cursor_key("x-mueller"))["cursor"] == {"page": 1}
    health = read_health(state, "x-mueller")
    assert health.last_error_kind == "rate_limited" and health.not_before == NOW + timedelta(seconds=900)

    # And runs before the reset leave the platform alone, the first one after it goes on from page 2
    collect([source], state=state, store=store, now=NOW + timedelta(minutes=14))
    assert len(source.calls) == 2
    collect([source], state=state, store=store, now=NOW + timedelta(minutes=15))
    assert source.calls[-1] == {"page": 1} and len(source.calls) == 3


def test_a_refused_token_is_counted_as_misconfigured_and_waits_for_the_next_poll() -> None:
    source = ScriptedSource("fb-mueller", [SourceMisconfigured("401")], poll_seconds=600)
    state = MemoryState()

    report = collect([source], state=state, store=store, now=NOW)
    collect([source], state=state, store=store, now=NOW + timedelta(minutes=5))

    assert report.failed == ["fb-mueller"] and report.misconfigured == ["fb-mueller"]
    assert len(source.calls) == 1  # not hammered every minute with a bad token
    assert read_health(state, "fb-mueller").next_run_at == NOW + timedelta(minutes=10)


def test_a_transient_failure_is_retried_at_the_next_scheduled_run() -> None:
    source = ScriptedSource("feed", [unavailable("HTTP 503")], poll_seconds=600)
    state = MemoryState()

    collect([source], state=state, store=store, now=NOW)
    collect([source], state=state, store=store, now=NOW + timedelta(minutes=1))

    assert len(source.calls) == 2
    health = read_health(state, "feed")
    assert health.consecutive_failures == 2 and health.last_error == "HTTP 503"


class OnePagePerRun:
    """Each run gets the next prepared answer, whatever the cursor."""

    slug = "scripted"
    source_id = "feed"
    poll_seconds = 300

    def __init__(self, answers: list[int | Exception]) -> None:
        self._answers = answers

    def fetch(self, cursor: dict | None, now: datetime) -> FetchResult:
        answer = self._answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return FetchResult([raw_mention(at=now) for _ in range(answer)], {"seen": answer})


def test_health_shows_last_run_success_error_and_mentions_of_the_last_24_hours() -> None:
    # Given a source that stored mentions yesterday morning, two hours ago and now, then failed
    state = MemoryState()
    source = OnePagePerRun([2, 3, 1, unavailable("HTTP 502")])
    for moment in (NOW - timedelta(hours=30), NOW - timedelta(hours=2), NOW, NOW + timedelta(minutes=6)):
        collect([source], state=state, store=store, now=moment)

    # Then its health has the last run, the last success, the error and 4 mentions in 24 hours
    health = read_health(state, "feed")
    assert health.last_run_at == NOW + timedelta(minutes=6) and health.last_success_at == NOW
    assert health.last_error_kind == "unavailable" and health.last_error == "HTTP 502"
    assert health.stored_last_24h(NOW + timedelta(minutes=6)) == 4
    assert health.next_run_at == NOW + timedelta(minutes=7)


def test_hourly_counts_older_than_a_day_fall_away() -> None:
    health = SourceHealth(source_id="feed")
    health = after_success(health, now=NOW - timedelta(hours=26), stored=5, poll_seconds=60)
    health = after_success(health, now=NOW, stored=1, poll_seconds=60)
    assert health.stored_last_24h(NOW) == 1 and len(health.stored_by_hour) == 1


def test_sources_that_could_not_finish_wait_for_the_next_run_and_then_go_first() -> None:
    # Given three due sources and a run with time for only the first one
    state = MemoryState()
    sources = [ScriptedSource(name, [[raw_mention(at=NOW)]]) for name in ("a", "b", "c")]
    left = iter([45.0, 20.0, 10.0])

    # When the collector runs
    report = collect(sources, state=state, store=store, now=NOW, seconds_left=lambda: next(left))

    # Then one source ran, the others are deferred (neither failed nor attempted)
    assert report.stored == 1 and report.deferred == ["b", "c"] and report.failed == []
    assert report.attempted == 1

    # And in the next run the deferred ones go first, before the one that ran
    later = NOW + timedelta(minutes=1)
    second = collect(
        sources, state=state, store=store, now=later, seconds_left=iter([45.0, 45.0, 5.0]).__next__
    )
    assert [run.source_id for run in second.runs if not run.skipped_not_due] == ["b", "c"]
