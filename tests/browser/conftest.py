"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the fake backend, and the
real Chalice app served as `make run` serves it (live_api) for the tests of real shapes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.services.evaluate import evaluate_all
from chalicelib.services.ingest import ingest
from tests.browser.fake_api import NOW, FakeApi
from tests.factories import raw_mention

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"


@dataclass
class Console:
    """Console errors and uncaught exceptions of one page (CSP violations land here too)."""

    errors: list[str] = field(default_factory=list)

    def unexpected(self, *allowed_statuses: int) -> list[str]:
        expected = [f"the server responded with a status of {status} " for status in allowed_statuses]
        return [
            e for e in self.errors if not any(e.startswith(f"Failed to load resource: {x}") for x in expected)
        ]


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeApi]:
    server = FakeApi().start()
    yield server
    server.stop()


@pytest.fixture
def backend(fake_api: FakeApi) -> FakeApi:
    fake_api.reset()
    return fake_api


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get update && apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Any, backend: FakeApi, console: Console) -> Iterator[Any]:
    context = browser.new_context(
        base_url=backend.url,
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(5_000)
    tab = context.new_page()
    tab.on(
        "console", lambda message: console.errors.append(message.text) if message.type == "error" else None
    )
    tab.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    tab.clock.install(time=NOW)
    yield tab
    context.close()


def a_storm_becomes_an_incident(container: Any, live_api: str) -> str:
    """A calm day, then 25 angry posts about fire: the real rules open an incident (its id)."""
    now = container.clock()
    calm = [raw_mention("Spülmeister läuft gut", at=now - timedelta(hours=h)) for h in range(2, 30, 3)]
    storm = [raw_mention(STORM, at=now - timedelta(seconds=10 * i), native_id=f"ui-{i}") for i in range(25)]
    ingest(calm + storm, enricher=container.enricher, mentions=container.mentions)
    evaluations = evaluate_all(
        now=now,
        playbook=container.playbook,
        ports=container.ports,
        config=container.detector_config,
        alerting=replace(container.alerting, public_url=live_api),
    )
    return str(evaluations.ids("opened")[0])
