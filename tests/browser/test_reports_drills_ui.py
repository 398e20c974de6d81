"""Reports and drills in real Chromium against the fake backend: the numbers of a period (drills not
counted) with the CSV exports for Excel, and drills listed, started (checked in the page and by the
API, field by field) and stopped, their incidents stamped "ÜBUNG"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.fake_api import FakeApi
from tests.browser.screens import OVERFLOW, last_write, shot, sign_in

pytestmark = pytest.mark.browser


def test_the_report_counts_a_period_without_drills(page: Page, backend: FakeApi, console: Console) -> None:
    # Given four real incidents and a drill's incident in the last 90 days
    backend.add_storm()
    backend.add_drill_incident()
    sign_in(page, "viewer-key", "incidents")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Berichte").click()

    # Then the default period is the last 90 days, as whole days in Berlin time
    expect(page.get_by_role("heading", level=1)).to_have_text("Berichte")
    expect(page.get_by_label("Von")).to_have_value("2025-08-28")
    expect(page.get_by_label("Bis")).to_have_value("2025-11-26")
    summary = page.locator(".report-count")
    expect(summary).to_have_text("4 Vorfälle")
    assert (
        "GET",
        "/reports/summary",
        {"since": "2025-08-27T22:00:00Z", "until": "2025-11-26T23:00:00Z"},
    ) in (backend.state["queries"])
    overview = page.locator("#report-overview")
    expect(overview).to_contain_text("1 Übung nicht mitgezählt.")
    expect(overview.locator(".report-medians")).to_have_text(
        re.compile(
            r"Bis zur Erkennung\s*2 Min\s*Bis zur Bestätigung\s*3 Min\s*"
            r"Bis zur ersten Reaktion\s*22 Min\s*Bis zur Lösung\s*3 Std 10 Min"
        )
    )
    # ...per brand and severity, with the totals
    row = page.locator("#report-brands tbody tr")
    expect(row).to_have_text(re.compile(r"Müller Haushaltsgeräte GmbH\s*2\s*0\s*1\s*1\s*4"))
    expect(page.locator("#report-brands tfoot tr")).to_have_text(
        re.compile(r"Alle Marken\s*2\s*0\s*1\s*1\s*4")
    )
    expect(page.locator("#report-types li").first).to_have_text(re.compile(r"Produktmangel oder Rückruf\s*2"))

    # When a period is chosen that ends before it starts, Then nothing is asked and the page says why
    asked = len(backend.state["queries"])
    page.get_by_label("Von").fill("2025-11-20")
    page.get_by_label("Bis").fill("2025-11-01")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator(".view-reports .form-message")).to_have_text("„Von“ muss vor „Bis“ liegen.")
    assert len(backend.state["queries"]) == asked

    # When only the last days are chosen, Then only the storm of 25 November counts
    page.get_by_label("Von").fill("2025-11-25")
    page.get_by_label("Bis").fill("2025-11-25")
    page.get_by_role("button", name="Anzeigen").click()
    expect(summary).to_have_text("1 Vorfall")
    assert (
        "GET",
        "/reports/summary",
        {"since": "2025-11-24T23:00:00Z", "until": "2025-11-25T23:00:00Z"},
    ) in (backend.state["queries"])
    assert console.errors == []


def test_incidents_and_mentions_download_as_csv_for_excel(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given the report page
    sign_in(page, "viewer-key", "reports")
    expect(page.locator(".report-count")).to_have_text("3 Vorfälle")
    exports = page.locator("#report-exports")

    # When the incidents are downloaded
    with page.expect_download() as incidents:
        exports.get_by_role("button", name="Vorfälle als CSV").click()

    # Then a semicolon-separated file with a BOM arrives under the API's name
    assert incidents.value.suggested_filename == "incidents-20250827-20251126.csv"
    content = Path(incidents.value.path()).read_bytes()
    assert content.startswith("\ufeffincident_id;brand;severity;status".encode())
    assert "Rückruf-Gerüchte zum Kinderwagen „Flitzer“".encode() in content

    # When the mentions of the chosen brand are downloaded
    expect(exports.get_by_label("Marke")).to_have_value("mueller")
    with page.expect_download() as first:
        exports.get_by_role("button", name="Erwähnungen als CSV").click()

    # Then the first part arrives, and the page offers the next one (the API splits long exports)
    assert first.value.suggested_filename == "mentions-mueller-20250827-20251126-1.csv"
    lines = Path(first.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "published_at;platform;author;followers;reach;sentiment;lang;text"
    assert len(lines) == 4
    expect(exports.locator(".notice--success")).to_have_text(
        "Heruntergeladen: mentions-mueller-20250827-20251126-1.csv"
    )
    expect(exports.locator(".notice--info")).to_contain_text("Es gibt noch mehr Erwähnungen")
    with page.expect_download() as second:
        exports.get_by_role("button", name="Teil 2 herunterladen").click()
    assert second.value.suggested_filename == "mentions-mueller-20250827-20251126-2.csv"
    rest = Path(second.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert len(rest) == 3 and rest[0] == lines[0] and not set(rest[1:]) & set(lines[1:])
    asked = [q[2] for q in backend.state["queries"] if q[1] == "/reports/mentions.csv"]
    assert [q.get("next_token") for q in asked] == [None, "3"]
    expect(exports.get_by_role("button", name=re.compile("Teil 3"))).to_have_count(0)
    assert console.errors == []


def test_drills_are_started_checked_and_stopped_by_an_approver(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given an approver on the drills page
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "petra-key", "incidents")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Übungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Übungen")
    drills = page.locator(".drill")
    expect(drills).to_have_count(2)
    finished = drills.first
    expect(finished.locator(".badge--drill")).to_have_text("ÜBUNG")
    expect(finished.locator(".drill__title")).to_have_text("Produktmangel oder Rückruf")
    expect(finished).to_contain_text("Beendet")
    expect(finished).to_contain_text("(Vorfall gelöst)")
    expect(finished.get_by_role("link", name="inc-drill")).to_be_visible()
    form = page.locator(".drill-form")

    # When the form is sent without a scenario and with speed 0
    form.get_by_label("Tempo").fill("0")
    form.get_by_role("button", name="Übung starten").click()

    # Then the page says what is missing, at the fields, and nothing was sent
    expect(page.locator("#drill-playbook-error")).to_have_text("Bitte ein Szenario wählen.")
    expect(page.locator("#drill-speed-error")).to_have_text("Bitte eine ganze Zahl ab 1 eingeben.")
    expect(form.get_by_label("Szenario (Playbook)")).to_be_focused()
    expect(form.get_by_label("Tempo")).to_have_attribute("aria-invalid", "true")
    assert not [w for w in backend.state["writes"] if w[1] == "/drills"]

    # When a scenario is chosen and a speed the API does not allow
    form.get_by_label("Szenario (Playbook)").select_option("produktmangel-rueckruf")
    expect(form.get_by_label("Marke")).to_have_value("mueller")  # the only brand, chosen already
    form.get_by_label("Tempo").fill("5000")
    form.get_by_role("button", name="Übung starten").click()

    # Then the API's reason stands at the speed field
    expect(page.locator("#drill-speed-error")).to_contain_text("speed must be between 1 and 600")
    expect(page.locator("#drill-playbook-error")).to_have_text("")
    assert last_write(backend, "POST", "/drills") == {
        "playbook": "produktmangel-rueckruf",
        "brand": "mueller",
        "speed": 5000,
    }

    # When it is sent with 60 times the speed
    form.get_by_label("Tempo").fill("60")
    form.get_by_role("button", name="Übung starten").click()

    # Then the drill runs and is listed first
    expect(page.locator(".view-drills > .section-message")).to_have_text(
        re.compile(r"Übung UEB-20251126-\w{6} gestartet\.")
    )
    running = page.locator(".drill--running")
    expect(running).to_contain_text("Läuft")
    expect(running).to_contain_text("noch nicht erkannt")
    expect(running).to_contain_text("60-fach")
    expect(drills).to_have_count(3)
    shot(page, "drills-fake-1280.png")

    # When it is stopped
    running.get_by_role("button", name=re.compile("beenden")).click()

    # Then it has ended, by whom
    expect(page.locator(".drill--running")).to_have_count(0)
    expect(drills.first).to_contain_text("von Dr. Petra Krause")
    expect(page.locator(".view-drills > .section-message")).to_contain_text("beendet.")
    assert console.unexpected(422) == []


def test_viewers_see_drills_but_cannot_start_them(page: Page, console: Console) -> None:
    # Given a viewer on the drills page of a phone
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "viewer-key", "drills")

    # Then the list is there, the form is not, and nothing scrolls sideways
    expect(page.locator(".drill")).to_have_count(2)
    expect(page.locator(".drill-start")).to_contain_text(
        "Übungen starten und beenden können alle mit der Berechtigung „Freigeben“."
    )
    expect(page.locator(".drill-form")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("beenden"))).to_have_count(0)
    assert page.evaluate(OVERFLOW) <= 0
    page.goto("/#/reports")
    expect(page.locator(".report-count")).to_have_text("3 Vorfälle")
    assert page.evaluate(OVERFLOW) <= 0
    assert console.errors == []
