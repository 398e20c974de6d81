"""A reply draft through the real API with HubSpot configured: the token comes from moto's Secrets
Manager, the contact lookup goes to the local fake HubSpot (tests/integration/test_hubspot.py), and a
mention by a known contact gets the HubSpot reason. A CRM that refuses the token changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.adapters.hubspot import SEARCH_PATH
from chalicelib.services.ingest import ingest
from tests.conftest import call
from tests.factories import raw_mention
from tests.integration.test_hubspot import TOKEN, FakeHubSpot, hubspot, hubspot_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

COMPLAINT = "Mein Spülmeister 3000 ist heute ausgefallen, ich bin echt sauer."


@pytest.fixture
def container(container: Any, hubspot: str) -> Iterator[Any]:  # noqa: F811 (extends the shared fixture)
    """The shared container with HubSpot switched on: a private-app token in Secrets Manager."""
    secret_name = f"krisenradar/test/hubspot-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(Name=secret_name, SecretString=TOKEN)
    container.settings = container.settings.model_copy(
        update={"hubspot_token_secret_name": secret_name, "hubspot_base_url": hubspot}
    )
    yield container


def _mention(container: Any, handle: str) -> str:
    """A complaint by an author with high reach: without the CRM, a public reply is advised."""
    raw = raw_mention(COMPLAINT, at=container.clock(), handle=handle, followers=120_000)
    ingest([raw], enricher=container.enricher, mentions=container.mentions)
    return f"{raw.platform}#{raw.native_id}"


def _draft(api: Any, keys: dict, incident_id: str, mention_id: str) -> dict[str, Any]:
    request = {"kind": "reply", "channel": "x", "language": "de", "address": "Sie", "mention_id": mention_id}
    status, draft = call(api, "post", f"/incidents/{incident_id}/drafts", keys["responder"], request)
    assert status == 201, draft
    return dict(draft)


def test_a_known_contact_gets_a_private_answer_with_the_hubspot_reason(
    container: Any, api: Any, keys: dict, incident_id: str
) -> None:
    draft = _draft(api, keys, incident_id, _mention(container, "@anna_k"))
    assert draft["recommendation"] == {
        "rule": "known_customer",
        "channel": "private_message",
        "reason": "Bekannter Kunde in HubSpot: besser persönlich und privat antworten.",
        "reason_en": "A known customer in HubSpot: better answer in person and in private.",
    }
    searches = [(auth, body) for path, auth, body in FakeHubSpot.requests if path == SEARCH_PATH]
    assert len(searches) == 1 and searches[0][0] == f"Bearer {TOKEN}"
    assert searches[0][1]["filterGroups"][0]["filters"][0]["value"] == "anna_k"


def test_an_unknown_author_keeps_the_public_reply(
    container: Any, api: Any, keys: dict, incident_id: str
) -> None:
    draft = _draft(api, keys, incident_id, _mention(container, "@fremd_1"))
    assert (draft["recommendation"]["rule"], draft["recommendation"]["channel"]) == (
        "high_reach",
        "public_reply",
    )
    assert len(FakeHubSpot.requests) == 1


def test_a_refused_token_never_fails_the_draft(
    container: Any, api: Any, keys: dict, incident_id: str
) -> None:
    FakeHubSpot.script = {SEARCH_PATH: [(401, {"status": "error", "message": "expired", "category": "EXPIRED_AUTHENTICATION", "correlationId": "c-1"}, {})]}  # fmt: skip
    draft = _draft(api, keys, incident_id, _mention(container, "@anna_k"))
    assert (draft["recommendation"]["rule"], draft["recommendation"]["channel"]) == (
        "high_reach",
        "public_reply",
    )
    assert len(FakeHubSpot.requests) == 1  # a configuration error is not retried
