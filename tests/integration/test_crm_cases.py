"""An incident taken into HubSpot through the real API: one ticket per incident, one note per
mention (associated with the author's contact and the ticket), created once however often and however
concurrently it is asked for; a failing HubSpot leaves nothing half-claimed behind."""

# ruff: noqa: F811 (the module's tests take the CRM-enabled `container` and fake HubSpot fixtures)
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.hubspot import NOTES_PATH, TICKETS_PATH, HubSpotCrm
from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import Principal, Role
from chalicelib.services import crm_cases
from chalicelib.services.crm_cases import CaseContext
from tests.conftest import call
from tests.integration.test_crm_drafts import _mention, container  # noqa: F401 (fixtures)
from tests.integration.test_hubspot import TOKEN, FakeHubSpot, hubspot, hubspot_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


def _created(path: str) -> list[dict[str, Any]]:
    return [body for p, _, body in FakeHubSpot.requests if p == path]


def test_the_incident_gets_one_ticket_and_a_second_request_finds_it(
    container: Any, api: Any, keys: dict, incident_id: str
) -> None:
    status, first = call(api, "post", f"/incidents/{incident_id}/crm/ticket", keys["responder"])
    assert status == 201, first
    again_status, again = call(api, "post", f"/incidents/{incident_id}/crm/ticket", keys["approver"])

    assert again_status == 200 and again["created"] is False
    assert again["crm_id"] == first["crm_id"] == first["case"]["ticket_id"]
    tickets = _created(TICKETS_PATH)
    assert len(tickets) == 1
    properties = tickets[0]["properties"]
    assert properties["subject"].startswith("Krisenradar SEV1: Müller")
    assert f"/#/incidents/{incident_id}" in properties["content"]
    assert "Gründe:" in properties["content"]
    _, detail = call(api, "get", f"/incidents/{incident_id}", keys["viewer"])
    assert detail["crm"]["ticket_id"] == first["crm_id"]
    assert detail["timeline"][-1]["kind"] == "crm"
    assert detail["timeline"][-1]["message"] == "Ticket in hubspot angelegt"


def test_a_mention_becomes_a_note_on_the_ticket_and_with_the_known_author(
    container: Any, api: Any, keys: dict, incident_id: str
) -> None:
    mention_id = _mention(container, "@anna_k")
    body = {"mention_id": mention_id}
    status, logged = call(api, "post", f"/incidents/{incident_id}/crm/notes", keys["responder"], body)
    assert status == 201, logged
    again_status, _ = call(api, "post", f"/incidents/{incident_id}/crm/notes", keys["responder"], body)

    assert again_status == 200
    (ticket,) = _created(TICKETS_PATH)  # the note needed a ticket: it was created first, once
    (note,) = _created(NOTES_PATH)
    ticket_id = logged["case"]["ticket_id"]
    assert "Spülmeister 3000 ist heute ausgefallen" in note["properties"]["hs_note_body"]
    assert "Erwähnung auf x von @anna_k" in note["properties"]["hs_note_body"]
    targets = {(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in note["associations"]}
    assert targets == {("501", 202), (ticket_id, 228)}  # Anna's contact and the incident's ticket
    assert logged["case"]["notes"] == [{"mention_id": mention_id, "note_id": logged["crm_id"]}]
    assert ticket["properties"]["subject"].startswith("Krisenradar")


def test_bad_mentions_get_field_errors_and_nothing_is_created(
    container: Any, api: Any, keys: dict, incident_id: str
) -> None:
    url = f"/incidents/{incident_id}/crm/notes"
    unknown_status, unknown = call(api, "post", url, keys["responder"], {"mention_id": "x#gibt-es-nicht"})
    malformed_status, malformed = call(api, "post", url, keys["responder"], {"mention_id": "ohne-raute"})

    assert unknown_status == 400 and unknown["error"]["details"][0]["field"] == "body.mention_id"
    assert malformed_status == 400 and malformed["error"]["details"][0]["field"] == "body.mention_id"
    assert FakeHubSpot.requests == []


def test_a_failing_hubspot_answers_502_and_the_next_try_creates_the_ticket(
    container: Any, api: Any, keys: dict, incident_id: str
) -> None:
    FakeHubSpot.script = {TICKETS_PATH: [(500, {"status": "error", "message": "boom", "category": "INTERNAL"}, {})] * 3}  # fmt: skip
    status, failed = call(api, "post", f"/incidents/{incident_id}/crm/ticket", keys["responder"])
    assert status == 502 and failed["error"]["code"] == "crm_unavailable"

    retry_status, created = call(api, "post", f"/incidents/{incident_id}/crm/ticket", keys["responder"])
    assert retry_status == 201, created  # the failed request released its claim
    assert container.incidents.get(incident_id).crm.claims == {}


@pytest.fixture
def slow_hubspot(hubspot: str) -> Iterator[tuple[threading.Event, threading.Event]]:  # noqa: F811
    """HubSpot holds every ticket create (arrived) until the test lets it go (release), well within
    the adapter's 4 s timeout."""
    arrived, release = threading.Event(), threading.Event()
    original = FakeHubSpot.do_POST

    def held(handler: FakeHubSpot) -> None:
        if handler.path == TICKETS_PATH:
            arrived.set()
            release.wait(timeout=3)
        original(handler)

    FakeHubSpot.do_POST = held  # type: ignore[method-assign]
    yield arrived, release
    release.set()
    FakeHubSpot.do_POST = original  # type: ignore[method-assign]


def test_two_people_pressing_at_once_create_one_ticket(
    container: Any, incident_id: str, slow_hubspot: tuple[threading.Event, threading.Event]
) -> None:
    arrived, release = slow_hubspot
    crm = container.crm
    assert isinstance(crm, HubSpotCrm)
    outcomes: dict[str, Any] = {}

    def press(name: str) -> None:
        context = CaseContext(
            crm=crm,
            incidents=container.incidents,
            public_url="http://localhost:8000",
            principal=Principal(name=name, role=Role.RESPONDER, key_id=f"k-{name}"),
            now=container.clock(),
        )
        try:
            outcomes[name] = crm_cases.open_ticket(incident_id, context=context)
        except Conflict as error:
            outcomes[name] = error

    first = threading.Thread(target=press, args=("erika",))
    first.start()
    assert arrived.wait(timeout=10)  # Erika's claim is on the incident, her create held at HubSpot
    press("jonas")  # while Erika's ticket is being created
    release.set()
    first.join(timeout=30)

    assert isinstance(outcomes["jonas"], Conflict)
    assert outcomes["erika"].created is True
    assert len(_created(TICKETS_PATH)) == 1
    after = crm_cases.open_ticket(
        incident_id,
        context=CaseContext(
            crm=crm,
            incidents=container.incidents,
            public_url="http://localhost:8000",
            principal=Principal(name="jonas", role=Role.RESPONDER, key_id="k-jonas"),
            now=container.clock(),
        ),
    )
    assert (after.created, after.crm_id) == (False, outcomes["erika"].crm_id)
