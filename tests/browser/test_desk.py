"""The response desk in real Chromium: lifecycle steps, status updates, facts, crisis roles, the playbook
checklist, who is on duty, the team page, and the phone layout where the next step comes first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from chalicelib.domain.lifecycle import TRANSITIONS
from tests.browser.conftest import Console
from tests.browser.fake_api import FakeApi, incident

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/desk-ui")
STALE = "Jemand anderes hat den Vorfall inzwischen geändert – neu geladen."
I18N = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "i18n.js"


def sign_in(page: Page, key: str, route: str | None = None) -> None:
    page.goto("/")
    page.get_by_label("API-Schlüssel").fill(key)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator(".incident").first).to_be_visible()
    if route:
        page.goto(f"/#/{route}")


def step_buttons(page: Page) -> Locator:
    return page.locator("#next-step [data-step]")


def last_write(backend: FakeApi, path_end: str) -> tuple[str, str, Any]:
    return next(w for w in reversed(backend.state["writes"]) if w[1].endswith(path_end))


def screenshot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_the_buttons_follow_the_lifecycle_and_a_conflict_reloads(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a responder on a new, open incident
    sign_in(page, "responder-key", "incidents/inc-1")

    # Then only the steps the lifecycle allows are offered, acknowledging first
    expect(step_buttons(page)).to_have_text(["Bestätigen", "Bearbeitung beginnen", "Lösen"])
    expect(page.locator("#next-step .btn--primary")).to_have_text("Bestätigen")
    expect(page.locator("#next-step .next-step__lead")).to_contain_text("stoppt die Eskalation")

    # When it is acknowledged (the idempotent route, as before)
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.locator(".detail-head .chip")).to_have_text("Bestätigt")
    expect(step_buttons(page)).to_have_text(["Bearbeitung beginnen", "Beobachten", "Lösen"])
    assert last_write(backend, "/acknowledge")[2] == {}

    # When the response starts, with a note
    page.get_by_label("Notiz (optional)").fill("Krisenstab tagt um 10 Uhr")
    page.get_by_role("button", name="Bearbeitung beginnen").click()

    # Then the status, the version it was based on and the note reached the API
    expect(page.locator(".detail-head .chip")).to_have_text("In Bearbeitung")
    expect(page.locator(".action-message")).to_have_text("Bearbeitung begonnen.")
    expect(page.locator(".timeline")).to_contain_text("In Bearbeitung: Krisenstab tagt um 10 Uhr")
    assert last_write(backend, "/status")[2] == {
        "status": "responding",
        "note": "Krisenstab tagt um 10 Uhr",
        "version": 2,
    }
    expect(step_buttons(page)).to_have_text(["Beobachten", "Lösen"])

    # When someone else saves an update first, and then "Beobachten" is pressed
    backend.someone_else_writes("inc-1", "Pressestelle ruft zurück")
    page.get_by_role("button", name="Beobachten").click()

    # Then a clear message says so, the page shows what is true now, and nothing was changed
    expect(page.locator(".action-message")).to_have_text(STALE)
    expect(page.locator(".timeline")).to_contain_text("Pressestelle ruft zurück")
    expect(page.locator(".detail-head .chip")).to_have_text("In Bearbeitung")
    assert backend.state["incidents"][0]["status"] == "responding"

    # When the step is tried again on the fresh version, Then it works
    page.get_by_role("button", name="Beobachten").click()
    expect(page.locator(".detail-head .chip")).to_have_text("Beobachtung")
    assert last_write(backend, "/status")[2] == {"status": "monitoring", "version": 4}
    expect(step_buttons(page)).to_have_text(["Lösen", "Bearbeitung beginnen"])  # recommended first
    expect(page.locator("#next-step .btn--primary")).to_have_text("Lösen")

    # ...and through to the end and back again
    page.get_by_role("button", name="Lösen").click()
    expect(page.locator(".detail-head .chip")).to_have_text("Gelöst")
    expect(step_buttons(page)).to_have_text(["Nachbereitet", "Wieder öffnen"])
    page.get_by_role("button", name="Nachbereitet").click()  # not without the written review
    expect(page.locator(".action-message")).to_contain_text("Erst die Nachbereitung schreiben")
    expect(page.locator(".detail-head .chip")).to_have_text("Gelöst")
    backend.someone_writes_the_review("inc-1")
    page.clock.run_for(10_500)  # the refresh brings the version of the written review
    expect(page.locator(".timeline")).to_contain_text("Nachbereitung geschrieben")
    page.get_by_role("button", name="Nachbereitet").click()
    expect(page.locator(".detail-head .chip")).to_have_text("Nachbereitet")
    expect(step_buttons(page)).to_have_text(["Wieder öffnen"])
    page.get_by_role("button", name="Wieder öffnen").click()
    expect(page.locator(".detail-head .chip")).to_have_text("Offen")
    expect(page.locator(".timeline")).to_contain_text("Wieder geöffnet")
    assert console.unexpected(409) == []


def test_the_frontend_lifecycle_is_the_domain_lifecycle(page: Page, console: Console) -> None:
    # Given the page's own lifecycle module, Then it allows exactly what the API allows
    page.goto("/")
    table = page.evaluate("import('./ui/lifecycle.js').then((m) => m.TRANSITIONS)")
    assert {k: sorted(v) for k, v in table.items()} == {
        status.value: sorted(s.value for s in allowed) for status, allowed in TRANSITIONS.items()
    }
    assert console.errors == []


def test_a_status_update_goes_to_the_timeline_without_changing_the_status(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an acknowledged incident
    sign_in(page, "responder-key", "incidents/inc-2")
    form = page.locator(".update-form")

    # When an empty update is sent, Then the field says what is missing and nothing is sent
    form.get_by_role("button", name="Lagemeldung speichern").click()
    expect(page.locator("#update-error")).to_have_text("Bitte einen Text eingeben.")
    assert backend.state["writes"] == []

    # When an update is written and saved
    page.get_by_label("Lagemeldung").fill("Hotline mit 6 zusätzlichen Plätzen besetzt")
    form.get_by_role("button", name="Lagemeldung speichern").click()

    # Then it is in the timeline as a status update, and the status stays
    expect(page.locator(".timeline__item--note")).to_contain_text(
        "Hotline mit 6 zusätzlichen Plätzen besetzt"
    )
    expect(page.locator(".timeline__item--note")).to_contain_text("Lagemeldung")
    expect(page.locator(".detail-head .chip")).to_have_text("Bestätigt")
    expect(page.get_by_label("Lagemeldung")).to_have_value("")
    assert last_write(backend, "/notes")[2] == {"text": "Hotline mit 6 zusätzlichen Plätzen besetzt"}
    assert console.errors == []


def test_a_fact_is_added_and_verified_by_a_named_person(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an incident with one verified and one unverified fact
    sign_in(page, "responder-key", "incidents/inc-2")
    facts = page.locator("#facts")
    expect(facts).to_contain_text("Antwortentwürfe verwenden nur geprüfte Fakten.")
    expect(facts.locator(".fact")).to_have_count(2)
    first, second = facts.locator(".fact").nth(0), facts.locator(".fact").nth(1)
    expect(first.locator(".badge")).to_have_text("Geprüft")
    expect(first).to_contain_text("geprüft von Anna Schmidt")
    expect(first.get_by_role("button")).to_have_count(0)
    expect(second.locator(".badge")).to_have_text("Ungeprüft")
    expect(facts).to_contain_text("1 von 2 geprüft")

    # When a new fact is added
    facts.get_by_label("Neuer Fakt").fill("Ursache: Update der Telefonanlage am Montag")
    facts.get_by_role("button", name="Fakt hinzufügen").click()

    # Then it is listed as unverified, added by the person, and the field is ready for the next one
    new = facts.locator(".fact", has_text="Ursache: Update der Telefonanlage am Montag")
    expect(new.locator(".badge")).to_have_text("Ungeprüft")
    expect(new).to_contain_text("erfasst von Rita Responder")
    expect(facts.get_by_label("Neuer Fakt")).to_have_value("")
    expect(facts.get_by_label("Neuer Fakt")).to_be_focused()
    assert last_write(backend, "/facts")[2] == {"text": "Ursache: Update der Telefonanlage am Montag"}

    # When it is verified
    new.get_by_role("button", name="Geprüft").click()

    # Then it says who verified it, and only the older unverified fact still offers the button
    expect(new.locator(".badge")).to_have_text("Geprüft")
    expect(new).to_contain_text("geprüft von Rita Responder")
    expect(facts).to_contain_text("2 von 3 geprüft")
    expect(facts.get_by_role("button", name="Geprüft")).to_have_count(1)
    expect(page.locator(".timeline")).to_contain_text("Fakt F3 geprüft")
    assert last_write(backend, "/verify")[1] == "/incidents/inc-2/facts/F3/verify"
    assert console.errors == []


def test_a_refresh_does_not_disturb_someone_typing(page: Page, backend: FakeApi, console: Console) -> None:
    # Given a responder typing a fact
    sign_in(page, "responder-key", "incidents/inc-2")
    field = page.get_by_label("Neuer Fakt")
    field.fill("Betroffen sind Bestellungen seit dem")
    expect(field).to_be_focused()

    # When someone else changes the incident and the ten-second refresh shows it
    backend.someone_else_writes("inc-2", "Hotline-Dienstleister informiert")
    page.clock.run_for(10_500)
    expect(page.locator(".timeline")).to_contain_text("Hotline-Dienstleister informiert")

    # Then the half-written fact, the focus and the caret are where they were
    expect(field).to_be_focused()
    page.keyboard.type(" 18. November")
    expect(field).to_have_value("Betroffen sind Bestellungen seit dem 18. November")
    assert console.errors == []


def test_a_crisis_role_is_given_to_someone_from_the_team(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an incident led by Anna Schmidt
    sign_in(page, "responder-key", "incidents/inc-2")
    roles = page.locator("#roles")
    expect(roles.get_by_label("Krisenleitung")).to_have_value("anna-schmidt")
    expect(roles.get_by_label("Kommunikation")).to_have_value("")
    expect(roles.locator(".role-row").first).to_contain_text("+4915100000001")  # call the lead

    # When Kommunikation is given to Jonas Weber and a refresh happens before saving
    roles.get_by_label("Kommunikation").select_option("jonas-weber")
    page.clock.run_for(10_500)
    expect(roles.get_by_label("Kommunikation")).to_have_value("jonas-weber")  # the choice survives
    roles.get_by_role("button", name="Rollen speichern").click()

    # Then only the changed role is sent, and the incident shows who holds it
    expect(roles.locator(".section-message")).to_have_text("Krisenrollen gespeichert.")
    assert last_write(backend, "/roles")[2] == {"assignments": {"Kommunikation": "jonas-weber"}}
    expect(page.locator(".timeline")).to_contain_text("Rollen: Kommunikation: Jonas Weber")
    holders = page.locator(".check-item", has=page.locator(".tag--role", has_text="Kommunikation"))
    expect(holders.first.locator(".check-item__holder")).to_have_text("Jonas Weber")

    # When the role is taken away again, Then null is sent
    roles.get_by_label("Kommunikation").select_option("")
    roles.get_by_role("button", name="Rollen speichern").click()
    expect(page.locator(".timeline")).to_contain_text("Kommunikation: niemand")
    assert last_write(backend, "/roles")[2] == {"assignments": {"Kommunikation": None}}
    assert console.errors == []


def test_the_checklist_shows_what_is_overdue_and_items_are_ticked(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an acknowledged incident 50 minutes old, with its playbook's first-hour checklist
    sign_in(page, "responder-key", "incidents/inc-2")
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("Playbook: Störung oder Lieferprobleme")
    expect(checklist).to_contain_text("(automatisch gewählt)")
    expect(checklist.locator(".checklist-head__progress")).to_contain_text("1 von 9 erledigt")

    # Then the open items whose time is up stand out, with how long they are overdue
    overdue = checklist.locator(".check-item--overdue")
    expect(overdue).to_have_count(7)
    expect(overdue.first.locator(".due--overdue")).to_have_text("Überfällig seit 40 Min")
    expect(checklist.locator(".check-item--done")).to_contain_text("erledigt von Anna Schmidt")
    expect(page.locator("#next-step")).to_contain_text("7 Checklistenpunkte überfällig")

    # When the first open item is ticked
    first_open = checklist.locator(".check-item:not(.check-item--done)").first
    text = first_open.locator("label").inner_text()
    # A stable locator: once ticked, "the first open item" is the next one (check() would tick it too)
    checklist.locator(".check-item", has_text=text).get_by_role("checkbox").check()

    # Then it is done, by whom, and the API got the tick
    done = checklist.locator(".check-item", has_text=text)
    expect(done).to_have_class(re.compile(r"check-item--done"))
    expect(done).to_contain_text("erledigt von Rita Responder")
    expect(done.get_by_role("checkbox")).to_be_checked()
    expect(checklist.locator(".checklist-head__progress")).to_contain_text("2 von 9 erledigt")
    expect(overdue).to_have_count(6)
    assert last_write(backend, "/checklist/ausmass-klaeren")[2] == {"done": True}

    # When the next step box's "Erledigt" is used for the next item
    next_task = page.locator("#next-step .next-task__text").inner_text()
    page.locator("#next-step").get_by_role("button", name="Erledigt").click()
    expect(checklist.locator(".check-item", has_text=next_task)).to_have_class(
        re.compile(r"check-item--done")
    )

    # When it is un-ticked again, Then it is open again
    checklist.locator(".check-item", has_text=text).get_by_role("checkbox").uncheck()
    expect(checklist.locator(".check-item", has_text=text)).not_to_have_class(re.compile(r"check-item--done"))
    assert last_write(backend, "/checklist/ausmass-klaeren")[2] == {"done": False}

    # When another playbook is chosen
    checklist.get_by_text("Anderes Playbook wählen").click()
    checklist.get_by_label("Playbook", exact=True).select_option("datenpanne")
    checklist.get_by_role("button", name="Playbook wechseln").click()

    # Then its checklist is shown, marked as chosen by hand
    expect(checklist).to_contain_text("Playbook: Datenpanne oder Cyberangriff")
    expect(checklist).to_contain_text("(von Hand gewählt)")
    assert last_write(backend, "/playbook")[2] == {"playbook_id": "datenpanne"}
    assert console.errors == []


def test_items_become_overdue_as_time_passes(page: Page, console: Console) -> None:
    # Given an open incident 7 minutes after detection: only the 5-minute item is overdue
    sign_in(page, "responder-key", "incidents/inc-1")
    overdue = page.locator("#checklist .check-item--overdue")
    expect(overdue).to_have_count(1)
    expect(page.locator("#next-step")).to_contain_text("1 Checklistenpunkt überfällig")

    # When four more minutes pass, Then the 10-minute items are overdue too
    page.clock.run_for(4 * 60_000)
    expect(overdue).to_have_count(3)
    expect(overdue.first.locator(".due--overdue")).to_have_text("Überfällig seit 6 Min")
    assert console.errors == []


def test_who_is_on_duty_is_on_the_incident_page(page: Page, console: Console) -> None:
    # Given an incident, Then the people on duty are listed by escalation level, with phone links
    sign_in(page, "viewer-key", "incidents/inc-1")
    duty = page.locator("#duty")
    expect(duty.get_by_role("heading")).to_have_text("Wer hat Dienst")
    expect(duty.locator(".duty__name")).to_have_text(["Anna Schmidt", "Jonas Weber", "Dr. Petra Krause"])
    expect(duty.locator(".duty__level")).to_have_text(["Stufe 1", "Stufe 1", "Stufe 2"])
    expect(duty.get_by_role("link", name="+4915100000002")).to_have_attribute("href", "tel:+4915100000002")
    expect(duty).not_to_contain_text("Tobias Hahn")
    duty.get_by_role("link", name="Krisenteam verwalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Krisenteam")
    assert console.errors == []


def test_people_switch_their_own_duty_and_are_told_when_they_may_not(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given Jonas Weber (a responder with his own key) on the team page, reached by the navigation
    sign_in(page, "jonas-key")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Team").click()
    expect(page).to_have_url(re.compile(r"#/team$"))
    people = page.locator(".person")
    expect(people).to_have_count(4)
    expect(page.locator(".team-summary")).to_have_text("3 von 4 im Dienst")
    jonas = page.locator(".person", has_text="Jonas Weber")
    expect(jonas).to_contain_text("Social-Media-Manager")
    expect(jonas).to_contain_text("Stufe 1")
    expect(jonas.get_by_role("link", name="jonas.weber@mueller-hausgeraete.example")).to_be_visible()

    # When he switches his own duty off
    jonas.get_by_role("switch", name="Im Dienst").uncheck()

    # Then the change was sent with the version he saw, and the team shows it
    jonas = page.locator(".person", has_text="Jonas Weber")
    expect(jonas.locator(".badge")).to_have_text("Nicht im Dienst")
    expect(jonas.locator(".person__duty")).to_contain_text("Jonas Weber ist nicht mehr im Dienst.")
    expect(page.locator(".team-summary")).to_have_text("2 von 4 im Dienst")
    assert last_write(backend, "/users/jonas-weber") == (
        "PUT",
        "/users/jonas-weber",
        {"on_duty": False, "version": 1},
    )
    assert backend.user("jonas-weber").on_duty is False

    # When he tries to switch someone else's duty
    petra = page.locator(".person", has_text="Dr. Petra Krause")
    petra.get_by_role("switch", name="Im Dienst").click()

    # Then the API's reason is shown next to that switch, and nothing changed
    expect(petra.locator(".person__duty")).to_contain_text("Keine Berechtigung")
    expect(petra.locator(".person__duty")).to_contain_text("people may change their own phone, email")
    expect(petra.get_by_role("switch", name="Im Dienst")).to_be_checked()
    assert backend.user("petra-krause").on_duty is True
    assert console.unexpected(403) == []


def test_an_admin_changes_role_and_escalation_level_with_messages_at_the_fields(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an admin on the team page, editing Tobias Hahn
    sign_in(page, "admin-key", "team")
    tobias = page.locator(".person", has_text="Tobias Hahn")
    tobias.get_by_text("Berechtigung und Eskalationsstufe ändern").click()

    # When an escalation level the API does not allow is saved
    tobias.get_by_label("Eskalationsstufe").fill("7")
    tobias.get_by_role("button", name="Speichern").click()

    # Then the API's message stands next to that field
    level_error = tobias.locator("#escalation_level-tobias-hahn-error")
    expect(level_error).to_have_text("Zu groß – Input should be less than or equal to 5")
    expect(tobias.get_by_label("Eskalationsstufe")).to_have_attribute("aria-invalid", "true")
    expect(tobias.get_by_label("Eskalationsstufe")).to_have_value("7")  # what was typed stays
    assert backend.user("tobias-hahn").escalation_level == 3

    # When someone else changes him in the meantime and a valid change is saved
    stale = backend.user("tobias-hahn")
    backend.state["users"].save(stale.model_copy(update={"function": "Leiter QS und Produktsicherheit"}))
    tobias.get_by_label("Eskalationsstufe").fill("2")
    tobias.get_by_label("Berechtigung").select_option("responder")
    tobias.get_by_role("button", name="Speichern").click()

    # Then the conflict is explained and the page shows the current state
    expect(tobias.locator(".person__edit")).to_contain_text(
        "Jemand anderes hat diese Person inzwischen geändert – neu geladen."
    )
    expect(tobias).to_contain_text("Leiter QS und Produktsicherheit")

    # When saved again, Then role and level change
    tobias.get_by_role("button", name="Speichern").click()
    expect(tobias.locator(".person__edit")).to_contain_text("Gespeichert.")
    expect(tobias.locator(".person__facts")).to_contain_text("Stufe 2")
    expect(tobias.locator(".person__facts")).to_contain_text("Bearbeiten")
    assert last_write(backend, "/users/tobias-hahn")[2] == {
        "role": "responder",
        "escalation_level": 2,
        "version": 2,  # the version reloaded after the conflict
    }
    assert console.unexpected(400, 409) == []


def test_all_six_statuses_have_labels_and_their_own_colour(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given incidents in every status
    for index, status in enumerate(("responding", "monitoring", "reviewed")):
        backend.add_incident(incident(f"inc-s{index}", f"Status {status}", "SEV3", status, 90 + index))
    sign_in(page, "responder-key")

    # Then the filter offers every status, in German and in English
    options = page.locator("#filter-status option")
    expect(options).to_have_text(
        ["Alle", "Offen", "Bestätigt", "In Bearbeitung", "Beobachtung", "Gelöst", "Nachbereitet"]
    )
    chips = page.locator(".incident .chip")
    expect(chips).to_have_count(6)
    colours = {chip.inner_text(): chip.evaluate("el => getComputedStyle(el).color") for chip in chips.all()}
    assert len(set(colours.values())) == 6, colours
    page.get_by_role("button", name="Switch to English").click()
    expect(options).to_have_text(
        ["All", "Open", "Acknowledged", "Responding", "Monitoring", "Resolved", "Reviewed"]
    )
    assert console.errors == []


def test_german_and_english_have_the_same_strings() -> None:
    # Given the UI strings, Then every German key has an English one and the other way round
    source = I18N.read_text(encoding="utf-8")
    german = source[source.index("  de: {") : source.index("  en: {")]
    english = source[source.index("  en: {") : source.index("let current")]
    keys = re.compile(r'^    "([^"]+)":', re.MULTILINE)
    assert set(keys.findall(german)) == set(keys.findall(english))
    assert len(keys.findall(german)) == len(set(keys.findall(german)))


def test_on_a_phone_the_next_step_comes_first_and_nothing_scrolls_sideways(
    page: Page, console: Console
) -> None:
    # Given a phone-sized screen on an incident that is being worked on
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "responder-key", "incidents/inc-2")
    expect(page.locator("#checklist .check-item").first).to_be_visible()
    expect(page.locator("#duty .duty").first).to_be_visible()

    # Then the next step is the first card, and its main button is on the first screen
    cards = page.locator(".detail-grid .card:visible")
    expect(cards.first).to_have_id("next-step")
    primary = page.locator("#next-step .btn--primary").first
    expect(primary).to_have_text("Bearbeitung beginnen")
    box = primary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, box

    # ...then reasons, checklist, facts, reply drafts, roles and the timeline, in that order
    order = ["#next-step", "#reasons", "#checklist", "#facts", "#drafts", "#roles", "#duty", "#timeline"]
    tops = [page.locator(selector).bounding_box()["y"] for selector in order]  # type: ignore[index]
    assert tops == sorted(tops), dict(zip(order, tops, strict=True))
    # ...keyboard order is the same as what the eye sees
    ids = page.locator(".detail-grid .card:visible").evaluate_all("cards => cards.map((c) => c.id)")
    assert ids[:8] == [selector[1:] for selector in order], ids

    # ...and neither the incident nor the team page scrolls sideways
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    page.screenshot(path=str(SHOTS / "phone-incident-first-screen.png"))
    screenshot(page, "phone-incident-full.png")
    page.goto("/#/team")
    expect(page.locator(".person")).to_have_count(4)
    assert page.evaluate(overflow) <= 0
    nav = page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Team")
    nav_box = nav.bounding_box()
    assert nav_box is not None and nav_box["x"] + nav_box["width"] <= 375, nav_box
    screenshot(page, "phone-team.png")
    assert console.errors == []


def test_on_a_wide_screen_the_desk_sits_beside_the_story(page: Page, console: Console) -> None:
    # Given a desktop screen on an incident that is being worked on
    sign_in(page, "responder-key", "incidents/inc-2")
    expect(page.locator("#checklist .check-item").first).to_be_visible()

    # Then the next step leads the main column and facts, roles and duty stand beside it
    expect(page.locator(".detail-main > .card").first).to_have_id("next-step")
    expect(page.locator(".detail-side > .card:visible")).to_have_count(4)
    next_box = page.locator("#next-step").bounding_box()
    facts_box = page.locator("#facts").bounding_box()
    assert next_box is not None and facts_box is not None
    assert facts_box["x"] > next_box["x"] + next_box["width"] and abs(facts_box["y"] - next_box["y"]) < 2
    screenshot(page, "desktop-incident.png")
    assert console.errors == []
