"""The reply-draft editor in real Chromium: write a draft from the playbook to a top mention, edit it,
see the recommendation, the checks and the versions, and take it through four eyes to publication,
with the API's refusals (own draft, blocking errors, someone else was faster) said plainly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest
from playwright.sync_api import Locator, Page, expect

from chalicelib.domain.models import DraftChannel, DraftKind
from tests.browser.conftest import Console
from tests.browser.fake_api import FakeApi

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/desk-ui")
FOUR_EYES = "Eigene Entwürfe kann nur eine zweite Person freigeben."
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def open_incident(page: Page, key: str, incident_id: str) -> Locator:
    """Sign in with `key` (signing out whoever was signed in) and open the incident's drafts card."""
    page.goto("/")
    if page.get_by_role("button", name="Abmelden").is_visible():
        page.get_by_role("button", name="Abmelden").click()
    page.get_by_label("API-Schlüssel").fill(key)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator(".incident").first).to_be_visible()
    page.goto(f"/#/incidents/{incident_id}")
    drafts = page.locator("#drafts")
    expect(drafts.get_by_role("heading", name="Antwortentwürfe")).to_be_visible()
    return drafts


def write_draft(
    drafts: Locator, *, mention: str | None = None, kind: str | None = None, channel: str | None = None
) -> None:
    """Create a draft with the form (opened if it is folded away); the editor then shows it."""
    new = drafts.locator(".draft-new")
    if not new.evaluate("el => el.open"):
        new.locator("summary").click()
    if mention:
        drafts.get_by_label("Antwort auf (eine der wichtigsten Erwähnungen)").select_option(mention)
    if kind:
        drafts.get_by_label("Art").select_option(label=kind)
    if channel:
        drafts.get_by_label("Kanal").select_option(label=channel)
    drafts.get_by_role("button", name="Entwurf erstellen").click()
    expect(drafts.locator(".draft-message")).to_contain_text("Entwurf erstellt.")


def last_write(backend: FakeApi, path_end: str) -> tuple[str, str, Any]:
    return next(w for w in reversed(backend.state["writes"]) if w[1].endswith(path_end))


def test_a_reply_to_a_top_mention_is_written_edited_approved_and_published(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given Jonas Weber (responder) on an incident with a verified fact and no drafts yet
    drafts = open_incident(page, "jonas-key", "inc-2")
    expect(drafts.locator(".empty")).to_have_text("Noch keine Entwürfe.")
    expect(drafts.locator(".draft-new")).to_have_attribute("open", "")

    # When he answers the first top mention: its platform and language are chosen for him
    mention = drafts.get_by_label("Antwort auf (eine der wichtigsten Erwähnungen)")
    expect(mention.locator("option")).to_have_text(
        [
            "– keine, allgemeine Stellungnahme –",
            "@kunde1 (mastodon): Der Flitzer ist gefährlich, bitte sofort Rückruf! #mueller",
            '@kunde2 (mastodon): <img src=x onerror="alert(1)"> Stimmt das mit dem Rückruf?',
        ]
    )
    mention.select_option("mastodon#n-1")
    expect(drafts.get_by_label("Kanal")).to_have_value("mastodon")
    expect(drafts.get_by_label("Sprache")).to_have_value("de")
    expect(drafts.get_by_label("Art")).to_have_value("reply")
    drafts.get_by_label("Du", exact=True).check()
    drafts.get_by_role("button", name="Entwurf erstellen").click()

    # Then the playbook's text with the verified fact is in an editable field, with advice and checks
    text = drafts.get_by_label("Text", exact=True)
    expect(text).to_have_value(re.compile("Softwarefehlers"))  # the verified fact, and only that one
    assert "300 Bestellungen" not in text.input_value()  # the unverified fact stays out
    expect(drafts.locator(".draft-editor__title")).to_have_text("Antwort · Mastodon · DE · Du")
    expect(drafts.locator(".draft-answering")).to_contain_text("Antwort auf @kunde1")
    expect(drafts.locator(".draft-recommendation")).to_contain_text("Empfohlener Weg: Öffentlich antworten")
    expect(drafts.locator(".draft-recommendation__why")).to_contain_text("Empathie")
    expect(drafts.locator(".draft-approvals")).to_have_text("Braucht eine Freigabe (0 von 1)")
    expect(drafts.locator(".draft-message")).to_contain_text("Entwurf erstellt.")
    expect(drafts.locator(".draft-list__item")).to_have_count(1)
    expect(drafts.locator(".draft-list__item .chip")).to_have_text("Entwurf")
    assert last_write(backend, "/inc-2/drafts")[2] == {
        "kind": "reply",
        "channel": "mastodon",
        "language": "de",
        "address": "Du",
        "mention_id": "mastodon#n-1",
    }

    # When he edits the text and saves it
    text.fill(text.input_value() + "\nWir melden uns heute noch einmal.")
    drafts.get_by_role("button", name="Speichern").click()

    # Then a new version was saved from the version he saw, and the history has both
    expect(drafts.locator(".draft-message")).to_have_text("Gespeichert – eine neue Version, erneut geprüft.")
    assert last_write(backend, "/drafts/" + draft_id(backend))[2]["version"] == 1
    expect(drafts.locator(".draft-history")).to_contain_text("Versionen (2)")
    versions = drafts.locator(".draft-version")
    expect(versions.locator(".draft-version__head")).to_have_text(
        [
            re.compile(r"^Version 2 · bearbeitet · Jonas Weber"),
            re.compile(r"^Version 1 · erstellt · Jonas Weber"),
        ]
    )
    versions.first.get_by_text("Text dieser Version").click()
    expect(versions.first.locator(".draft-version__text")).to_be_visible()
    expect(versions.first.locator(".draft-version__text")).to_contain_text("heute noch einmal")

    # Then approving and rejecting are not offered to him: his role (GET /me) is below approver
    expect(drafts.get_by_role("button", name="Freigeben")).to_have_count(0)
    expect(drafts.get_by_role("button", name="Ablehnen")).to_have_count(0)

    # When Dr. Petra Krause (approver) approves it, Then one approval is enough below SEV1
    drafts = open_incident(page, "petra-key", "inc-2")
    expect(drafts.get_by_label("Text", exact=True)).to_have_value(re.compile("heute noch einmal"))
    drafts.get_by_label("Notiz zur Freigabe oder Ablehnung (optional)").fill("Passt so.")
    drafts.get_by_role("button", name="Freigeben").click()
    expect(drafts.locator(".draft-editor__state .chip")).to_have_text("Freigegeben")
    expect(drafts.locator(".draft-approvals")).to_have_text(
        "Freigegeben (1 von 1) Freigegeben von Dr. Petra Krause."
    )
    assert last_write(backend, "/approve")[2] == {"version": 2, "note": "Passt so."}

    # When it is published with the link to the post
    expect(drafts.get_by_role("button", name="Freigeben")).to_have_count(0)
    drafts.get_by_label("Link zum veröffentlichten Beitrag (optional)").fill(
        "https://social.example/@mueller/1"
    )
    drafts.get_by_role("button", name="Veröffentlichen").click()

    # Then the draft says so, and the incident's timeline records the statement
    expect(drafts.locator(".draft-editor__state .chip")).to_have_text("Veröffentlicht")
    expect(drafts.locator(".draft-published")).to_contain_text("Veröffentlicht von Dr. Petra Krause")
    expect(drafts.get_by_role("link", name="https://social.example/@mueller/1")).to_be_visible()
    entry = page.locator(".timeline__item--statement_published")
    expect(entry).to_contain_text("Stellungnahme veröffentlicht")
    expect(entry).to_contain_text("Antwort auf mastodon (https://social.example/@mueller/1)")
    expect(drafts.get_by_role("button", name="Veröffentlichen")).to_have_count(0)
    expect(drafts.get_by_role("button", name="Speichern")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "drafts-published.png"), full_page=True)
    assert console.unexpected(403) == []


def draft_id(backend: FakeApi) -> str:
    return next(iter(backend.state["drafts"].items))


def test_own_drafts_need_a_second_person_and_sev1_needs_two_approvers(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given Dr. Petra Krause (approver) writing a holding statement on a SEV1 incident
    drafts = open_incident(page, "petra-key", "inc-1")
    write_draft(drafts, kind="Erste Stellungnahme")
    expect(drafts.locator(".draft-approvals")).to_have_text("Braucht zwei Freigaben (0 von 2)")

    # When she approves her own draft, Then she is told plainly that a second person must
    drafts.get_by_role("button", name="Freigeben").click()
    expect(drafts.locator(".draft-message")).to_have_text(FOUR_EYES)
    expect(drafts.locator(".draft-editor__state .chip")).to_have_text("Entwurf")
    assert backend.state["drafts"].get(draft_id(backend)).approvals == ()

    # Given a reply Jonas Weber wrote to a top mention of the same incident
    drafts = open_incident(page, "jonas-key", "inc-1")
    write_draft(drafts, mention="mastodon#n-1")
    expect(drafts.locator(".draft-list__item")).to_have_count(2)
    expect(drafts.locator(".draft-list__item").first).to_contain_text("Antwort · Mastodon")
    expect(drafts.locator(".draft-approvals")).to_have_text("Braucht zwei Freigaben (0 von 2)")

    # When Anna Schmidt approves it, Then it still needs a second approver and cannot be published
    drafts = open_incident(page, "admin-key", "inc-1")
    expect(drafts.locator(".draft-list__item").first).to_have_attribute("aria-pressed", "true")
    drafts.get_by_role("button", name="Freigeben").click()
    expect(drafts.locator(".draft-approvals")).to_have_text(
        "Braucht zwei Freigaben (1 von 2) Freigegeben von Anna Schmidt."
    )
    expect(drafts.locator(".draft-editor__state .chip")).to_have_text("Entwurf")
    expect(drafts.get_by_role("button", name="Veröffentlichen")).to_have_count(0)

    # When Dr. Petra Krause approves it as the second person
    drafts = open_incident(page, "petra-key", "inc-1")
    drafts.locator(".draft-list__item", has_text="Antwort").click()
    expect(drafts.locator(".draft-approvals")).to_contain_text("(1 von 2)")
    drafts.get_by_role("button", name="Freigeben").click()

    # Then it is approved by two people and may be published
    expect(drafts.locator(".draft-editor__state .chip")).to_have_text("Freigegeben")
    expect(drafts.locator(".draft-approvals")).to_have_text(
        "Freigegeben (2 von 2) Freigegeben von Anna Schmidt, Dr. Petra Krause."
    )
    expect(drafts.locator(".draft-history")).to_contain_text("Versionen (3)")
    expect(drafts.locator(".draft-version__head")).to_have_text(
        [
            re.compile(r"^Version 3 · freigegeben · Dr. Petra Krause"),
            re.compile(r"^Version 2 · freigegeben · Anna Schmidt"),
            re.compile(r"^Version 1 · erstellt · Jonas Weber"),
        ]
    )
    drafts.get_by_role("button", name="Veröffentlichen").click()
    expect(page.locator(".timeline__item--statement_published")).to_contain_text(
        "Stellungnahme veröffentlicht"
    )
    assert last_write(backend, "/publish")[2] == {"version": 3}
    assert console.unexpected(403) == []


def test_blocking_checks_are_red_warnings_amber_and_both_speak_the_current_language(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a reply on X that Jonas Weber makes too long and gives an unverified number
    drafts = open_incident(page, "jonas-key", "inc-2")
    write_draft(drafts, mention="mastodon#n-1", channel="X")
    expect(drafts.locator(".draft-editor__title")).to_have_text("Antwort · X · DE · Sie")
    text = drafts.get_by_label("Text", exact=True)
    text.fill("Rund 300 Geräte sind betroffen. " + "Wir kümmern uns darum. " * 12)
    drafts.get_by_role("button", name="Speichern").click()

    # Then the length is an error (red) and the number a warning (amber), in German
    error = drafts.locator(".draft-checks-region .draft-check--error")
    warning = drafts.locator(".draft-checks-region .draft-check--warning")
    expect(error).to_contain_text("x erlaubt 280: bitte kürzen.")
    expect(error.locator(".badge")).to_have_text("Fehler")
    expect(warning).to_contain_text("Behauptungen ohne geprüften Fakt")
    expect(warning.locator(".badge")).to_have_text("Warnung")
    colours = [el.evaluate("el => getComputedStyle(el).borderLeftColor") for el in (error, warning)]
    assert colours == ["rgb(180, 35, 24)", "rgb(154, 91, 0)"], colours
    expect(drafts.locator(".draft-checks__blocking")).to_contain_text("Fehler verhindern die Freigabe")

    # When an approver tries to approve it anyway, Then the blocking checks are listed
    drafts = open_incident(page, "petra-key", "inc-2")
    drafts.get_by_role("button", name="Freigeben").click()
    blocked = drafts.locator(".draft-message .draft-blocked")
    expect(blocked).to_contain_text("Der Entwurf kann so nicht freigegeben werden.")
    expect(blocked.locator(".draft-check--error")).to_contain_text("bitte kürzen")
    expect(blocked.locator(".draft-check")).to_have_count(1)  # only what blocks

    # When the language is switched, Then checks and advice are English
    page.get_by_role("button", name="Switch to English").click()
    expect(error).to_contain_text("x allows 280: please shorten.")
    expect(error.locator(".badge")).to_have_text("Error")
    expect(drafts.locator(".draft-recommendation__why")).to_contain_text("empathy")
    expect(blocked.locator(".draft-check--error")).to_contain_text("please shorten")
    assert console.unexpected(409) == []


def test_a_stale_save_keeps_the_text_and_shows_what_is_true_now(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given a draft Jonas Weber is editing
    drafts = open_incident(page, "jonas-key", "inc-2")
    write_draft(drafts, kind="Erste Stellungnahme")
    text = drafts.get_by_label("Text", exact=True)
    text.fill("Mein neuer Text.")

    # When someone else saves the draft first, and he saves
    stale = backend.state["drafts"].get(draft_id(backend))
    backend.state["drafts"].save(stale.model_copy(update={"text": "Annas Fassung."}))
    drafts.get_by_role("button", name="Speichern").click()

    # Then he is told, his text is still there, and the history shows the newer version
    expect(drafts.locator(".draft-message")).to_contain_text(
        "Jemand anderes hat den Entwurf inzwischen geändert"
    )
    expect(text).to_have_value("Mein neuer Text.")
    expect(drafts.locator(".draft-editor__state")).to_contain_text("Version 2")

    # When he saves again, Then it is saved on top of the newer version
    drafts.get_by_role("button", name="Speichern").click()
    expect(drafts.locator(".draft-message")).to_contain_text("Gespeichert")
    assert last_write(backend, "/drafts/" + stale.draft_id)[2] == {"text": "Mein neuer Text.", "version": 2}
    assert console.unexpected(409) == []


def test_a_reply_without_a_mention_is_refused_at_the_field(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given the new-draft form with "Antwort" and no mention chosen
    drafts = open_incident(page, "jonas-key", "inc-2")
    drafts.get_by_role("button", name="Entwurf erstellen").click()

    # Then the mention field says what is missing, and nothing was sent
    mention = drafts.get_by_label("Antwort auf (eine der wichtigsten Erwähnungen)")
    expect(drafts.locator("#draft-mention-error")).to_have_text(
        "Antworten und Direktnachrichten beantworten eine Erwähnung: bitte eine auswählen."
    )
    expect(mention).to_have_attribute("aria-invalid", "true")
    expect(mention).to_be_focused()
    assert backend.state["writes"] == []

    # When a press statement is asked for in Du, Then the API's reason stands at the address field
    drafts.get_by_label("Art").select_option(label="Pressestatement")
    drafts.get_by_label("Du", exact=True).check()
    drafts.get_by_role("button", name="Entwurf erstellen").click()
    expect(drafts.locator("#draft-address-error")).to_have_text("press statements are formal: Sie")
    assert console.unexpected(400) == []


def test_on_a_phone_the_editor_fits_the_screen(page: Page, backend: FakeApi, console: Console) -> None:
    # Given a phone-sized screen and a SEV1 draft with checks
    page.set_viewport_size({"width": 375, "height": 800})
    drafts = open_incident(page, "petra-key", "inc-1")  # an approver: every button is offered
    write_draft(drafts, mention="mastodon#n-1", channel="X")
    drafts.get_by_label("Text", exact=True).fill(
        "Rund 300 Geräte sind betroffen: https://mueller.example/service/rueckruf/spuelmeister-3000-informationen"
    )
    drafts.get_by_role("button", name="Speichern").click()
    expect(drafts.locator(".draft-check--warning")).to_be_visible()
    drafts.locator(".draft-version").first.get_by_text("Text dieser Version").click()
    drafts.get_by_text("Neuen Entwurf schreiben").click()

    # Then nothing scrolls sideways, and every control is inside the screen
    assert page.evaluate(OVERFLOW) <= 0
    for control in (
        drafts.get_by_label("Text", exact=True),
        drafts.get_by_role("button", name="Speichern"),
        drafts.get_by_role("button", name="Freigeben"),
        drafts.get_by_role("button", name="Ablehnen"),
        drafts.get_by_label("Antwort auf (eine der wichtigsten Erwähnungen)"),
        drafts.get_by_role("button", name="Entwurf erstellen"),
    ):
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    expect(drafts.locator(".draft-approvals")).to_have_text("Braucht zwei Freigaben (0 von 2)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    drafts.screenshot(path=str(SHOTS / "phone-drafts.png"))
    assert console.errors == []


def test_the_frontend_knows_the_domain_kinds_and_channels(page: Page, console: Console) -> None:
    # Given the page's drafts module, Then it offers exactly the kinds and channels the API accepts
    page.goto("/")
    lists = page.evaluate("import('./ui/draft-parts.js').then((m) => [m.KINDS, m.CHANNELS])")
    assert lists == [list(get_args(DraftKind)), list(get_args(DraftChannel))]
    assert console.errors == []
