"""The post-incident review as a PDF: it opens in a PDF reader (pypdf), says what the Markdown report
says, paginates long reviews with "Seite n von N", keeps German umlauts, and never fails on emoji or
scripts the core fonts cannot show."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from pypdf import PdfReader

from chalicelib.adapters.pdf import printable, render_pdf
from tests.review_fixtures import (
    TITLE,
    drill,
    incident_summary,
    long_review,
    notes,
    open_review,
    sample_review,
    statement,
)


def _read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def _flat(pages: list[str]) -> str:
    """The text of all pages as one line: table cells and paragraphs wrap where the layout wants."""
    return " ".join(" ".join(pages).split())


def test_sample_review_prints_on_three_pages_with_title_figures_and_page_numbers() -> None:
    # Given the review of the Spülmeister 3000 storm
    # When it is printed in German
    reader, pages = _read(render_pdf(sample_review()))

    # Then it has three A4 pages, each numbered "Seite n von 3"
    assert len(pages) == 3
    assert all(
        (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842) for page in reader.pages
    )
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von 3" in text
        assert "Krisenradar · Nachbereitung INC-20261129-A7F3C2" in text
    text = _flat(pages)
    # And the title block names incident, brand, severity and when it was generated
    assert f"Nachbereitung: {TITLE}" in text
    assert reader.metadata is not None and reader.metadata.title == f"Nachbereitung: {TITLE}"
    for line in ("Vorfall: INC-20261129-A7F3C2", "Schweregrad: SEV1", "Erstellt: 01.12.2026, 10:30 Uhr"):
        assert line in text
    # And the key figures as in the Markdown report
    assert "Zeit bis zur Bestätigung 6,5 Min. 29.11.2026, 10:51 Uhr" in text
    assert "Zeit bis zur Lösung 5 Std. 40 Min. 29.11.2026, 16:25 Uhr" in text
    assert "Anteil negativ 62 %" in text
    assert "Reichweite 1.200.000" in text
    assert "Höhepunkt 41 Erwähnungen ab 29.11.2026, 11:00 Uhr" in text


def test_sample_review_prints_statements_checklist_timeline_and_notes_with_umlauts() -> None:
    _, pages = _read(render_pdf(sample_review()))
    text = _flat(pages)

    assert "1. Holding Statement auf X, 29.11.2026, 11:07 Uhr" in text
    assert (
        "Resonanz: Nach der Stellungnahme: 31 statt 84 Erwähnungen pro Stunde, negativ 45 % statt 71 %."
        in text
    )
    assert "Checkliste der ersten Stunde" in text
    assert "Geschäftsführung nach 1 Std. offen nein" in text
    assert "Gelöst: Rückrufaktion läuft, Lage ruhig" in text
    assert "Zusammenfassung des Teams" in text
    assert "• Die Qualitätssicherung braucht einen Bereitschaftsdienst am Wochenende." in text
    assert "Maßnahmen" in text
    assert "Bereitschaftsplan Qualitätssicherung für Wochenenden Jörg Weiß 15.01.2027 nein" in text
    # German letters and signs survive as they are: umlauts, ß, the dash for what is not known
    for word in ("Müller", "Rückruf", "Weiß", "Dr. Sabine Krüger", "Maßnahmen", "Erstes Signal –"):
        assert word in text
    # Turkish dotless i has no core-font glyph and reads as a plain i
    assert "Mehmet Yilmaz" in text


def test_english_review_prints_english_labels_and_page_numbers() -> None:
    _, pages = _read(render_pdf(sample_review(), lang="en"))
    text = _flat(pages)

    assert len(pages) == 3
    assert "Page 1 of 3" in pages[0]
    assert f"Post-incident review: {TITLE}" in text
    assert "Time to acknowledge 6.5 min 29 Nov 2026, 10:51 CET" in text
    assert "Reach 1,200,000" in text
    assert "Management board after 1 h not done no" in text
    assert "Seite" not in text


def test_short_review_of_a_running_storm_prints_on_two_pages_with_dashes() -> None:
    # Given a review with nothing acknowledged, answered or written yet
    _, pages = _read(render_pdf(open_review()))
    text = _flat(pages)

    assert len(pages) == 2
    assert "Seite 1 von 2" in pages[0] and "Seite 2 von 2" in pages[1]
    assert "Zeit bis zur Bestätigung – –" in text
    assert "Anteil negativ –" in text
    assert "Es wurde keine öffentliche Stellungnahme veröffentlicht." in text
    assert "Das Team hat noch keine Zusammenfassung geschrieben." in text
    assert "None" not in text


def test_drill_review_prints_the_exercise_banner_and_its_targets() -> None:
    _, pages = _read(render_pdf(sample_review(drill=drill())))
    first_page = " ".join(pages[0].split())

    assert "ÜBUNG Krisenübung UEB-20261129-B4D2E1, kein echter Vorfall." in first_page
    assert "2 von 3 Zielen erreicht; 7 von 10 Checklistenpunkten rechtzeitig." in first_page
    assert "Bestätigt 10 Min. 6,5 Min. ja" in first_page
    assert "Gelöst 3 Tage – nein" in first_page
    assert first_page.index("ÜBUNG") < first_page.index("Kennzahlen")


def test_long_review_paginates_with_every_entry_and_repeated_table_headings() -> None:
    # Given 100 timeline entries, 20 statements, 30 lessons and 50 action items
    _, pages = _read(render_pdf(long_review()))
    text = _flat(pages)

    # Then it runs over many pages, each numbered out of the total
    total = len(pages)
    assert total > 5
    for number, page in enumerate(pages, start=1):
        assert f"Seite {number} von {total}" in page
    # And nothing is lost at a page break
    for n in range(1, 101):
        assert f"Lagebericht {n}: Hotline meldet {19 + n} Anrufe" in text
    for n in range(1, 21):
        assert f"{n}. Holding Statement auf X" in text
    for n in range(1, 31):
        assert f"• Erkenntnis {n}: Freigaben" in text
    for n in range(1, 51):
        assert f"Maßnahme {n}: Übung mit der Qualitätssicherung planen" in text
    # And a table that goes on over a page repeats its headings there
    timeline_pages = [page for page in pages if "Lagebericht" in page]
    assert len(timeline_pages) > 1
    assert all("Zeitpunkt Was Wer" in page for page in timeline_pages)


def test_emoji_cjk_and_other_scripts_print_without_failing() -> None:
    # Given text the public and the team write: emoji, Japanese, symbols, other Latin letters
    odd = "Spülmeister 🔥🔥 raucht! 食洗機から煙 ✔ erledigt ✘ offen → Rückruf 👩‍👩‍👧 1️⃣ 🇩🇪 Łódź Ærø ẞ ő\u202f%"
    review = sample_review(
        incident=incident_summary(title="Spülmeister 3000 🔥 食洗機"),
        statements=[statement(text=odd, published_by="山田 太郎")],
        timeline=[{"at": "2026-11-29T10:00:00Z", "kind": "note", "message": odd, "actor": "🙂"}],
        notes=notes(
            summary=odd,
            lessons=[odd],
            action_items=[{"text": odd, "owner": "李", "due": "2026-12-15", "done": False}],
        ),
    )

    # When it is printed
    _, pages = _read(render_pdf(review))
    text = _flat(pages)

    # Then the German survives, the rest is as near as the core fonts get, and emoji are left out
    expected = "Spülmeister raucht! ?????? (+) erledigt (-) offen -> Rückruf 1 Lódz Ærø SS o %"
    assert text.count(expected) >= 4
    assert "Nachbereitung: Spülmeister 3000 ???" in text
    assert "Veröffentlicht von: ?? ??" in text


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        (
            "Müller Haushaltsgeräte – Spülmeister für 499 € „jetzt“ • …",
            "Müller Haushaltsgeräte – Spülmeister für 499 € „jetzt“ • …",
        ),
        ("✔ erledigt, ✘ offen", "(+) erledigt, (-) offen"),
        ("Rauch 🔥 im Gerät", "Rauch im Gerät"),
        ("食洗機", "???"),
        ("62\u202f% über\u00a0Plan", "62 % über Plan"),
        ("Zeile 1\nZeile 2\r\n\tZeile 3\x07", "Zeile 1\nZeile 2\n Zeile 3"),
        ("Mehmet Yılmaz, Łukasz Wróbel, Zoë", "Mehmet Yilmaz, Lukasz Wróbel, Zoë"),
    ],
)
def test_printable_keeps_german_and_replaces_what_the_core_fonts_lack(text: str, printed: str) -> None:
    assert printable(text) == printed
    printable(text).encode("cp1252")  # what the PDF's WinAnsi fonts can show


def test_a_table_cell_longer_than_a_page_is_cut_instead_of_failing() -> None:
    # Given a timeline entry far longer than a page
    review = sample_review(
        timeline=[
            {"at": "2026-11-29T10:00:00Z", "kind": "note", "message": "Wort " * 3000, "actor": "x" * 4000}
        ]
    )

    _, pages = _read(render_pdf(review))

    assert "[…]" in _flat(pages)


def test_the_same_review_prints_the_same_file() -> None:
    assert render_pdf(sample_review()) == render_pdf(sample_review())


def test_the_module_imports_without_loading_fpdf() -> None:
    # The review PDF is the only user of fpdf; a cold start must not pay for importing it
    code = "import sys, chalicelib.adapters.pdf; print('fpdf' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False"
