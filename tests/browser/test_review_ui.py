"""The situational picture and the review in real Chromium against the fake backend: the Lagebild chart
of the Spülmeister 3000 storm (at 1280 and 375 px), what each statement did, who talked about what, the
"Nachbereitung" with its notes form (saved, refused field by field), its Markdown and PDF downloads, and
the "Nachbereitet" step that asks for the review first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.fake_api import FakeApi
from tests.browser.fake_storm import STORM_ID
from tests.browser.screens import OVERFLOW, last_write, shot, sign_in

pytestmark = pytest.mark.browser

PEAK = "Spitze am 25.11.: 41 Erwähnungen zwischen 10:35 und 10:40 Uhr, sonst etwa 1."
HOLDING_FEEDBACK = (
    "Nach der Stellungnahme: 108 statt 161 Erwähnungen pro Stunde, negativ 56 % statt 71 %. "
    "Der Sturm hat sich verlangsamt."
)
# The chart's colours (chart.js): statements are violet lines, mentions blue bars (half transparent).
VIOLET = (91, 63, 160)
BLUE = (31, 95, 191)
COUNT_COLOUR = """([canvas, rgb, alpha]) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > alpha && Math.abs(data[i] - rgb[0]) < 20 && Math.abs(data[i + 1] - rgb[1]) < 20
        && Math.abs(data[i + 2] - rgb[2]) < 20) n += 1;
  }
  return n;
}"""


def pixels(page: Page, rgb: tuple[int, int, int], alpha: int = 200) -> int:
    """How many pixels of the chart's canvas have this colour (at least this opaque)."""
    canvas = page.locator("#lagebild canvas").first
    return int(canvas.evaluate(f"(c, [rgb, a]) => ({COUNT_COLOUR})([c, rgb, a])", [list(rgb), alpha]))


def test_the_chart_shows_the_storm_with_its_moments_and_statements(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given the resolved Spülmeister 3000 storm with two published statements
    backend.add_storm()
    sign_in(page, "responder-key", f"incidents/{STORM_ID}")
    chart = page.locator("#lagebild")

    # Then the chart sits below the reasons with a plain sentence about the peak above it
    expect(chart.get_by_role("heading")).to_have_text("Lagebild")
    expect(chart.locator(".chart-summary")).to_have_text(
        f"{PEAK} In der Spitze 81 % negativ, üblich sind bis 25 %."
    )
    canvas = chart.locator("canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] >= 250, box
    # ...the moments and both statements as numbered lines, named below the chart
    expect(chart.locator(".chart-lines__item")).to_have_text(
        [
            re.compile(r"1\s*25\.11\. 10:31\s*Erstes Signal"),
            re.compile(r"2\s*25\.11\. 10:35\s*Erkannt"),
            re.compile(r"3\s*25\.11\. 10:41\s*Bestätigt"),
            re.compile(r"4\s*25\.11\. 10:57\s*Erste Stellungnahme auf X"),
            re.compile(r"5\s*25\.11\. 12:25\s*Pressestatement auf Website"),
            re.compile(r"6\s*25\.11\. 16:15\s*Gelöst"),
        ]
    )
    assert pixels(page, VIOLET) > 200  # the two statement lines are drawn
    assert pixels(page, BLUE, alpha=100) > 1000  # the bars
    # ...a legend below the plot, and the brand's usual range
    legend = chart.locator(".u-legend")
    expect(legend).to_contain_text("Erwartet")
    expect(legend).to_contain_text("Üblich negativ")
    legend_box = legend.bounding_box()
    assert legend_box is not None and legend_box["y"] >= box["y"] + box["height"]
    # ...and for screen readers a description and a table with the same numbers
    expect(chart.locator(".chart-host")).to_have_attribute("role", "img")
    expect(chart.locator(".chart-host")).to_have_attribute("aria-label", re.compile(re.escape(PEAK)))
    chart.get_by_text("Werte als Tabelle").click()
    peak_row = chart.locator(".chart-table tr", has_text="25.11. 10:35–10:40")
    expect(peak_row.locator("td").nth(1)).to_have_text("41")
    expect(peak_row.locator("td").nth(3)).to_have_text("81 %")
    expect(peak_row.locator("td").nth(4)).to_have_text("2 Erkannt")
    shot(page, "lagebild-fake-1280.png", "#lagebild")

    # When the hourly view is chosen
    chart.get_by_role("button", name="1 Std").click()

    # Then the hours are summed and the whole day before is shown
    expect(chart.get_by_role("button", name="1 Std")).to_have_attribute("aria-pressed", "true")
    expect(chart.locator(".chart-summary")).to_contain_text(
        "Spitze am 25.11.: 185 Erwähnungen zwischen 10:00 und 11:00 Uhr, sonst etwa 11. "
        "In der Spitze 72 % negativ, üblich sind bis 25 %."
    )
    assert ("GET", f"/incidents/{STORM_ID}/series", {"resolution": "1h"}) in backend.state["queries"]
    assert console.errors == []


def test_on_a_phone_the_chart_fits_the_screen_with_fewer_labels(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a phone-sized screen on the storm
    page.set_viewport_size({"width": 375, "height": 800})
    backend.add_storm()
    sign_in(page, "viewer-key", f"incidents/{STORM_ID}")
    chart = page.locator("#lagebild")
    chart.scroll_into_view_if_needed()

    # Then the chart is drawn inside the card, the legend below it, and nothing scrolls sideways
    canvas = chart.locator("canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    card = chart.bounding_box()
    assert box is not None and card is not None
    assert box["width"] > 250 and box["height"] >= 200, box
    assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"], (box, card)
    legend = chart.locator(".u-legend").bounding_box()
    assert legend is not None and legend["y"] >= box["y"] + box["height"]
    assert page.evaluate(OVERFLOW) <= 0
    # ...the lines carry their numbers, the list below names them
    expect(chart.locator(".chart-lines__item")).to_have_count(6)
    assert pixels(page, VIOLET) > 100
    shot(page, "lagebild-fake-375.png", "#lagebild")

    # When the phone turns (wider), Then the chart follows its card
    page.set_viewport_size({"width": 700, "height": 800})
    page.wait_for_function(
        "() => document.querySelector('#lagebild canvas').getBoundingClientRect().width > 500"
    )
    assert page.evaluate(OVERFLOW) <= 0
    assert console.errors == []


def test_each_statement_shows_what_it_did(page: Page, backend: FakeApi, console: Console) -> None:
    # Given the storm with a holding statement on X and a press statement
    backend.add_storm()
    sign_in(page, "responder-key", f"incidents/{STORM_ID}")
    statements = page.locator("#statements")

    # Then each has a card: what was said, where, by whom, and the hour before against the hour after
    expect(statements.get_by_role("heading", level=2)).to_have_text("Wirkung der Stellungnahmen")
    cards = statements.locator(".statement")
    expect(cards).to_have_count(2)
    holding = cards.nth(0)
    expect(holding.locator(".statement__title")).to_have_text("Erste Stellungnahme auf X")
    expect(holding.locator(".badge")).to_have_text("Verlangsamt")
    expect(holding).to_contain_text("von Anna Schmidt")
    expect(holding.locator(".statement__text")).to_contain_text("Bitte nutzen Sie das Gerät vorerst nicht.")
    expect(holding.locator(".statement__feedback")).to_have_text(HOLDING_FEEDBACK)
    rows = holding.locator(".feedback__figures tbody tr")
    expect(rows.nth(0)).to_have_text(re.compile(r"Erwähnungen pro Stunde\s*161\s*108"))
    expect(rows.nth(1)).to_have_text(re.compile(r"Negativ\s*71\s%\s*56\s%"))
    expect(holding.get_by_role("link", name="Beitrag öffnen")).to_have_attribute(
        "href", "https://x.example/mueller_hausgeraete/status/1861"
    )
    expect(cards.nth(1).locator(".statement__title")).to_have_text("Pressestatement auf Website")

    # When the page is switched to English, Then the API's English sentence is shown
    page.get_by_role("button", name="Switch to English").click()
    expect(holding.locator(".statement__feedback")).to_have_text(
        "After the statement: 108 instead of 161 mentions per hour, negative 56 % instead of 71 %. "
        "The storm slowed."
    )
    expect(holding.locator(".badge")).to_have_text("Slowed")
    expect(page.locator("#lagebild .chart-summary")).to_contain_text(
        "Peak on 25/11: 41 mentions between 10:35 and 10:40, otherwise about 1."
    )
    assert console.errors == []


def test_an_incident_without_statements_has_no_statement_lines(page: Page, console: Console) -> None:
    # Given the open incident, where nothing has been published yet
    sign_in(page, "responder-key", "incidents/inc-1")
    chart = page.locator("#lagebild")
    expect(chart.locator(".chart-summary")).to_contain_text(
        "Spitze: 25 Erwähnungen zwischen 09:55 und 10:00 Uhr"
    )

    # Then the chart shows the moments so far, no statement, and no card for statements
    expect(chart.locator(".chart-lines__item")).to_have_text(
        [re.compile("Erstes Signal"), re.compile("Erkannt")]
    )
    expect(page.locator("#statements")).to_be_hidden()
    assert pixels(page, VIOLET) == 0
    assert console.errors == []


def test_the_picture_lists_voices_terms_and_languages(page: Page, backend: FakeApi, console: Console) -> None:
    # Given the storm
    backend.add_storm()
    sign_in(page, "viewer-key", f"incidents/{STORM_ID}")
    picture = page.locator("#picture")

    # Then the loudest voices, the media, the risk terms, hashtags and languages are listed
    expect(picture.get_by_role("heading", level=2)).to_have_text("Wer spricht worüber")
    expect(picture).to_contain_text("312 Erwähnungen seit 25.11.2025, 10:31.")
    authors = picture.locator(".picture__block", has_text="Größte Reichweite").locator(".voices__item")
    expect(authors.first).to_contain_text("@kuechenprofi_jana")
    expect(authors.first).to_contain_text("Reichweite 144.000 · 48.000 Follower · 3 Erwähnungen")
    media = picture.locator(".picture__block", has_text="Medien").locator(".voices__handle")
    expect(media).to_have_text(["@rheinpfalz_news", "@verbrauchertipp_tv"])
    expect(picture.locator(".tag--risk").first).to_have_text(re.compile(r"Rauch\s*41"))
    expect(picture.locator(".tag--topic").first).to_have_text(re.compile(r"#rückruf\s*35"))
    expect(picture.locator(".langs__item")).to_have_text(
        [re.compile(r"Deutsch\s*90\s%\s\(280\)"), re.compile(r"Englisch\s*10\s%\s\(32\)")]
    )
    assert console.errors == []


def test_the_reviewed_step_asks_for_the_review_first(page: Page, backend: FakeApi, console: Console) -> None:
    # Given the resolved storm without a review
    backend.add_storm()
    sign_in(page, "responder-key", f"incidents/{STORM_ID}")
    expect(page.locator("#next-step")).to_contain_text("Zur Nachbereitung")

    # When "Nachbereitet" is pressed
    page.locator("#next-step").get_by_role("button", name="Nachbereitet").click()

    # Then the page says why not and where to write it, and the status stays
    message = page.locator(".action-message")
    expect(message).to_contain_text("Erst die Nachbereitung schreiben (Zusammenfassung, Lehren, Maßnahmen)")
    expect(page.locator(".detail-head .chip")).to_have_text("Gelöst")
    message.get_by_role("link", name="Zur Nachbereitung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nachbereitung: Spülmeister 3000: Rauch und Kurzschlüsse, Rückruf gefordert"
    )
    expect(
        page.get_by_role("navigation", name="Bereiche des Vorfalls").get_by_role("link", name="Nachbereitung")
    ).to_have_attribute("aria-current", "page")
    assert console.unexpected(409) == []


def test_the_review_is_written_refused_field_by_field_and_saved(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a responder on the storm's review
    backend.add_storm()
    sign_in(page, "responder-key", f"incidents/{STORM_ID}/review")
    review = page.locator(".view-review")
    expect(review.locator("#review-figures")).to_contain_text("6 Min 30 s")
    expect(review.locator("#review-figures tbody tr")).to_have_text(
        [
            re.compile(r"Erstes Signal\s*25\.11\.2025, 10:31\s*–"),
            re.compile(r"Erkannt\s*25\.11\.2025, 10:35\s*4 Min"),
            re.compile(r"Bestätigt\s*25\.11\.2025, 10:41\s*6 Min 30 s"),
            re.compile(r"Erste Reaktion\s*25\.11\.2025, 10:57\s*22 Min"),
            re.compile(r"Gelöst\s*25\.11\.2025, 16:15\s*5 Std 40 Min"),
        ]
    )
    expect(review.locator("#review-recovery")).to_contain_text(
        "Die negative Stimmung war 2 Std. 35 Min. nach der Erkennung wieder im üblichen Bereich"
    )
    expect(review.locator("#review-statements .statement")).to_have_count(2)
    checklist = review.locator("#review-checklist")
    expect(checklist).to_contain_text("Checkliste: Produktmangel oder Rückruf")
    expect(checklist.locator(".review-check--done")).to_have_count(4)
    expect(checklist.locator(".review-check--late")).to_contain_text("zu spät (Vorgabe: 15 Min)")
    expect(review.get_by_role("button", name="Als nachbereitet markieren")).to_be_disabled()

    # When a summary, a lesson and an action item without an owner are saved
    form = review.locator(".review-form")
    form.get_by_label("Zusammenfassung").fill("Rauchmeldungen zum Spülmeister 3000; Serie 3000-B betroffen.")
    form.get_by_role("textbox", name="Lehre 1").fill(
        "Die Qualitätssicherung gehört von Anfang an in den Krisenstab."
    )
    form.get_by_role("button", name="Weitere Lehre").click()
    form.get_by_role("textbox", name="Lehre 2").fill("Wird gelöscht")
    form.get_by_role("button", name="Lehre 2 entfernen").click()
    form.get_by_role("button", name="Weitere Maßnahme").click()
    action = form.get_by_role("group", name="Maßnahme 1")
    action.get_by_label("Was").fill("Hotline-Vertretung in den Dienstplan")
    action.get_by_label("Bis wann").fill("2025-12-15")
    form.get_by_role("button", name="Nachbereitung speichern").click()

    # Then the API's refusal stands at the owner field, plainly, and nothing was saved
    owner = action.get_by_label("Wer")
    expect(action.locator(".field-error:not(:empty)")).to_have_text(["Bitte ausfüllen."])
    expect(owner).to_have_attribute("aria-invalid", "true")
    expect(owner).to_be_focused()
    expect(form.locator(".review-form__message")).to_have_text("Bitte die markierten Angaben prüfen.")
    assert STORM_ID not in backend.state["reviews"]

    # When the owner is filled in and it is saved again
    owner.fill("Jonas Weber")
    action.get_by_label("Erledigt").check()
    form.get_by_role("button", name="Nachbereitung speichern").click()

    # Then it is saved with the version that was loaded, and says who wrote it
    expect(form.locator(".review-form__message")).to_have_text(
        "Nachbereitung gespeichert. Der Vorfall kann jetzt als nachbereitet markiert werden."
    )
    assert last_write(backend, "PUT", f"/incidents/{STORM_ID}/review") == {
        "summary": "Rauchmeldungen zum Spülmeister 3000; Serie 3000-B betroffen.",
        "lessons": ["Die Qualitätssicherung gehört von Anfang an in den Krisenstab."],
        "action_items": [
            {
                "text": "Hotline-Vertretung in den Dienstplan",
                "owner": "Jonas Weber",
                "due": "2025-12-15",
                "done": True,
            }
        ],
        "version": 14,
    }
    expect(review.locator(".review-written")).to_contain_text("Geschrieben von Rita Responder")
    expect(action.locator(".field-error:not(:empty)")).to_have_count(0)
    shot(page, "review-fake-1280.png")

    # When the incident is marked as reviewed from here
    review.get_by_role("button", name="Als nachbereitet markieren").click()

    # Then it is, with the version after the save
    expect(page.locator(".detail-head .chip")).to_have_text("Nachbereitet")
    assert last_write(backend, "POST", f"/incidents/{STORM_ID}/status") == {
        "status": "reviewed",
        "version": 15,
    }
    assert console.unexpected(422) == []


def test_a_review_saved_by_someone_else_meanwhile_keeps_what_was_typed(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a responder typing the storm's review
    backend.add_storm()
    sign_in(page, "responder-key", f"incidents/{STORM_ID}/review")
    form = page.locator(".review-form")
    form.get_by_label("Zusammenfassung").fill("Unsere Fassung")

    # When someone else saves first
    backend.someone_writes_the_review(STORM_ID)
    form.get_by_role("button", name="Nachbereitung speichern").click()

    # Then the conflict is explained, the text is still there, and saving again uses the new version
    expect(form.locator(".review-form__message")).to_contain_text("Ihr Text steht noch im Formular")
    expect(form.get_by_label("Zusammenfassung")).to_have_value("Unsere Fassung")
    form.get_by_role("button", name="Nachbereitung speichern").click()
    expect(form.locator(".review-form__message")).to_contain_text("Nachbereitung gespeichert.")
    assert last_write(backend, "PUT", f"/incidents/{STORM_ID}/review")["version"] == 15
    assert console.unexpected(409) == []


def test_the_review_downloads_as_markdown_and_pdf(page: Page, backend: FakeApi, console: Console) -> None:
    # Given a viewer on the storm's review
    backend.add_storm()
    sign_in(page, "viewer-key", f"incidents/{STORM_ID}/review")
    downloads = page.locator("#review-downloads")

    # When the Markdown is downloaded, Then a file with the API's name and a Markdown heading arrives
    with page.expect_download() as markdown:
        downloads.get_by_role("button", name="Als Markdown herunterladen").click()
    assert markdown.value.suggested_filename == f"review-{STORM_ID}.md"
    text = Path(markdown.value.path()).read_bytes()
    assert text.startswith(b"# Nachbereitung: Sp\xc3\xbclmeister 3000"), text[:80]
    expect(downloads.locator(".notice")).to_have_text(f"Heruntergeladen: review-{STORM_ID}.md")

    # When the PDF is downloaded, Then it is a PDF
    with page.expect_download() as pdf:
        downloads.get_by_role("button", name="Als PDF herunterladen").click()
    assert pdf.value.suggested_filename == f"review-{STORM_ID}.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")

    # ...both asked for with the key, as every other call (the fake answers 401 without it)
    asked = [q[2] for q in backend.state["queries"] if q[1] == f"/incidents/{STORM_ID}/review"]
    assert {"format": "markdown", "lang": "de"} in asked and {"format": "pdf", "lang": "de"} in asked
    assert console.errors == []


def test_a_viewer_reads_the_review_of_a_drill_without_edit_controls(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given the resolved incident of a drill, with notes, opened by a viewer from the list
    backend.add_drill_incident()
    sign_in(page, "viewer-key", "incidents")
    drill = page.locator(".incident", has_text="Spülmeister 3000: Rauchmeldungen (Übung)")
    expect(drill.locator(".badge--drill")).to_have_text("ÜBUNG")
    drill.get_by_role("link").click()
    expect(page.locator(".detail-head .badge--drill")).to_have_text("ÜBUNG")
    page.get_by_role("navigation", name="Bereiche des Vorfalls").get_by_role(
        "link", name="Nachbereitung"
    ).click()

    # Then the drill's score is at the top, against the playbook's targets
    banner = page.locator("#review-drill")
    expect(banner.locator(".badge--drill")).to_have_text("ÜBUNG")
    expect(banner).to_contain_text(
        "Dieser Vorfall war eine Übung (UEB-20251126-4A2B3C). Er zählt in keinem Bericht."
    )
    expect(banner.locator(".drill-banner__score")).to_have_text(
        "2 von 3 Zielen erreicht; 1 von 10 Checklistenpunkten rechtzeitig."
    )
    expect(banner.locator("tbody tr")).to_have_text(
        [
            re.compile(r"Bestätigt\s*10 Min\s*8 Min\s*Ja"),
            re.compile(r"Erste Reaktion\s*30 Min\s*noch nicht\s*Nein"),
            re.compile(r"Gelöst\s*3 T 0 Std\s*1 Std 35 Min\s*Ja"),
        ]
    )
    # ...and the notes are read, not edited
    notes = page.locator("#review-notes")
    expect(notes).to_contain_text("Schreiben können alle mit der Berechtigung „Bearbeiten“.")
    expect(notes).to_contain_text("Dienstplan Hotline ergänzen – Jonas Weber, bis 2025-12-05")
    expect(notes.locator("textarea, input")).to_have_count(0)
    expect(notes.get_by_role("button")).to_have_count(0)
    assert console.errors == []


def test_the_review_on_a_phone_does_not_scroll_sideways(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a phone-sized screen on the storm's review
    page.set_viewport_size({"width": 375, "height": 800})
    backend.add_storm()
    sign_in(page, "responder-key", f"incidents/{STORM_ID}/review")
    page.locator(".review-form").get_by_role("button", name="Weitere Maßnahme").click()

    # Then every part fits the screen
    expect(page.locator("#lagebild canvas").first).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    shot(page, "review-fake-375.png")
    assert console.errors == []
