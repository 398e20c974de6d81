"""The sources as people see them: each configured source with its health (`GET /sources`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.playbook import SourceConfig
from chalicelib.domain.sources import SourceHealth
from chalicelib.ports import StateRepository
from chalicelib.services.collect import read_health


@dataclass(frozen=True)
class SourceStatus:
    config: SourceConfig
    health: SourceHealth
    stored_24h: int


def source_statuses(
    configs: Sequence[SourceConfig], *, state: StateRepository, now: datetime
) -> list[SourceStatus]:
    """One key read per configured source (a company has a few dozen at most), in playbook order."""
    statuses = []
    for config in configs:
        health = read_health(state, config.id)
        statuses.append(SourceStatus(config, health, health.stored_last_24h(now)))
    return statuses
