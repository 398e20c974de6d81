"""The sources as people see them: each configured source with its health (`GET /sources`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.playbook import SourceConfig
from chalicelib.domain.sources import SourceHealth
from chalicelib.ports import StateRepository
from chalicelib.services.collect import read_healths


@dataclass(frozen=True)
class SourceStatus:
    config: SourceConfig
    health: SourceHealth
    stored_24h: int


def source_statuses(
    configs: Sequence[SourceConfig], *, state: StateRepository, now: datetime
) -> list[SourceStatus]:
    """Every configured source's health in one `get_many`, in playbook order."""
    healths = read_healths(state, [config.id for config in configs])
    return [
        SourceStatus(config, healths[config.id], healths[config.id].stored_last_24h(now))
        for config in configs
    ]
