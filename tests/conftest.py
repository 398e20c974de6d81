"""Shared fixtures: moto server on loopback (one per test worker), isolated tables per test,
the real Chalice app through chalice.test.Client, and API keys for each role."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Tests never talk to real AWS and never emit metrics or traces.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "Krisenradar",
        "KRISENRADAR_STAGE": "test",
        # Chat posts have tests of their own (tests/integration/test_chat.py); elsewhere they are off.
        "KRISENRADAR_INTEGRATIONS_FILE": "",
    }
)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    from chalicelib.local.emulator import Emulator, free_port

    server = Emulator(free_port(), "eu-central-1")
    server.start()
    os.environ["AWS_ENDPOINT_URL"] = server.endpoint
    yield server
    server.stop()


class _OneRequestAtATime:
    """WSGI middleware: moto answers one request at a time.

    DynamoDB makes every request atomic. moto does not when requests overlap: a TransactWriteItems
    journals and undoes items while other threads write them (moto itself deep-copies whole tables;
    chalicelib/local/emulator.py keeps a journal of the items named instead), and concurrent ADDs to one
    item lose updates, even between transactions that never conflict. Racing writers must meet DynamoDB's guarantees, not moto's threading, to test the
    adapter: the threads still interleave, request by request."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


@pytest.fixture(scope="session")
def atomic_moto(emulator: Any) -> Iterator[str]:
    """A second endpoint onto the same in-process moto backends, one request at a time."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from chalicelib.local.emulator import free_port

    app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def fake_platform() -> Iterator[Any]:
    """A local fake of a platform API (tests/platform_fake.py): scripted replies, recorded requests."""
    from tests.platform_fake import serve

    yield from serve()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 14, 2, 30, tzinfo=UTC))


@pytest.fixture(scope="module")
def aws_env(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Tables and the alert topic, created once per test module (they cost about 1.5 s in moto).

    Tests in one module share the tables, so each test creates its own data and asserts on it.
    """
    from chalicelib.config import Settings
    from chalicelib.domain.playbook import Team
    from chalicelib.local import bootstrap

    settings = Settings(
        stage="test",
        table_prefix=f"t{uuid.uuid4().hex[:10]}-",
        endpoint_url=emulator.endpoint,
        public_url="https://krisenradar.example",
        playbooks_dir=ROOT / "playbooks",
    )
    bootstrap.ensure_tables_for(settings)
    from chalicelib.adapters.playbooks import load_playbook

    team: Team = load_playbook(settings.playbooks_dir).team
    topic_arn, gateways = bootstrap.ensure_topic(settings, team.as_users(datetime.now(UTC)))
    bootstrap.ensure_secrets(settings, tmp_path_factory.mktemp("secrets"))
    return settings.model_copy(update={"alert_topic_arn": topic_arn}), gateways


@pytest.fixture
def settings(aws_env: Any) -> Any:
    return aws_env[0]


@pytest.fixture
def container(aws_env: Any, clock: FakeClock) -> Iterator[Any]:
    """The application's real container, pointed at this module's tables in moto server."""
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import deps
    from chalicelib.services.auth import clear_cache

    parameters.clear_caches()  # secrets a test sets must not meet another test's cached value
    settings, gateways = aws_env
    built = deps.Container(settings, clock=clock)
    built.gateways = gateways  # type: ignore[attr-defined]
    deps.override(built)
    clear_cache()
    yield built
    deps.override(None)
    clear_cache()


@pytest.fixture
def api(container: Any) -> Iterator[Any]:
    from chalice.test import Client

    import app as chalice_app

    with Client(chalice_app.app) as client:
        yield client


@pytest.fixture
def live_api(container: Any) -> Iterator[str]:
    """The API served exactly as `make run` serves it (per-thread requests, one way to start it)."""
    import app as chalice_app
    from chalicelib.local.emulator import free_port
    from chalicelib.local.server import LocalServer

    server = LocalServer(chalice_app.app, "127.0.0.1", free_port(), stage="test").start()
    yield server.url
    server.stop()


@pytest.fixture
def keys(container: Any, clock: FakeClock) -> dict[str, str]:
    """A plaintext API key per role."""
    from chalicelib.domain.models import Role
    from chalicelib.services.auth import create_key

    return {
        role.label: create_key(
            name=f"{role.label} tester", role=role, keys=container.api_keys, now=clock(), created_by="tests"
        )[1]
        for role in Role
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def call(api: Any, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    """One JSON request through the real Chalice app: (status, parsed body or None)."""
    response = getattr(api.http, method)(
        path,
        headers={**bearer(key), "Content-Type": "application/json"},
        body=json.dumps(body) if body is not None else b"",
    )
    return response.status_code, json.loads(response.body) if response.body else None
