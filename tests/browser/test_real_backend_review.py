"""The situational picture, the review, reports and drills against the real Chalice app and moto server
(own module: fresh tables, so the storm opens a new incident): the shapes the fake serves are the real
ones, and the real API's refusals reach the right field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import a_storm_becomes_an_incident

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def sign_in(page: Page, key: str, route: str) -> None:
    if page.get_by_role("button", name="Abmelden").is_visible():
        page.get_by_role("button", name="Abmelden").click()
    page.get_by_label("API-Schlüssel").fill(key)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    page.goto(f"/#/{route}")


def test_the_picture_review_reports_and_drills_on_the_real_api(
    browser: Any, container: Any, live_api: str, keys: dict
) -> None:
    # Given a real incident from a storm of 25 angry posts about fire
    incident_id = a_storm_becomes_an_incident(container, live_api)
    day = container.clock().date().isoformat()
    context = browser.new_context(base_url=live_api, locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    try:
        page.goto("/")
        sign_in(page, keys["responder"], f"incidents/{incident_id}")

        # Then its chart shows the storm, and the picture the risk terms
        chart = page.locator("#lagebild")
        expect(chart.locator(".chart-summary")).to_have_text(
            re.compile(r"^Spitze( am [\d.]+)?: \d+ Erwähnungen")
        )
        expect(chart.locator("canvas").first).to_be_visible()
        expect(chart.locator(".chart-lines__item", has_text="Erkannt")).to_have_count(1)
        expect(page.locator("#picture .tag--risk").first).to_be_visible()

        # When the review's action item lacks an owner, Then the real API's refusal stands at that field
        page.get_by_role("navigation", name="Bereiche des Vorfalls").get_by_role(
            "link", name="Nachbereitung"
        ).click()
        expect(page.locator("#review-figures tbody tr").nth(1)).to_contain_text("Erkannt")
        form = page.locator(".review-form")
        form.get_by_label("Zusammenfassung").fill("Brandmeldungen zum Spülmeister geprüft.")
        form.get_by_role("button", name="Weitere Maßnahme").click()
        action = form.get_by_role("group", name="Maßnahme 1")
        action.get_by_label("Was").fill("Hotline verstärken")
        action.get_by_label("Bis wann").fill("2026-12-15")
        form.get_by_role("button", name="Nachbereitung speichern").click()
        expect(action.locator(".field-error:not(:empty)")).to_have_text(["Bitte ausfüllen."])
        expect(action.get_by_label("Wer")).to_be_focused()

        # When the owner is given, Then it is saved
        action.get_by_label("Wer").fill("Jonas Weber")
        form.get_by_role("button", name="Nachbereitung speichern").click()
        expect(form.locator(".review-form__message")).to_contain_text("Nachbereitung gespeichert.")
        expect(page.locator(".review-written")).to_contain_text("Geschrieben von responder tester")

        # The report of that day counts it, per brand and severity
        sign_in(page, keys["viewer"], "reports")
        page.get_by_label("Von").fill(day)
        page.get_by_label("Bis").fill(day)
        page.get_by_role("button", name="Anzeigen").click()
        expect(page.locator(".report-count")).to_have_text("1 Vorfall")
        expect(page.locator("#report-brands tbody tr")).to_contain_text("Müller Haushaltsgeräte GmbH")
        with page.expect_download() as incidents:
            page.get_by_role("button", name="Vorfälle als CSV").click()
        assert incidents.value.suggested_filename.endswith(".csv")

        # An approver starts a drill and stops it
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, keys["approver"], "drills")
        drill_form = page.locator(".drill-form")
        drill_form.get_by_label("Szenario (Playbook)").select_option("produktmangel-rueckruf")
        expect(drill_form.get_by_label("Marke")).to_have_value("mueller")
        drill_form.get_by_role("button", name="Übung starten").click()
        running = page.locator(".drill--running")
        expect(running).to_contain_text("Läuft")
        expect(running.locator(".badge--drill")).to_have_text("ÜBUNG")
        running.get_by_role("button", name=re.compile("beenden")).click()
        expect(page.locator(".drill--running")).to_have_count(0)
        expect(page.locator(".drill").first).to_contain_text("von approver tester")
    finally:
        context.close()
    saved = container.incidents.get(incident_id)
    assert saved.review is not None and [i.owner for i in saved.review.action_items] == ["Jonas Weber"]
    assert [e for e in errors if "status of 400" not in e and "status of 422" not in e] == []
