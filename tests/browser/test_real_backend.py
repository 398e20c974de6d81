"""The frontend against the real Chalice app (chalice's local server) and moto server: the shapes the
browser reads are the shapes the API writes. A storm becomes an incident; a responder acknowledges it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import a_storm_becomes_an_incident

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_the_frontend_shows_and_acknowledges_a_real_incident(
    browser: Any, container: Any, live_api: str, keys: dict
) -> None:
    incident_id = a_storm_becomes_an_incident(container, live_api)

    context = browser.new_context(base_url=live_api, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto("/")
        page.get_by_label("API-Schlüssel").fill(keys["responder"])
        page.get_by_role("button", name="Anmelden").click()
        first = page.locator(".incident").first
        expect(first).to_contain_text("Müller Haushaltsgeräte GmbH")
        expect(first.locator(".badge")).to_have_text("SEV1")
        page.goto(f"/#/incidents/{incident_id}")
        expect(page.locator(".timeline")).to_contain_text("Krise erkannt")
        expect(page.locator(".mention").first).to_contain_text("Spülmeister")
        expect(page.locator(".table")).to_contain_text("+4915100000001")
        page.get_by_label("Notiz (optional)").fill("Pressestelle informiert")
        page.get_by_role("button", name="Bestätigen").click()
        expect(page.locator(".detail-head .chip")).to_have_text("Bestätigt")
        expect(page.locator(".timeline")).to_contain_text("Bestätigt: Pressestelle informiert")
        desk_on_the_real_api(page)
    finally:
        context.close()
    saved = container.incidents.get(incident_id)
    assert saved.acknowledged_by == "responder tester"
    assert saved.status.value == "responding"
    assert [(f.text, f.verified_by) for f in saved.facts] == [
        ("Rauch nur bei Modell 3000-B", "responder tester")
    ]
    assert saved.assignments == {"Kommunikation": "jonas-weber"}
    assert saved.checklist["team-einberufen"].done_by == "responder tester"
    assert errors == []


def desk_on_the_real_api(page: Any) -> None:
    """The response desk against the real routes: the shapes the fake mirrors are the real ones."""
    # the lifecycle, with the version the page loaded
    expect(page.locator("#next-step [data-step]")).to_have_text(
        ["Bearbeitung beginnen", "Beobachten", "Lösen"]
    )
    page.get_by_role("button", name="Bearbeitung beginnen").click()
    expect(page.locator(".detail-head .chip")).to_have_text("In Bearbeitung")
    # a fact, verified by a named person
    facts = page.locator("#facts")
    facts.get_by_label("Neuer Fakt").fill("Rauch nur bei Modell 3000-B")
    facts.get_by_role("button", name="Fakt hinzufügen").click()
    facts.get_by_role("button", name="Geprüft").click()
    expect(facts.locator(".fact")).to_contain_text("geprüft von responder tester")
    # a crisis role for someone of the seeded team, who is on duty
    expect(page.locator("#duty .duty__name").first).to_be_visible()
    page.locator("#roles").get_by_label("Kommunikation").select_option("jonas-weber")
    page.locator("#roles").get_by_role("button", name="Rollen speichern").click()
    expect(page.locator(".timeline")).to_contain_text("Kommunikation: Jonas Weber")
    # the crisis playbook's checklist
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("Produktmangel oder Rückruf")
    checklist.locator('[data-item-id="team-einberufen"]').get_by_role("checkbox").check()
    expect(checklist.locator('[data-item-id="team-einberufen"]')).to_contain_text(
        "erledigt von responder tester"
    )
