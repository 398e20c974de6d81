"""Helpers shared by the browser tests of issue 8: sign in and open a page, the last write the fake
received, screenshots to out/screenshots/, and whether a page scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.fake_api import FakeApi

OUT = Path(__file__).resolve().parents[2] / "out" / "screenshots"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def sign_in(page: Page, key: str, route: str) -> None:
    page.goto("/")
    page.get_by_label("API-Schlüssel").fill(key)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator(".incident").first).to_be_visible()
    page.goto(f"/#/{route}")


def last_write(backend: FakeApi, method: str, path: str) -> Any:
    return next(w[2] for w in reversed(backend.state["writes"]) if w[0] == method and w[1] == path)


def shot(page: Page, name: str, part: str | None = None) -> None:
    """The page (or one part of it) as out/screenshots/<name> (git-ignored)."""
    OUT.mkdir(parents=True, exist_ok=True)
    if part:
        page.locator(part).screenshot(path=str(OUT / name))
    else:
        page.screenshot(path=str(OUT / name), full_page=True)
