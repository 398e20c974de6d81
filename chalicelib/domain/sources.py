"""A source's health: when it ran, when it last worked, what went wrong, when it runs next.

The collector keeps one small document per source in the state store (`health#<source id>`) and
updates it after every run; `GET /sources` and `cli sources` read it. Mentions stored in the last
24 hours are counted per hour in the same document, so showing them costs one read per source and
no query over the mentions. Two overlapping runs of one source may both update the document; the
later write wins, which can drop one run's count from the hourly tally (display only: the mentions
themselves are stored exactly once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ErrorKind = Literal["unavailable", "rate_limited", "misconfigured", "failed"]
HOURS_KEPT = 25
# A transient failure is retried at the next scheduled run, one minute later.
SCHEDULE_SECONDS = 60


def _hour(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H")


class SourceHealth(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    source_id: str
    poll_seconds: int | None = None
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_kind: ErrorKind | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    # Not before this moment (a rate limit's reset, or a misconfigured source's next poll).
    not_before: datetime | None = None
    next_run_at: datetime | None = None
    stored_by_hour: dict[str, int] = Field(default_factory=dict)

    def held(self, now: datetime) -> bool:
        """The source must wait (rate limit or configuration error) and is skipped in this run."""
        return self.not_before is not None and now < self.not_before

    def stored_last_24h(self, now: datetime) -> int:
        """Mentions stored in this hour and the 23 before it."""
        first = _hour(now - timedelta(hours=23))
        return sum(count for hour, count in self.stored_by_hour.items() if hour >= first)


def _tally(health: SourceHealth, now: datetime, stored: int) -> dict[str, int]:
    oldest = _hour(now - timedelta(hours=HOURS_KEPT))
    hours = {hour: count for hour, count in health.stored_by_hour.items() if hour >= oldest}
    if stored:
        hours[_hour(now)] = hours.get(_hour(now), 0) + stored
    return hours


def after_success(health: SourceHealth, *, now: datetime, stored: int, poll_seconds: int) -> SourceHealth:
    return health.model_copy(
        update={
            "poll_seconds": poll_seconds,
            "last_run_at": now,
            "last_success_at": now,
            "consecutive_failures": 0,
            "not_before": None,
            "next_run_at": now + timedelta(seconds=poll_seconds),
            "stored_by_hour": _tally(health, now, stored),
        }
    )


def after_failure(
    health: SourceHealth,
    *,
    now: datetime,
    stored: int,
    poll_seconds: int,
    kind: ErrorKind,
    message: str,
    retry_after: float | None = None,
) -> SourceHealth:
    """A rate limit holds the source until the platform's reset (or its next poll, when the platform
    did not say); a configuration error until its next poll; anything else retries next minute."""
    if kind == "rate_limited":
        wait = retry_after if retry_after is not None else poll_seconds
        not_before: datetime | None = now + timedelta(seconds=max(wait, SCHEDULE_SECONDS))
    elif kind == "misconfigured":
        not_before = now + timedelta(seconds=max(poll_seconds, SCHEDULE_SECONDS))
    else:
        not_before = None
    return health.model_copy(
        update={
            "poll_seconds": poll_seconds,
            "last_run_at": now,
            "last_error": message[:500],
            "last_error_kind": kind,
            "last_error_at": now,
            "consecutive_failures": health.consecutive_failures + 1,
            "not_before": not_before,
            "next_run_at": not_before or now + timedelta(seconds=SCHEDULE_SECONDS),
            "stored_by_hour": _tally(health, now, stored),
        }
    )
