"""The stores the contract suite runs against.

Every repository test runs on SQLite (a file under tmp_path) and on DynamoDB (moto server over HTTP);
the outbox and state tests also run on the memory fakes the unit tests use. Creating DynamoDB tables
costs about 1.5 s in moto, so each module creates one set per store and every test works on its own
brand and ids instead of a fresh store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import TABLES, Settings
from chalicelib.ports import OutboxRepository, StateRepository, Storage
from tests.contract.builders import BUCKET_RETENTION_DAYS, SEVERE_WEIGHT
from tests.fakes import MemoryOutbox, MemoryState

SQLITE = pytest.param("sqlite", id="sqlite")
DYNAMODB = pytest.param("dynamodb", id="dynamodb", marks=pytest.mark.integration)
MEMORY = pytest.param("memory", id="memory")
REGION = "eu-central-1"


@dataclass(frozen=True)
class DynamoStore:
    storage: Storage
    table_names: dict[str, str]
    endpoint: str


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Storage:
    path: Path = tmp_path_factory.mktemp("contract") / "krisenradar.db"
    return _sqlite(path)


def _sqlite(path: Path) -> Storage:
    from chalicelib.adapters.sqlite.storage import sqlite_storage

    return sqlite_storage(path, bucket_retention_days=BUCKET_RETENTION_DAYS, severe_weight=SEVERE_WEIGHT)


def _dynamo(table_names: dict[str, str], endpoint: str, *, create_missing: bool) -> Storage:
    from chalicelib.adapters.dynamo.storage import dynamo_storage

    return dynamo_storage(
        table_names,
        region=REGION,
        endpoint_url=endpoint,
        bucket_retention_days=BUCKET_RETENTION_DAYS,
        severe_weight=SEVERE_WEIGHT,
        create_missing=create_missing,
    )


def new_dynamo_store(endpoint: str) -> DynamoStore:
    """A fresh set of tables with a prefix of their own, on `endpoint`."""
    settings = Settings(stage="test", table_prefix=f"c{uuid.uuid4().hex[:10]}-")
    table_names = {table: settings.table_name(table) for table in TABLES}
    return DynamoStore(_dynamo(table_names, endpoint, create_missing=True), table_names, endpoint)


@pytest.fixture(scope="module")
def dynamo_store(emulator: Any) -> DynamoStore:
    return new_dynamo_store(emulator.endpoint)


def _bound_dynamo(request: pytest.FixtureRequest) -> Storage:
    store: DynamoStore = request.getfixturevalue("dynamo_store")
    from chalicelib.adapters.dynamo.models import MentionItem

    # The PynamoDB models are bound process-wide; another module's fixture may have re-pointed them.
    if (MentionItem.Meta.table_name, MentionItem.Meta.host) != (
        store.table_names["mentions"],
        store.endpoint,
    ):
        return _dynamo(store.table_names, store.endpoint, create_missing=False)
    return store.storage


def _store(request: pytest.FixtureRequest, name: str) -> Storage:
    if name == "sqlite":
        storage: Storage = request.getfixturevalue("sqlite_store")
        return storage
    return _bound_dynamo(request)


@pytest.fixture(params=[SQLITE, DYNAMODB])
def storage(request: pytest.FixtureRequest) -> Storage:
    return _store(request, request.param)


@pytest.fixture(params=[SQLITE, DYNAMODB, MEMORY])
def outbox(request: pytest.FixtureRequest) -> OutboxRepository:
    if request.param == "memory":
        return MemoryOutbox()
    return _store(request, request.param).outbox


@pytest.fixture(params=[SQLITE, DYNAMODB, MEMORY])
def state(request: pytest.FixtureRequest) -> StateRepository:
    if request.param == "memory":
        return MemoryState()
    return _store(request, request.param).state


@pytest.fixture
def brand() -> str:
    """A brand of this test alone: the module's tables are shared."""
    return f"brand-{uuid.uuid4().hex[:10]}"
