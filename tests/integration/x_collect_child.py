"""A collector process for the fault-injection test: one X source into a SQLite store, through the
real ingest path. The test kills it with SIGKILL while it waits for X's second page.

    python -m tests.integration.x_collect_child DB_PATH BASE_URL NOW_ISO
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.x import XSource
from chalicelib.adapters.sqlite.storage import sqlite_storage
from chalicelib.analysis.analyzer import get_analyzer
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import Source, Storage
from chalicelib.services.collect import CollectReport, collect
from chalicelib.services.ingest import Enricher, ingest
from tests.fakes import StaticSourceSecrets

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")


def store_at(path: Path) -> Storage:
    return sqlite_storage(
        path, bucket_retention_days=400, severe_weight=PLAYBOOK.rules.risk_terms.severe_weight
    )


def x_source(base_url: str) -> Source:
    config = SourceConfig(id="x-mueller", type="x", brand="mueller", options={"base_url": base_url})
    secrets = StaticSourceSecrets({"x": {"bearer_token": "AAAA-test"}})
    return XSource(config, PLAYBOOK.brands[0], httpx.Client(), secrets, sleep=lambda _: None)


def run(storage: Storage, source: Source, now: datetime) -> CollectReport:
    enricher = Enricher(
        analyzer=get_analyzer(), playbook=PLAYBOOK, retention=timedelta(days=90), clock=lambda: now
    )
    return collect(
        [source],
        state=storage.state,
        store=lambda raws: ingest(raws, enricher=enricher, mentions=storage.mentions),
        now=now,
    )


if __name__ == "__main__":
    database, base_url, now = sys.argv[1:4]
    run(store_at(Path(database)), x_source(base_url), datetime.fromisoformat(now))
