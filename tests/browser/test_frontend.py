"""The web frontend in real Chromium: sign-in, the incident desk, language, errors, and the CSP."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.fake_api import NOW, FakeApi, incident

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/krisenradar-ui.png"


def sign_in(page: Page, key: str) -> None:
    page.goto("/")
    page.get_by_label("API-Schlüssel").fill(key)
    page.get_by_role("button", name="Anmelden").click()


def stored_key(page: Page) -> Any:
    return page.evaluate("sessionStorage.getItem('krisenradar.apiKey')")


def test_a_wrong_key_is_rejected_and_not_stored(page: Page, console: Console) -> None:
    # Given the sign-in form, When a wrong key is entered
    sign_in(page, "wrong-key")

    # Then the form stays, says why, and nothing is kept
    expect(page.locator("#login-message")).to_contain_text("Der Schlüssel wurde nicht akzeptiert")
    expect(page.locator("#login-message")).to_contain_text("invalid or missing API key")
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_hidden()
    assert stored_key(page) is None
    assert console.unexpected(401) == []


def test_a_responder_acknowledges_an_incident_and_switches_to_english(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a signed-in responder
    sign_in(page, "responder-key")

    # Then the list shows the SEV1 incident with its running reaction timer
    first = page.locator(".incident").first
    expect(first.locator(".badge")).to_have_text("SEV1")
    expect(first.locator(".badge")).to_have_class("badge badge--sev1")
    expect(first.locator(".incident__brand")).to_have_text("Müller Haushaltsgeräte GmbH")
    expect(first.locator(".reasons li")).to_have_text(
        [
            "31 Erwähnungen in 5 Minuten, sonst fast keine (in der letzten Stunde 40, sonst etwa 10)",
            "84 % negativ (27 von 32), sonst etwa 17 %",
            "12 Erwähnungen mit Risikobegriffen, davon 8 zu Sicherheit, Rückruf oder Gefahr",
        ]
    )
    expect(first).not_to_contain_text("p =")  # no statistics in the list
    expect(first.locator(".timer")).to_have_text("seit 7 Min offen, unbestätigt")
    expect(first).to_contain_text("Eröffnet 26.11.2025, 09:53")  # 08:53 UTC shown in Berlin time
    # ...and text from the API is text, never markup
    expect(page.get_by_role("link", name="Lieferverzug <b>Hotline</b> überlastet")).to_be_visible()
    assert page.locator(".incident-list b").count() == 0
    assert stored_key(page) == "responder-key"

    # When the incident is opened
    page.get_by_role("link", name="Rückruf-Gerüchte zum Kinderwagen „Flitzer“").click()

    # Then the detail shows timeline, top mentions and the alert deliveries of this incident
    expect(page).to_have_url(f"{backend.url}/#/incidents/inc-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückruf-Gerüchte zum Kinderwagen „Flitzer“")
    expect(page.locator(".timeline")).to_contain_text("Erkannt: 31 Erwähnungen in 5 Minuten")
    expect(page.locator(".mention").first).to_contain_text("Der Flitzer ist gefährlich")
    expect(page.locator(".mention").first.locator(".badge--negative")).to_have_text("negativ")
    expect(page.locator(".mention").nth(1)).to_contain_text('<img src=x onerror="alert(1)">')
    assert page.locator(".mention img").count() == 0
    assert page.locator(".mention").nth(1).locator("a").count() == 0  # javascript: URL is not a link
    expect(page.locator(".table")).to_contain_text("krisenstab@mueller.example")
    expect(page.locator(".table")).to_contain_text("SMTP 451 temporarily deferred")

    # When the responder acknowledges with a note
    page.get_by_label("Notiz (optional)").fill("Pressestelle informiert")
    page.get_by_role("button", name="Bestätigen").click()

    # Then the status changes, the note reached the API, and acknowledging again is not offered
    expect(page.locator(".detail-head .chip")).to_have_text("Bestätigt")
    expect(page.locator(".action-message")).to_have_text("Vorfall bestätigt.")
    expect(page.locator(".timeline")).to_contain_text("Bestätigt: Pressestelle informiert")
    expect(page.get_by_role("button", name="Bestätigen")).to_have_count(0)
    expect(page.get_by_role("button", name="Lösen")).to_be_enabled()
    assert backend.state["posts"] == [("inc-1", "acknowledge", "Pressestelle informiert")]

    # When the language is switched to English
    page.get_by_role("button", name="Switch to English").click()

    # Then labels are English, the choice is remembered, and data is untouched
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".detail-head .chip")).to_have_text("Acknowledged")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Incidents")
    expect(page.get_by_role("button", name="Resolve")).to_be_visible()
    expect(page.locator(".action-message")).to_have_text("Incident acknowledged.")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator(".mention").first.locator(".badge--negative")).to_have_text("negative")
    assert page.evaluate("localStorage.getItem('krisenradar.lang')") == "en"
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("link", name="Incidents", exact=True).click()
    expect(page.locator(".incident").first.locator(".chip")).to_have_text("Acknowledged")
    expect(page.get_by_label("Severity")).to_be_visible()
    assert console.errors == []


def test_reasons_are_plain_and_the_statistics_wait_behind_a_toggle(page: Page, console: Console) -> None:
    # Given a signed-in user on an incident whose reasons come with statistics
    sign_in(page, "responder-key")
    page.get_by_role("link", name="Rückruf-Gerüchte zum Kinderwagen „Flitzer“").click()
    reasons = page.locator(".reasons-card")

    # Then the plain reasons and the brand's name are there, and the p-values are not visible
    expect(reasons.locator(".reasons li").nth(1)).to_have_text("84 % negativ (27 von 32), sonst etwa 17 %")
    expect(page.locator(".facts")).to_contain_text("Müller Haushaltsgeräte GmbH")
    p_value = reasons.get_by_text("p = 2,2·10⁻¹⁶", exact=False)
    expect(p_value).to_be_hidden()
    expect(reasons.get_by_text("p < 10⁻¹²", exact=False)).to_be_hidden()

    # When the statistics toggle is opened
    reasons.get_by_text("Statistik", exact=True).click()

    # Then the statistics show, named by signal, and stay open across the ten-second refresh
    expect(p_value).to_be_visible()
    expect(reasons.locator(".reason-stats li")).to_have_text(
        [
            "Menge: Erwartet: 0,8 Erwähnungen in 5 Minuten, 9,6 in der letzten Stunde. "
            "Negativ-Binomial-Test: p < 10⁻¹²",
            "Negativer Anteil: Übliche Quote der Marke: 17 % negativ. Einseitiger Binomialtest: p = 2,2·10⁻¹⁶",
        ]
    )
    page.clock.run_for(10_500)
    expect(p_value).to_be_visible()

    # When the language is switched to English, Then reasons and statistics are English
    page.get_by_role("button", name="Switch to English").click()
    expect(reasons.locator(".reasons li").nth(1)).to_have_text("84% negative (27 of 32), usually about 17%")
    expect(reasons.get_by_text("Statistics", exact=True)).to_be_visible()
    expect(reasons.get_by_text("One-sided binomial test: p = 2.2·10⁻¹⁶", exact=False)).to_be_visible()
    assert console.errors == []


def test_reasons_wrap_on_a_phone_without_horizontal_scrolling(page: Page, console: Console) -> None:
    # Given a phone-sized screen (375 px)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "responder-key")
    expect(page.locator(".incident")).to_have_count(3)

    for where in ("list", "detail"):
        if where == "detail":
            page.get_by_role("link", name="Rückruf-Gerüchte zum Kinderwagen „Flitzer“").click()
            page.locator(".reason-stats summary").click()
            expect(page.locator(".reason-stats li").first).to_be_visible()
        longest = page.locator(".reasons li").first
        expect(longest).to_contain_text("31 Erwähnungen in 5 Minuten")
        # Then the long reason wraps onto several lines inside the screen, at a readable size
        box = longest.bounding_box()
        style = longest.evaluate(
            "el => ({size: parseFloat(getComputedStyle(el).fontSize), line: parseFloat(getComputedStyle(el).lineHeight)})"
        )
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, (where, box)
        assert box["height"] >= 2 * style["line"], (where, box, style)
        assert style["size"] >= 14, (where, style)
        # ...and nothing on the page scrolls sideways
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (where, overflow)
    assert console.errors == []


def test_a_viewer_is_told_the_role_is_missing(page: Page, backend: FakeApi, console: Console) -> None:
    # Given a viewer on an open incident
    sign_in(page, "viewer-key")
    page.get_by_role("link", name="Rückruf-Gerüchte zum Kinderwagen „Flitzer“").click()

    # When they try to acknowledge it
    page.get_by_role("button", name="Bestätigen").click()

    # Then they read why it failed, and nothing changed
    message = page.locator(".action-message")
    expect(message).to_contain_text("Keine Berechtigung")
    expect(message).to_contain_text("this needs the role responder")
    expect(page.locator(".detail-head .chip")).to_have_text("Offen")
    assert backend.state["posts"] == []
    assert console.unexpected(403) == []


def test_filters_narrow_the_list(page: Page, backend: FakeApi, console: Console) -> None:
    # Given the incident list, When status "Offen" and then severity SEV3 are chosen
    sign_in(page, "responder-key")
    expect(page.locator(".incident")).to_have_count(3)
    page.get_by_label("Status").select_option("open")

    # Then only matching incidents are asked for and shown
    expect(page.locator(".incident")).to_have_count(1)
    assert backend.state["queries"][-1][2]["status"] == "open"
    page.get_by_label("Schweregrad").select_option("SEV3")
    expect(page.locator(".empty")).to_have_text("Keine Vorfälle für diese Filter.")
    assert console.errors == []


def test_the_list_refreshes_every_ten_seconds_and_a_revoked_key_signs_out(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given the incident list
    sign_in(page, "responder-key")
    expect(page.locator(".incident")).to_have_count(3)

    # When a new incident opens and ten seconds pass
    backend.add_incident(incident("inc-9", "Datenleck-Vorwurf im Forum", "SEV2", "open", 1))
    page.clock.run_for(10_500)

    # Then it appears on top, is announced, and its timer runs
    expect(page.locator(".incident")).to_have_count(4)
    expect(page.locator(".incident").first.locator(".badge")).to_have_text("SEV2")
    expect(page.locator("#announcer")).to_have_text("Neuer Vorfall: Datenleck-Vorwurf im Forum")
    expect(page).to_have_title("(2) Krisenradar")
    page.clock.run_for(60_000)
    expect(page.locator(".incident").first.locator(".timer")).to_have_text("seit 2 Min offen, unbestätigt")

    # When the key is revoked, the next refresh sends the user back to sign-in
    backend.revoke("responder-key")
    page.clock.run_for(10_500)
    expect(page.locator("#login-message")).to_contain_text("Sitzung ist abgelaufen")
    assert stored_key(page) is None
    assert console.unexpected(401) == []


def test_mentions_page_through_the_last_24_hours(page: Page, backend: FakeApi, console: Console) -> None:
    # Given a signed-in user, When the mentions view opens
    sign_in(page, "responder-key")
    page.get_by_role("link", name="Erwähnungen").click()

    # Then it asks for brand mueller over the last 24 hours and shows badges, reach and risk terms
    expect(page.locator(".mention")).to_have_count(2)
    method, path, params = backend.state["queries"][-1]
    assert (method, path, params["brand"], params["limit"]) == ("GET", "/mentions", "mueller", "50")
    window = datetime.fromisoformat(params["until"]) - datetime.fromisoformat(params["since"])
    assert window == timedelta(hours=24)
    assert abs(datetime.fromisoformat(params["until"]) - NOW) < timedelta(minutes=1)
    first = page.locator(".mention").first
    expect(first.locator(".badge--negative")).to_have_text("negativ")
    expect(first).to_contain_text("Reichweite 12.400")
    expect(first.locator(".tag--risk")).to_have_text(["gefährlich", "rückruf"])
    expect(first.get_by_role("link", name="Original öffnen")).to_have_attribute(
        "href", "https://social.example/@kunde1/1"
    )

    # When "Mehr laden" is used until the end
    page.get_by_role("button", name="Mehr laden").click()
    expect(page.locator(".mention")).to_have_count(4)
    page.get_by_role("button", name="Mehr laden").click()
    expect(page.locator(".mention")).to_have_count(5)

    # Then there is nothing more to load, and the tokens were passed on
    expect(page.get_by_role("button", name="Mehr laden")).to_have_count(0)
    assert [q[2].get("next_token") for q in backend.state["queries"][-3:]] == [None, "2", "4"]
    assert console.errors == []


def test_alerts_and_sign_out(page: Page, console: Console) -> None:
    # Given the alerts view
    sign_in(page, "responder-key")
    page.get_by_role("link", name="Alarme").click()

    # Then each delivery shows channel, status and the incident it belongs to
    rows = page.locator(".table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("SMS")
    expect(rows.first).to_contain_text("Neue Krise erkannt")
    expect(rows.first).to_contain_text("Zugestellt")
    expect(rows.nth(1)).to_contain_text("Ausstehend")
    expect(rows.first.get_by_role("link", name="inc-1")).to_have_attribute("href", "#/incidents/inc-1")

    # When the user signs out, the key is gone and the form is back
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_label("API-Schlüssel")).to_be_focused()
    assert stored_key(page) is None
    assert console.errors == []
