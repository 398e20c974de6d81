"""The link route and the reply-draft editor against the real Chalice app and moto server (own module:
fresh tables, so the storm opens a new incident): the shapes the fake mirrors are the real ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib.domain.links import sign_link
from tests.browser.conftest import a_storm_becomes_an_incident

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_a_link_and_a_reply_draft_on_the_real_api(
    browser: Any, container: Any, live_api: str, keys: dict
) -> None:
    # Given a real incident and the link its alert gave Jonas Weber
    incident_id = a_storm_becomes_an_incident(container, live_api)
    token = sign_link(
        container.secrets.link_secret(),
        incident_id=incident_id,
        user_id="jonas-weber",
        expires_at=container.clock() + timedelta(minutes=60),
    )
    context = browser.new_context(base_url=live_api, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        # When the link is opened and the incident acknowledged with it
        page.goto(f"/#/i/{incident_id}/{token}")
        expect(page.locator("#access")).to_contain_text("Angemeldet über den Link")
        expect(page.locator(".mention").first).to_contain_text("Spülmeister")
        page.get_by_role("button", name="Bestätigen").click()
        expect(page.locator(".detail-head .chip")).to_have_text("Bestätigt")

        # Then a responder writes a reply to a top mention, and two approvers approve it (SEV1)
        for key, step in (
            (keys["responder"], "write"),
            (keys["approver"], "approve"),
            (keys["admin"], "approve"),
        ):
            if page.get_by_role("button", name="Abmelden").is_visible():
                page.get_by_role("button", name="Abmelden").click()
            page.get_by_label("API-Schlüssel").fill(key)
            page.get_by_role("button", name="Anmelden").click()
            drafts = page.locator("#drafts")
            expect(drafts.get_by_role("heading", name="Antwortentwürfe")).to_be_visible()
            if step == "write":
                mention = drafts.get_by_label("Antwort auf (eine der wichtigsten Erwähnungen)")
                mention.select_option(index=1)
                drafts.get_by_role("button", name="Entwurf erstellen").click()
                expect(drafts.locator(".draft-recommendation__why")).not_to_be_empty()
                expect(drafts.get_by_label("Text", exact=True)).not_to_have_value("")
                # The real GET /me says this is a responder: approving is not offered at all
                expect(drafts.get_by_role("button", name="Freigeben")).to_have_count(0)
            else:
                drafts.get_by_role("button", name="Freigeben").click()
                expect(drafts.locator(".draft-message")).to_have_text("Freigabe erteilt.")
        expect(drafts.locator(".draft-approvals")).to_contain_text("Freigegeben (2 von 2)")
        drafts.get_by_role("button", name="Veröffentlichen").click()
        expect(page.locator(".timeline__item--statement_published")).to_contain_text(
            "Stellungnahme veröffentlicht"
        )
    finally:
        context.close()
    saved = container.incidents.get(incident_id)
    assert saved.acknowledged_by == "Jonas Weber"
    assert [e for e in errors if "status of 403" not in e] == []
