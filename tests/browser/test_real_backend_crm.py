"""The HubSpot card against the real Chalice app with a CRM configured (fake HubSpot on loopback): a
responder creates the incident's ticket and notes a mention on it, and both stay created once."""

# ruff: noqa: F811 (the CRM-enabled `container` and fake HubSpot fixtures)
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib.adapters.hubspot import NOTES_PATH, TICKETS_PATH
from tests.browser.conftest import a_storm_becomes_an_incident
from tests.integration.test_crm_drafts import container  # noqa: F401 (fixture)
from tests.integration.test_hubspot import FakeHubSpot, hubspot, hubspot_url  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_a_responder_creates_the_ticket_and_notes_a_mention(
    browser: Any, container: Any, live_api: str, keys: dict
) -> None:
    # Given a real incident, and a responder signed in on its page
    incident_id = a_storm_becomes_an_incident(container, live_api)
    context = browser.new_context(base_url=live_api, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"/#/incidents/{incident_id}")
        page.get_by_label("API-Schlüssel").fill(keys["responder"])
        page.get_by_role("button", name="Anmelden").click()
        crm = page.locator("#crm")
        expect(crm.get_by_role("heading", name="HubSpot")).to_be_visible()
        expect(crm).to_contain_text("Noch kein Ticket.")

        # When the ticket is created, and the first of the loudest mentions noted on it
        crm.get_by_role("button", name="Ticket in HubSpot anlegen").click()
        expect(crm.locator(".section-message")).to_have_text("Ticket in HubSpot angelegt.")
        expect(crm.locator(".crm__ticket")).to_contain_text("Ticket 9")
        crm.get_by_role("button", name="Notiz anlegen").first.click()
        expect(crm.locator(".crm__mention").first).to_contain_text("Notiert")
        expect(crm).to_contain_text("1 Erwähnung(en) als Notiz im Ticket")
        crm.screenshot(path="out/screenshots/crm-card.png")  # for a person to look at (git-ignored)
    finally:
        context.close()

    # Then HubSpot got one ticket and one note, and the incident's timeline says so
    assert [p for p, _, _ in FakeHubSpot.requests if p in (TICKETS_PATH, NOTES_PATH)] == [
        TICKETS_PATH,
        NOTES_PATH,
    ]
    saved = container.incidents.get(incident_id)
    assert saved.crm is not None and saved.crm.ticket_id and len(saved.crm.notes) == 1
    assert [e.kind for e in saved.timeline[-2:]] == ["crm", "crm"]
    assert errors == []
