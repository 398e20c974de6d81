"""An alert's link in real Chromium: it opens its one incident without a key and lets its recipient
acknowledge it; anything more asks to sign in, and a refused link says so plainly."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.fake_api import NOW, FakeApi, alert_link

pytestmark = pytest.mark.browser

ACTIVE = "Angemeldet über den Link aus Ihrer Benachrichtigung (gilt 60 Minuten, nur für diesen Vorfall)"
SIGN_IN_FOR_MORE = "Für weitere Schritte bitte anmelden."
REFUSED = "Dieser Link gilt nicht (mehr)."


def altered(token: str) -> str:
    """One character of the signature changed (a middle one: the last carries padding bits only)."""
    return token[:12] + ("A" if token[12] != "A" else "B") + token[13:]


def storage(page: Page) -> dict[str, Any]:
    return page.evaluate(
        "({key: sessionStorage.getItem('krisenradar.apiKey'), link: sessionStorage.getItem('krisenradar.link')})"
    )


def test_a_link_opens_its_incident_and_acknowledges_it_without_a_key(
    page: Page, backend: FakeApi, console: Console
) -> None:
    # Given the link Jonas Weber got by SMS for the open SEV1 incident
    token = alert_link("inc-1", "jonas-weber")
    page.goto(f"/#/i/inc-1/{token}")

    # Then the incident opens, says how, and the token left the address bar for this tab's storage
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückruf-Gerüchte zum Kinderwagen „Flitzer“")
    expect(page.locator("#access")).to_contain_text(ACTIVE)
    expect(page).to_have_url(f"{backend.url}/#/incidents/inc-1")
    assert json.loads(storage(page)["link"]) == {"incidentId": "inc-1", "token": token}
    assert storage(page)["key"] is None
    expect(page.locator(".timeline")).to_contain_text("Erkannt: 31 Erwähnungen in 5 Minuten")
    expect(page.locator(".mention").first).to_contain_text("Der Flitzer ist gefährlich")

    # ...only what a link may read was asked for (the incident, then its situational picture), with the
    # link, and nothing of the team or drafts shows
    expect(page.locator("#lagebild canvas").first).to_be_visible()
    expect(page.locator("#picture")).to_contain_text("Risikobegriffe")
    readable = ["/incidents/inc-1", "/incidents/inc-1/series", "/incidents/inc-1/picture"]
    assert set(backend.state["link_requests"]) == {("GET", path) for path in readable}
    assert backend.state["queries"][0][1] == "/incidents/inc-1"
    assert {q[1] for q in backend.state["queries"]} == set(readable)
    tabs = page.get_by_role("navigation", name="Bereiche des Vorfalls")
    expect(tabs).to_have_count(0)  # the review needs a key
    for hidden in ("#drafts", "#roles", "#duty", "#alerts", ".back-link"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_hidden()

    # When he acknowledges it
    page.get_by_role("button", name="Bestätigen").click()

    # Then it is acknowledged in his name, with the link
    expect(page.locator(".detail-head .chip")).to_have_text("Bestätigt")
    expect(page.locator(".action-message")).to_have_text("Vorfall bestätigt.")
    expect(page.locator(".timeline")).to_contain_text("Bestätigt")
    assert backend.state["incidents"][0]["acknowledged_by"] == "Jonas Weber"
    assert ("POST", "/incidents/inc-1/acknowledge") in backend.state["link_requests"]

    # When he tries the next step, Then he is asked to sign in, with the form at hand, and nothing is sent
    page.get_by_role("button", name="Bearbeitung beginnen").click()
    expect(page.locator(".action-message")).to_contain_text(SIGN_IN_FOR_MORE)
    page.locator(".action-message").get_by_role("button", name="Zur Anmeldung").click()
    expect(page.get_by_label("API-Schlüssel")).to_be_focused()
    expect(page.locator("#login")).to_contain_text("Für weitere Schritte bitte anmelden")
    first_item = page.locator("#checklist .check-item").first
    first_item.get_by_role("checkbox").click()  # check() would insist on the tick staying
    expect(page.locator("#checklist .section-message")).to_contain_text(SIGN_IN_FOR_MORE)
    expect(first_item.get_by_role("checkbox")).not_to_be_checked()
    assert [w[1] for w in backend.state["writes"]] == ["/incidents/inc-1/acknowledge"]

    # When he signs in with his key on that form
    page.get_by_label("API-Schlüssel").fill("jonas-key")
    page.get_by_role("button", name="Anmelden").click()

    # Then the same incident shows the whole desk, and the link is forgotten
    expect(page.locator("#drafts")).to_be_visible()
    expect(page.locator("#access")).to_have_count(0)
    expect(page.locator("#login")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    expect(page).to_have_url(f"{backend.url}/#/incidents/inc-1")
    assert storage(page) == {"key": "jonas-key", "link": None}
    page.get_by_role("button", name="Bearbeitung beginnen").click()
    expect(page.locator(".detail-head .chip")).to_have_text("In Bearbeitung")
    assert console.errors == []


@pytest.mark.parametrize(
    ("case", "path"),
    [
        (
            "expired",
            lambda: f"inc-1/{alert_link('inc-1', 'jonas-weber', expires_at=NOW - timedelta(minutes=1))}",
        ),
        ("for another incident", lambda: f"inc-1/{alert_link('inc-2', 'jonas-weber')}"),
        ("altered", lambda: f"inc-1/{altered(alert_link('inc-1', 'jonas-weber'))}"),
        ("not a token", lambda: "inc-1/kaputt"),
    ],
)
def test_a_refused_link_says_so_and_offers_the_key(
    page: Page, backend: FakeApi, console: Console, case: str, path: Any
) -> None:
    # Given a link that is expired, meant for another incident, altered, or no token at all
    page.goto(f"/#/i/{path()}")

    # Then a plain message and the sign-in form are shown, and nothing of the link is kept
    expect(page.locator("#login-message")).to_contain_text(REFUSED)
    expect(page.locator("#login-message")).to_contain_text("60 Minuten")
    expect(page.get_by_label("API-Schlüssel")).to_be_visible()
    expect(page.locator("#view")).to_be_hidden()
    assert storage(page) == {"key": None, "link": None}
    assert backend.state["writes"] == []

    # When the key is entered, Then signing in works as ever
    page.get_by_label("API-Schlüssel").fill("responder-key")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    expect(page.locator(".incident, #next-step").first).to_be_visible()
    assert console.unexpected(401) == []


def test_a_link_opens_no_other_incident(page: Page, backend: FakeApi, console: Console) -> None:
    # Given a tab opened with a link for inc-1
    page.goto(f"/#/i/inc-1/{alert_link('inc-1', 'anna-schmidt')}")
    expect(page.locator("#access")).to_contain_text(ACTIVE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückruf-Gerüchte zum Kinderwagen „Flitzer“")

    # When another incident or the list is asked for, Then the sign-in form comes, and nothing was asked
    for route in ("#/incidents/inc-2", "#/incidents", "#/team"):
        page.goto(f"/{route}")
        expect(page.locator("#login")).to_be_visible()
        expect(page.locator("#view")).to_be_hidden()
    assert {q[1] for q in backend.state["queries"]} <= {
        "/incidents/inc-1",
        "/incidents/inc-1/series",
        "/incidents/inc-1/picture",
    }

    # When the tab returns to the link's incident, Then it opens again with the kept token
    page.goto("/#/incidents/inc-1")
    expect(page.locator("#access")).to_contain_text(ACTIVE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rückruf-Gerüchte zum Kinderwagen „Flitzer“")

    # When the user signs out, Then the link is forgotten
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_label("API-Schlüssel")).to_be_focused()
    assert storage(page) == {"key": None, "link": None}
    assert console.errors == []


def test_a_link_on_a_phone_puts_acknowledging_first(page: Page, console: Console) -> None:
    # Given the SMS link opened on a phone
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/#/i/inc-1/{alert_link('inc-1', 'jonas-weber')}")

    # Then how it is signed in comes first, then acknowledging, on the first screen, without sideways scrolling
    expect(page.locator("#access")).to_contain_text(ACTIVE)
    button = page.get_by_role("button", name="Bestätigen")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, box
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path="/tmp/desk-ui/phone-link.png")
    assert console.errors == []
