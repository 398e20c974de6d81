"""Fixtures the API integration tests share."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.services.ingest import ingest
from tests.conftest import call
from tests.factories import raw_mention

STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"


@pytest.fixture
def incident_id(container: Any, api: Any, keys: dict) -> str:
    """A fresh SEV1 storm incident, opened by the real rules job (earlier ones are resolved first)."""
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    for incident in container.incidents.active_for_brand("mueller"):
        call(api, "post", f"/incidents/{incident.incident_id}/resolve", keys["admin"])
    container.clock.advance(days=2)
    now = container.clock()
    storm = [raw_mention(STORM, at=now - timedelta(seconds=9 * i)) for i in range(30)]
    ingest(storm, enricher=container.enricher, mentions=container.mentions)
    result = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke("evaluate_rules")
    return str(result["opened"][0])
