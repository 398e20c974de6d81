"""The situational picture and the review on the real local stack with the demo storm, in real
Chromium: the demo incident's Lagebild shows the storm (at 1280 px and on a 375 px phone), the team
writes its review notes, and the review downloads as Markdown and as PDF with the same sign-in.

Screenshots go to out/screenshots/ (git-ignored): chart-1280.png, chart-375.png, review-1280.png."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from chalicelib.local.emulator import free_port
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Console
from tests.e2e.stack import ADMIN_KEY, ROOT, Stack

pytestmark = pytest.mark.e2e

INCIDENT_DEADLINE_S = 150
OUT = ROOT / "out" / "screenshots"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
SUMMARY = "E2E: Rauchmeldungen zum Spülmeister 3000, Krisenstab nach wenigen Minuten einberufen."
# Blue bars of the chart (chart.js), half transparent.
BARS = """c => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 100 && Math.abs(d[i] - 31) < 20 && Math.abs(d[i + 1] - 95) < 20 && Math.abs(d[i + 2] - 191) < 20) n += 1;
  }
  return n;
}"""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path, free_port())
    try:
        running.wait_healthy()
        yield running
    finally:
        assert running.stop() == 0, running.output()


def demo_storm(stack: Stack) -> tuple[str, dict[str, Any]]:
    """Wait for the demo's incident; its id and 5-minute series once the storm stands out."""
    deadline = stack.started + INCIDENT_DEADLINE_S
    while time.monotonic() < deadline:
        items = stack.get("/incidents")["items"]
        if items:
            incident_id = items[-1]["incident_id"]  # the first one opened
            series = stack.get(f"/incidents/{incident_id}/series?resolution=5m")
            volumes = [p["volume"] for p in series["points"]]
            if max(volumes) >= 5 * max(statistics.median(volumes), 1):
                return incident_id, series
        time.sleep(1)  # the only wait on time: the demo storm runs at its own pace
    raise AssertionError("no incident with a visible storm in time:\n" + stack.output())


def test_the_demo_incident_shows_its_storm_and_its_review_downloads(stack: Stack, tmp_path: Path) -> None:
    incident_id, series = demo_storm(stack)
    peak = max(p["volume"] for p in series["points"])
    print(f"incident {incident_id} after {time.monotonic() - stack.started:.0f} s, peak {peak} per 5 min")
    # Its own thread, so its own Playwright: the browser tests' session Chromium may run in this process.
    with ThreadPoolExecutor(max_workers=1) as pool:
        console = pool.submit(in_chromium, stack, incident_id, peak, tmp_path).result()
    assert console.errors == []
    review = stack.get(f"/incidents/{incident_id}/review")
    assert review["exists"] is True and review["notes"]["summary"] == SUMMARY


def in_chromium(stack: Stack, incident_id: str, peak: int, tmp_path: Path) -> Console:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="de-DE",
            timezone_id="Europe/Berlin",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        console = Console()
        page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
        try:
            chart_of_the_storm(page, stack, incident_id, peak)
            review_written_and_downloaded(page, incident_id, tmp_path)
        except BaseException:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    return console


def chart_of_the_storm(page: Page, stack: Stack, incident_id: str, peak: int) -> None:
    # Signed in, the demo incident opens with its Lagebild below the reasons
    page.goto(f"{stack.url}/")
    page.get_by_label("API-Schlüssel").fill(ADMIN_KEY)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    page.goto(f"{stack.url}/#/incidents/{incident_id}")
    chart = page.locator("#lagebild")
    expect(chart.get_by_role("heading")).to_have_text("Lagebild")

    # The storm is visible: the peak in words, the bars drawn, the moments marked
    summary = chart.locator(".chart-summary")
    expect(summary).to_have_text(re.compile(r"^Spitze( am \d\d\.\d\d\.)?: \d+ Erwähnungen zwischen"))
    shown = int(re.search(r": (\d+) Erwähnungen", summary.inner_text()).group(1))  # type: ignore[union-attr]
    assert shown >= peak, (shown, peak)  # the storm may have grown since the API was asked
    canvas = chart.locator("canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] >= 250, box
    assert canvas.evaluate(BARS) > 500
    expect(chart.locator(".chart-lines__item").first).to_contain_text("Erstes Signal")
    expect(chart.locator(".chart-lines__item", has_text="Erkannt")).to_have_count(1)
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(OUT / "chart-1280.png"))

    # On a phone it fits the screen, its legend below, nothing scrolls sideways
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(chart.locator("canvas").first).to_be_visible()
    phone_box = chart.locator("canvas").first.bounding_box()
    assert phone_box is not None and 250 < phone_box["width"] <= 375 - 24, phone_box
    legend = chart.locator(".u-legend").bounding_box()
    assert legend is not None and legend["y"] >= phone_box["y"] + phone_box["height"]
    assert page.evaluate(OVERFLOW) <= 0
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(OUT / "chart-375.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def review_written_and_downloaded(page: Page, incident_id: str, tmp_path: Path) -> None:
    # The review tab: the figures of the real incident, and the notes form
    page.get_by_role("navigation", name="Bereiche des Vorfalls").get_by_role(
        "link", name="Nachbereitung"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nachbereitung: ")
    expect(page.locator("#review-figures tbody tr").nth(1)).to_contain_text("Erkannt")
    form = page.locator(".review-form")
    form.get_by_label("Zusammenfassung").fill(SUMMARY)
    form.get_by_role("textbox", name="Lehre 1").fill("Die Qualitätssicherung gehört in die erste Stunde.")
    form.get_by_role("button", name="Nachbereitung speichern").click()
    expect(form.locator(".review-form__message")).to_contain_text("Nachbereitung gespeichert.")
    page.screenshot(path=str(OUT / "review-1280.png"), full_page=True)

    # Markdown and PDF arrive as files under the API's names, with what the team wrote
    downloads = page.locator("#review-downloads")
    with page.expect_download() as markdown:
        downloads.get_by_role("button", name="Als Markdown herunterladen").click()
    assert markdown.value.suggested_filename == f"review-{incident_id}.md"
    text = Path(markdown.value.path()).read_bytes()
    assert text.startswith(b"# "), text[:80]
    assert SUMMARY.encode() in text
    markdown.value.save_as(tmp_path / markdown.value.suggested_filename)
    with page.expect_download() as pdf:
        downloads.get_by_role("button", name="Als PDF herunterladen").click()
    assert pdf.value.suggested_filename == f"review-{incident_id}.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    expect(downloads.locator(".notice")).to_have_text(f"Heruntergeladen: review-{incident_id}.pdf")
