"""The response desk as the crisis team uses it, in real Chromium against the real local stack with the
demo storm: the SMS link opens the incident on the phone and acknowledges it; then people sign in with
their own keys, work the checklist and the facts, write a reply to a top mention and take it through
four eyes (SEV1: two approvers) to publication, which the timeline records.

Screenshots of each step go to the test's tmp dir and to out/screenshots/ (git-ignored)."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from chalicelib.local.emulator import free_port
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Console
from tests.e2e.stack import ROOT, Stack

pytestmark = pytest.mark.e2e

SMS_DEADLINE_S = 150
# "[SMS an Jonas Weber +4915100000002] KRISENRADAR SEV1: ... http://localhost:8000/#/i/INC-.../<token>"
SMS_LINE = re.compile(
    r"^\[SMS an (?P<name>[^\n]+?) (?P<phone>\+\d{7,15})\] [^\n]*?"
    r"(?P<link>https?://\S+/#/i/(?P<incident>INC-[A-Za-z0-9-]+)/[A-Za-z0-9_-]{27})\s*$",
    re.MULTILINE,
)
LINK_ACTIVE = "Angemeldet über den Link aus Ihrer Benachrichtigung (gilt 60 Minuten, nur für diesen Vorfall)"
FOUR_EYES = "Eigene Entwürfe kann nur eine zweite Person freigeben."
FACT = "Betroffen ist nach bisheriger Prüfung nur der Spülmeister 3000."
OUT = ROOT / "out" / "screenshots"


class Shots:
    """Numbered screenshots in the tmp dir, copied to out/screenshots/."""

    def __init__(self, page: Page, tmp: Path) -> None:
        self.page, self.dir, self.paths = page, tmp / "screenshots", []
        self.dir.mkdir(parents=True, exist_ok=True)
        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.glob("[0-9][0-9]-*.png"):  # only this test's numbered shots; others run alongside
            old.unlink()

    def take(self, name: str, part: Locator | None = None, *, full_page: bool = True) -> None:
        """The whole page, or only `part` (a card), or (full_page=False) the first screen."""
        path = self.dir / f"{len(self.paths) // 2 + 1:02d}-{name}.png"
        if part is not None:
            part.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=full_page)
        copy = OUT / path.name
        shutil.copyfile(path, copy)
        self.paths += [path, copy]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path, free_port())
    try:
        running.wait_healthy()
        yield running
    finally:
        assert running.stop() == 0, running.output()


def personal_key(stack: Stack, user_id: str) -> str:
    status, answer = stack.post(
        f"/users/{user_id}/api-keys", json.dumps({"name": "e2e browser"}).encode(), {}
    )
    assert status == 201, answer
    return str(answer["api_key"])


def level_one_sms(stack: Stack) -> dict[str, str]:
    """Wait for the demo's SMS alerts and return the one sent to the level-1 responder (a link each)."""
    team = {user["name"]: user for user in stack.get("/users")["items"]}
    deadline = stack.started + SMS_DEADLINE_S
    while time.monotonic() < deadline:
        for line in SMS_LINE.finditer(stack.output()):
            person = team.get(line["name"])
            if person and person["escalation_level"] == 1 and person["role"] == "responder":
                return {**line.groupdict(), "user_id": person["user_id"]}
        time.sleep(1)  # the only wait on time: the demo storm runs at its own pace
    raise AssertionError("no SMS to a level-1 responder in time:\n" + stack.output())


def sign_in(page: Page, key: str, incident_url: str) -> Locator:
    """Sign out whoever is signed in, sign in with `key` and open the incident; returns its drafts card."""
    if page.get_by_role("button", name="Abmelden").is_visible():
        page.get_by_role("button", name="Abmelden").click()
    page.get_by_label("API-Schlüssel").fill(key)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    page.goto(incident_url)
    drafts = page.locator("#drafts")
    expect(drafts.get_by_role("heading", name="Antwortentwürfe")).to_be_visible()
    return drafts


def test_the_sms_link_and_the_desk_from_acknowledgement_to_a_published_statement(
    stack: Stack, tmp_path: Path
) -> None:
    keys = {user: personal_key(stack, user) for user in ("jonas-weber", "anna-schmidt", "petra-krause")}
    # Its own thread, so its own Playwright: the browser tests' session Chromium may be running in
    # this process, and Playwright's sync API does not nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        console = pool.submit(in_chromium, stack, keys, tmp_path).result()
    assert console.unexpected(403) == []  # the two refused approvals
    print(f"from stack start to the published statement: {time.monotonic() - stack.started:.0f} s")


def in_chromium(stack: Stack, keys: dict[str, str], tmp_path: Path) -> Console:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="de-DE", timezone_id="Europe/Berlin"
        )
        phone.set_default_timeout(15_000)
        page = phone.new_page()
        console = Console()
        page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
        shots = Shots(page, tmp_path)
        try:
            sms = level_one_sms(stack)
            print(f"SMS to {sms['name']} after {time.monotonic() - stack.started:.0f} s: {sms['link']}")
            run_the_desk(page, stack, sms, keys, shots)
        except BaseException:
            shots.take("failure")
            raise
        finally:
            browser.close()
            for path in shots.paths:
                print(f"screenshot: {path}")
    return console


def run_the_desk(page: Page, stack: Stack, sms: dict[str, str], keys: dict[str, str], shots: Shots) -> None:
    incident_id = sms["incident"]
    incident_url = sms["link"].split("/#/")[0] + f"/#/incidents/{incident_id}"
    detail: dict[str, Any] = stack.get(f"/incidents/{incident_id}")
    assert detail["severity"] == "SEV1", detail["severity"]  # the demo storm: two approvers needed

    # The SMS link on the phone: the incident opens without a key, and says how
    page.goto(sms["link"])
    expect(page.locator("#access")).to_contain_text(LINK_ACTIVE)
    expect(page.locator(".detail-title")).to_have_text(detail["title"])
    expect(page.locator(".detail-head .chip")).to_have_text("Offen")
    expect(page).to_have_url(incident_url)  # the token is out of the address bar
    shots.take("link-opened-on-phone", full_page=False)

    # ...and acknowledges it in the recipient's name
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.locator(".detail-head .chip")).to_have_text("Bestätigt")
    expect(page.locator(".timeline__item--acknowledged")).to_contain_text(f"von {sms['name']}")
    page.get_by_role("button", name="Bearbeitung beginnen").click()
    expect(page.locator(".action-message")).to_contain_text("Für weitere Schritte bitte anmelden.")
    shots.take("link-acknowledged", full_page=False)
    assert stack.get(f"/incidents/{incident_id}")["acknowledged_by"] == sms["name"]

    # The responder signs in with his key on the same page: the whole desk
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, keys["jonas-weber"], incident_url)
    checklist = page.locator("#checklist")
    item = checklist.locator(".check-item:not(.check-item--done)").first
    item_id = item.get_attribute("data-item-id")
    checklist.locator(f'[data-item-id="{item_id}"]').get_by_role("checkbox").check()
    expect(checklist.locator(f'[data-item-id="{item_id}"]')).to_contain_text("erledigt von Jonas Weber")

    facts = page.locator("#facts")
    facts.get_by_label("Neuer Fakt").fill(FACT)
    facts.get_by_role("button", name="Fakt hinzufügen").click()
    fact = facts.locator(".fact", has_text=FACT)
    fact.get_by_role("button", name="Geprüft").click()
    expect(fact).to_contain_text("geprüft von Jonas Weber")
    shots.take("checklist-and-fact")

    # ...writes a reply to the first top mention on X
    mention = next(m for m in detail["top_mentions"] if m["platform"] == "x")
    drafts = page.locator("#drafts")
    drafts.get_by_label("Antwort auf (eine der wichtigsten Erwähnungen)").select_option(mention["mention_id"])
    expect(drafts.get_by_label("Kanal")).to_have_value("x")
    drafts.get_by_role("button", name="Entwurf erstellen").click()
    expect(drafts.locator(".draft-message")).to_contain_text("Entwurf erstellt.")
    expect(drafts.locator(".draft-answering")).to_contain_text(mention["author"]["handle"])
    expect(drafts.locator(".draft-recommendation")).to_contain_text("Empfohlener Weg:")
    expect(drafts.locator(".draft-approvals")).to_have_text("Braucht zwei Freigaben (0 von 2)")
    expect(drafts.locator(".draft-checks-region .draft-check--error")).to_have_count(0)
    shots.take("reply-drafted", drafts)

    # ...and cannot approve it himself: a responder is not offered approving at all (GET /me)
    expect(drafts.get_by_role("button", name="Freigeben")).to_have_count(0)
    shots.take("own-approval-refused", drafts)

    # An approver may not approve what she wrote herself either (four eyes)
    drafts = sign_in(page, keys["anna-schmidt"], incident_url)
    new = drafts.locator(".draft-new")
    new.locator("summary").click()
    drafts.get_by_label("Art").select_option("holding_statement")
    drafts.get_by_label("Kanal").select_option("website")
    drafts.get_by_role("button", name="Entwurf erstellen").click()
    expect(drafts.locator(".draft-message")).to_contain_text("Entwurf erstellt.")
    drafts.get_by_role("button", name="Freigeben").click()
    expect(drafts.locator(".draft-message")).to_have_text(FOUR_EYES)
    shots.take("four-eyes-refused", drafts)

    # Two other approvers approve Jonas Weber's reply: SEV1 needs both
    reply = drafts.locator(".draft-list__item", has_text="Antwort · X")
    reply.click()
    expect(reply).to_have_attribute("aria-pressed", "true")
    expect(drafts.locator(".draft-editor__title")).to_contain_text("Antwort · X")
    drafts.get_by_role("button", name="Freigeben").click()
    expect(drafts.locator(".draft-approvals")).to_contain_text("Braucht zwei Freigaben (1 von 2)")
    expect(drafts.get_by_role("button", name="Veröffentlichen")).to_have_count(0)
    shots.take("first-approval", drafts)

    drafts = sign_in(page, keys["petra-krause"], incident_url)
    drafts.locator(".draft-list__item", has_text="Antwort · X").click()
    expect(drafts.locator(".draft-approvals")).to_contain_text("(1 von 2)")
    drafts.get_by_role("button", name="Freigeben").click()
    expect(drafts.locator(".draft-approvals")).to_contain_text("Freigegeben (2 von 2)")
    expect(drafts.locator(".draft-approvals")).to_contain_text("Anna Schmidt, Dr. Petra Krause")
    shots.take("second-approval", drafts)

    # The responder publishes it, and the timeline tells the story
    drafts = sign_in(page, keys["jonas-weber"], incident_url)
    drafts.locator(".draft-list__item", has_text="Antwort · X").click()
    expect(drafts.locator(".draft-editor__state .chip")).to_have_text("Freigegeben")
    drafts.get_by_label("Link zum veröffentlichten Beitrag (optional)").fill(
        "https://x.com/mueller_hg/status/1"
    )
    drafts.get_by_role("button", name="Veröffentlichen").click()
    expect(drafts.locator(".draft-editor__state .chip")).to_have_text("Veröffentlicht")
    timeline = page.locator(".timeline")
    expect(timeline.locator(".timeline__item--statement_published")).to_contain_text(
        "Stellungnahme veröffentlicht"
    )
    expect(timeline.locator(".timeline__item--statement_published")).to_contain_text(
        "https://x.com/mueller_hg/status/1"
    )
    for kind, text in (
        ("detected", "Erkannt"),
        ("acknowledged", sms["name"]),
        ("checklist", "Jonas Weber"),
        ("fact_added", FACT),
        ("fact_verified", FACT),
    ):
        expect(timeline.locator(f".timeline__item--{kind}").first).to_contain_text(text)
    expect(drafts.locator(".draft-history")).to_contain_text("Versionen (4)")
    page.locator("#timeline").scroll_into_view_if_needed()
    shots.take("published-and-timeline")

    published = stack.get(f"/incidents/{incident_id}/drafts")["items"]
    reply_view = next(d for d in published if d["kind"] == "reply")
    assert reply_view["status"] == "published"
    assert [a["by"] for a in reply_view["approvals"]] == ["Anna Schmidt", "Dr. Petra Krause"]
