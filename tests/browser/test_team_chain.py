"""The escalation chain on the team page and who is signed in (GET /me), in real Chromium: the chain's
steps, who each level reaches and its warnings; admins edit it (minutes, levels) with the version they
saw and see the API's messages at the fields; others see no editing controls; the header names the
person signed in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Console
from tests.browser.fake_api import FakeApi
from tests.browser.test_desk import last_write, sign_in

pytestmark = pytest.mark.browser


def chain(page: Page) -> Locator:
    return page.get_by_role("region", name="Eskalationskette")


def test_the_chain_shows_its_steps_who_they_reach_and_a_warning(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given the team file's chain (1 at once, 2 after 15, 3 after 45) and nobody on duty at level 3
    sign_in(page, "viewer-key", "team")
    card = chain(page)

    # Then every step is listed with who it reaches now
    expect(card.locator(".chain__step")).to_have_text(
        ["Stufe 1 · sofort (0 Min.)", "Stufe 2 · nach 15 Min.", "Stufe 3 · nach 45 Min."]
    )
    level_2 = card.locator(".chain__level[data-level='2']")
    expect(level_2.locator(".chain__on-duty")).to_have_text("Dr. Petra Krause")
    expect(level_2.locator(".chain__reached")).to_have_text("Anna Schmidt, Jonas Weber, Dr. Petra Krause")

    # And level 3 warns that nobody is on duty there, in German and in English
    warning = card.locator(".chain__level[data-level='3'] .chain__warning")
    expect(warning).to_have_text(
        "Auf Stufe 3 hat niemand Dienst – die Eskalation nach 45 Min. erreicht niemanden zusätzlich."
    )
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("region", name="Escalation chain").locator(".chain__warning")).to_have_text(
        "Nobody is on duty at level 3 – the escalation after 45 min reaches nobody new."
    )
    assert console.errors == []


def test_an_admin_changes_the_minutes_of_level_2_and_saves(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an admin on the team page, editing the chain
    sign_in(page, "admin-key", "team")
    card = chain(page)
    card.get_by_text("Kette bearbeiten").click()

    # When level 2 waits 20 minutes instead of 15 and the chain is saved
    card.get_by_label("Stufe 2: Minuten nach Eröffnung").fill("20")
    card.get_by_role("button", name="Kette speichern").click()

    # Then the API received the whole chain with the version she saw, and the page shows the new one
    expect(card.locator(".chain__message")).to_have_text("Eskalationskette gespeichert.")
    expect(card.locator(".chain__step").nth(1)).to_have_text("Stufe 2 · nach 20 Min.")
    assert last_write(backend, "/escalation") == (
        "PUT",
        "/escalation",
        {
            "steps": [
                {"level": 1, "after_minutes": 0},
                {"level": 2, "after_minutes": 20},
                {"level": 3, "after_minutes": 45},
            ],
            "version": 1,
        },
    )

    # When she removes level 3 and adds a level again, Then the editor offers level 3 after 35 minutes
    card.get_by_role("button", name="Stufe 3 entfernen").click()
    expect(card.get_by_label("Stufe 3: Minuten nach Eröffnung")).to_have_count(0)
    card.get_by_role("button", name="Stufe hinzufügen").click()
    expect(card.get_by_label("Stufe 3: Minuten nach Eröffnung")).to_have_value("35")

    # When another admin saved the chain in the meantime, Then saving says so and reloads
    backend.someone_else_changes_the_chain([(1, 0), (2, 10)])
    card.get_by_role("button", name="Kette speichern").click()
    expect(card.locator(".chain__message")).to_have_text(
        "Jemand anderes hat die Kette inzwischen geändert – neu geladen."
    )
    expect(card.locator(".chain__step")).to_have_text(["Stufe 1 · sofort (0 Min.)", "Stufe 2 · nach 10 Min."])
    assert last_write(backend, "/escalation")[2]["version"] == 2
    assert console.unexpected(409) == []


def test_a_wrong_chain_shows_the_api_message_at_the_field(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an admin editing the chain
    sign_in(page, "admin-key", "team")
    card = chain(page)
    card.get_by_text("Kette bearbeiten").click()

    # When level 3 is set to wait less than level 2
    minutes = card.get_by_label("Stufe 3: Minuten nach Eröffnung")
    minutes.fill("10")
    card.get_by_role("button", name="Kette speichern").click()

    # Then the API's reason stands at that field, what was typed stays, and nothing was saved
    error = card.locator("#chain-minutes-2-error")
    expect(error).to_have_text("each level waits longer than the one before (15 minutes)")
    expect(minutes).to_have_attribute("aria-invalid", "true")
    expect(minutes).to_have_value("10")
    expect(minutes).to_be_focused()
    expect(card.get_by_label("Stufe 2: Minuten nach Eröffnung")).not_to_have_attribute("aria-invalid", "true")
    assert backend.state["store"].values == {}

    # When a number above what the API allows is typed, Then the field says so too
    minutes.fill("5000")
    card.get_by_role("button", name="Kette speichern").click()
    expect(error).to_have_text("Zu groß – Input should be less than or equal to 1440")
    assert console.unexpected(400) == []


@pytest.mark.parametrize("key", ["viewer-key", "responder-key", "jonas-key"])
def test_people_who_are_not_admins_see_no_editing_controls(
    page: Page, backend: FakeApi, console: Console, key: str
) -> None:
    # Given someone who is not an admin on the team page
    sign_in(page, key, "team")
    card = chain(page)
    expect(card.locator(".chain__step")).to_have_count(3)

    # Then neither the chain nor anybody's access and level can be edited; the duty switches stay
    expect(card.get_by_text("Kette bearbeiten")).to_have_count(0)
    expect(card.locator("input, button")).to_have_count(0)
    expect(page.locator(".person__edit")).to_have_count(0)
    expect(page.get_by_role("switch", name="Im Dienst")).to_have_count(4)
    assert console.errors == []


def test_the_header_names_the_person_signed_in_and_asks_once(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given Anna Schmidt signs in with her key
    sign_in(page, "admin-key", "team")

    # Then the header names her, and her admin controls are there
    expect(page.locator("#whoami")).to_have_text("Angemeldet: Anna Schmidt")
    expect(page.locator(".person__edit")).to_have_count(4)

    # When she goes elsewhere and the page is reloaded, Then /me was asked once for the session
    page.get_by_role("link", name="Vorfälle").click()
    page.reload()
    expect(page.locator("#whoami")).to_have_text("Angemeldet: Anna Schmidt")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("#whoami")).to_have_text("Signed in: Anna Schmidt")
    assert [q for q in backend.state["queries"] if q[1] == "/me"] == [("GET", "/me", {})]

    # When she signs out, Then the header names nobody
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#whoami")).to_be_hidden()
    assert console.errors == []


def test_without_an_answer_from_me_everything_is_offered_as_before(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an API that does not answer GET /me
    page.route("**/me", lambda route: route.fulfill(status=404, body="{}"))
    sign_in(page, "responder-key", "team")

    # Then no name is shown and the controls are offered; the API decides as before
    expect(chain(page).locator(".chain__step")).to_have_count(3)
    expect(page.locator("#whoami")).to_be_hidden()
    expect(page.locator(".person__edit")).to_have_count(4)
    expect(chain(page).get_by_text("Kette bearbeiten")).to_be_visible()
    assert console.unexpected(404) == []
