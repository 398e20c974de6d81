"""The post-incident review as a Markdown report a team can file: German and English, a drill's score,
nulls as "–", local times in Europe/Berlin, and user text that cannot break the layout."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain.review_markdown import render_markdown
from chalicelib.domain.review_report import Lang, review_document
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

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, split at unescaped pipes."""
    return [cell.strip() for cell in UNESCAPED_PIPE.split(line.strip())[1:-1]]


def _row(markdown: str, first_cell: str) -> list[str]:
    rows = [_cells(line) for line in markdown.splitlines() if line.startswith("| ")]
    matches = [cells for cells in rows if cells and cells[0] == first_cell]
    assert len(matches) == 1, f"expected one row starting with {first_cell!r}, found {len(matches)}"
    return matches[0]


def _section(markdown: str, heading: str) -> str:
    """The text under a `## heading`, up to the next heading of that level."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def _assert_tables_keep_their_columns(markdown: str) -> None:
    table: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            widths = {len(UNESCAPED_PIPE.findall(row)) for row in table}
            assert len(widths) == 1, f"a row has more or fewer columns than its header: {table}"
        table = []


def test_german_report_states_the_key_figures_in_plain_german() -> None:
    # Given the review of the Spülmeister 3000 storm
    # When it is rendered in German
    markdown = render_markdown(sample_review())

    # Then it is titled with the incident and names incident, brand, severity and crisis type
    assert markdown.startswith(f"# Nachbereitung: {TITLE}\n")
    assert "- **Vorfall:** INC-20261129-A7F3C2" in markdown
    assert "- **Marke:** Müller Haushaltsgeräte GmbH" in markdown
    assert "- **Schweregrad:** SEV1" in markdown
    assert "- **Krisentyp:** Produktmangel oder Rückruf" in markdown
    assert "- **Erstellt:** 01.12.2026, 10:30 Uhr" in markdown  # 09:30 UTC in winter
    # And the reaction times read as durations, with the local time each step was reached
    assert _row(markdown, "Zeit bis zur Erkennung") == [
        "Zeit bis zur Erkennung",
        "4 Min.",
        "29.11.2026, 10:45 Uhr",
    ]
    assert _row(markdown, "Zeit bis zur Bestätigung")[1] == "6,5 Min."
    assert _row(markdown, "Zeit bis zur ersten öffentlichen Reaktion")[1:] == [
        "22 Min.",
        "29.11.2026, 11:07 Uhr",
    ]
    assert _row(markdown, "Zeit bis zur Lösung")[1:] == ["5 Std. 40 Min.", "29.11.2026, 16:25 Uhr"]
    # And the scale in German number format
    assert _row(markdown, "Erwähnungen") == ["Erwähnungen", "312"]
    assert _row(markdown, "Anteil negativ") == ["Anteil negativ", "62 %"]
    assert _row(markdown, "Reichweite") == ["Reichweite", "1.200.000"]
    assert _row(markdown, "Höhepunkt") == ["Höhepunkt", "41 Erwähnungen ab 29.11.2026, 11:00 Uhr"]
    # And how the mood recovered
    recovery = _section(markdown, "Erholung")
    assert "3 Std. 0 Min. nach der Erkennung wieder im üblichen Bereich" in recovery
    assert "- **Üblicher Anteil negativ:** 12 %, höchstens 25 %" in recovery
    assert "ÜBUNG" not in markdown


def test_german_report_shows_each_statement_and_how_it_was_received() -> None:
    markdown = render_markdown(sample_review())

    statements = _section(markdown, "Stellungnahmen und Resonanz")
    assert "### 1. Holding Statement auf X, 29.11.2026, 11:07 Uhr" in statements
    assert "- **Veröffentlicht von:** Lena Hoffmann" in statements
    assert "- **Link:** <https://x.com/mueller_hg/status/1862290466010001>" in statements
    assert "> Uns haben Berichte über Rauch an Geschirrspülern Spülmeister 3000 erreicht." in statements
    assert (
        "- **Resonanz:** Nach der Stellungnahme: 31 statt 84 Erwähnungen pro Stunde, negativ 45 % statt 71 %. "
        "Der Sturm hat sich verlangsamt." in statements
    )
    assert "### 2. Pressestatement auf Website, 29.11.2026, 12:30 Uhr" in statements
    assert "- **Veröffentlicht von:** Dr. Jens Müller" in statements
    assert statements.index("### 1.") < statements.index("### 2.")


def test_german_report_shows_the_checklist_timeline_and_the_teams_notes() -> None:
    markdown = render_markdown(sample_review())

    checklist = _section(markdown, "Checkliste der ersten Stunde")
    assert "| Punkt | Rolle | Fällig | Erledigt von, um | Rechtzeitig |" in checklist
    first = _row(
        checklist,
        "Alarm in Krisenradar bestätigen, Krisenteam einberufen und ein Protokoll mit Uhrzeiten beginnen.",
    )
    assert first[1:] == [
        "Krisenleitung",
        "nach 5 Min.",
        "Anna Becker, 29.11.2026, 10:48 Uhr (3,2 Min. nach dem Alarm)",
        "✔",
    ]
    late = _row(
        checklist,
        "Holding Statement von der Krisenleitung freigeben lassen und auf den eigenen Kanälen veröffentlichen.",
    )
    assert late[3:] == ["Lena Hoffmann, 29.11.2026, 11:07 Uhr (22 Min. nach dem Alarm)", "✘"]
    undone = _row(
        checklist, "Lage mit der Geschäftsführung: über Warnung, Verkaufsstopp oder Rückruf entscheiden."
    )
    assert undone[1:] == ["Geschäftsführung", "nach 1 Std.", "offen", "✘"]

    timeline = _section(markdown, "Zeitverlauf")
    assert _row(timeline, "29.11.2026, 10:51 Uhr") == ["29.11.2026, 10:51 Uhr", "Bestätigt", "Anna Becker"]
    assert _row(timeline, "29.11.2026, 16:25 Uhr")[1] == "Gelöst: Rückrufaktion läuft, Lage ruhig"
    assert timeline.index("10:45 Uhr") < timeline.index("16:25 Uhr") < timeline.index("01.12.2026, 09:15 Uhr")

    summary = _section(markdown, "Zusammenfassung des Teams")
    assert "von Rauch aus der Bedienblende des Spülmeister 3000." in summary
    assert "\n\nDas Holding Statement kam 7 Minuten zu spät" in summary  # the team's paragraphs stay apart
    assert (
        "*Geschrieben von Anna Becker am 01.12.2026, 09:15 Uhr. "
        "Zuletzt geändert von Lena Hoffmann am 01.12.2026, 10:02 Uhr.*" in summary
    )
    lessons = _section(markdown, "Erkenntnisse")
    assert "- Die Hotline brauchte den Erfassungsbogen früher, besonders die Seriennummer." in lessons
    assert lessons.count("\n- ") == 3
    actions = _section(markdown, "Maßnahmen")
    assert _row(actions, "Freigabe für Holding Statements an die Stellvertretung delegieren")[1:] == [
        "Anna Becker",
        "15.12.2026",
        "✘",
    ]
    assert _row(actions, "Erfassungsbogen ins Ticketsystem übernehmen")[1:] == [
        "Mehmet Yılmaz",
        "10.12.2026",
        "✔",
    ]
    assert markdown.rstrip().endswith(
        "*Erstellt von Krisenradar am 01.12.2026, 10:30 Uhr. Alle Zeiten in deutscher Ortszeit (Europe/Berlin).*"
    )


def test_english_report_has_english_labels_numbers_and_dates_in_berlin_time() -> None:
    markdown = render_markdown(sample_review(), lang="en")

    assert markdown.startswith(f"# Post-incident review: {TITLE}\n")
    assert "- **Crisis type:** Product defect or recall" in markdown
    assert "- **Status:** Reviewed" in markdown
    assert _row(markdown, "Time to acknowledge") == [
        "Time to acknowledge",
        "6.5 min",
        "29 Nov 2026, 10:51 CET",
    ]
    assert _row(markdown, "Time to resolve")[1] == "5 h 40 min"
    assert _row(markdown, "Negative share") == ["Negative share", "62%"]
    assert _row(markdown, "Reach") == ["Reach", "1,200,000"]
    assert "### 1. Holding statement on X, 29 Nov 2026, 11:07 CET" in markdown
    assert "- **Reception:** After the statement: 31 instead of 84 mentions per hour" in markdown
    checklist = _section(markdown, "First-hour checklist")
    assert _row(checklist, "Save the key posts with link, time and screenshot.")[1:] == [
        "Communications",
        "after 10 min",
        "Lena Hoffmann, 29 Nov 2026, 10:53 CET (8.5 min after the alert)",
        "✔",
    ]
    assert _row(markdown, "Bereitschaftsplan Qualitätssicherung für Wochenenden")[2] == "15 Jan 2027"
    for german in ("Kennzahlen", "Erholung", " Uhr", "Nachbereitung:", "Min.", "| offen |", "| ja |"):
        assert german not in markdown


def test_summer_times_are_central_european_summer_time() -> None:
    # Given a statement published on a July morning (UTC+2 in Berlin)
    review = sample_review(statements=[statement(published_at="2026-07-14T08:05:00Z")])

    assert "### 1. Holding Statement auf X, 14.07.2026, 10:05 Uhr" in render_markdown(review)
    assert "### 1. Holding statement on X, 14 Jul 2026, 10:05 CEST" in render_markdown(review, "en")


def test_drill_report_opens_with_the_exercise_banner_and_the_targets() -> None:
    # Given the review of a drill that met two of three targets
    review = sample_review(drill=drill())

    # When it is rendered
    markdown = render_markdown(review)
    english = render_markdown(review, "en")

    # Then a banner says it was an exercise, with the score, before the figures
    banner = (
        "> **ÜBUNG** Krisenübung UEB-20261129-B4D2E1, kein echter Vorfall. "
        "2 von 3 Zielen erreicht; 7 von 10 Checklistenpunkten rechtzeitig."
    )
    assert banner in markdown
    assert markdown.index(banner) < markdown.index("## Kennzahlen")
    # And each target with goal, actual and whether it was met
    assert "| Ziel | Vorgabe | Ist | Erreicht |" in markdown
    assert _row(markdown, "Bestätigt") == ["Bestätigt", "10 Min.", "6,5 Min.", "✔"]
    assert _row(markdown, "Erste öffentliche Stellungnahme") == [
        "Erste öffentliche Stellungnahme",
        "30 Min.",
        "22 Min.",
        "✔",
    ]
    assert _row(markdown, "Gelöst") == ["Gelöst", "3 Tage", "–", "✘"]
    assert "> **DRILL** Crisis drill UEB-20261129-B4D2E1, not a real incident. 2 of 3 targets met;" in english
    assert _row(english, "Resolved") == ["Resolved", "3 d", "–", "✘"]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_what_is_not_known_yet_reads_as_a_dash_and_never_as_none(lang: Lang) -> None:
    # Given a review of a storm that is still running: nothing acknowledged, answered or written
    review = open_review()

    markdown = render_markdown(review, lang)

    assert "None" not in markdown
    assert "null" not in markdown
    ack, resolve, negative, peak = (
        ("Zeit bis zur Bestätigung", "Zeit bis zur Lösung", "Anteil negativ", "Höhepunkt")
        if lang == "de"
        else ("Time to acknowledge", "Time to resolve", "Negative share", "Peak")
    )
    assert _row(markdown, ack)[1:] == ["–", "–"]
    assert _row(markdown, resolve)[1:] == ["–", "–"]
    assert _row(markdown, negative)[1] == "–"
    assert _row(markdown, peak)[1] == "–"
    if lang == "de":
        assert "Es wurde keine öffentliche Stellungnahme veröffentlicht." in markdown
        assert "Für diesen Vorfall gab es keine Checkliste." in markdown
        assert "Das Team hat noch keine Zusammenfassung geschrieben." in markdown
        assert "## Erkenntnisse\n\nNichts eingetragen.\n" in markdown
        assert "## Maßnahmen\n\nNichts eingetragen.\n" in markdown
    else:
        assert "No public statement was published." in markdown
        assert "The team has not written a summary yet." in markdown
        assert "## Action items\n\nNothing recorded.\n" in markdown


def test_missing_people_and_dates_read_as_a_dash() -> None:
    # Given a statement nobody signed, an action item without a due date and a timeline entry by the system
    review = sample_review(
        statements=[statement(published_by=None, url=None, feedback=None)],
        notes=notes(
            action_items=[{"text": "Hotline-Skript überarbeiten", "owner": "", "due": None, "done": False}]
        ),
    )

    markdown = render_markdown(review)

    assert "- **Veröffentlicht von:** –" in markdown
    assert "- **Link:**" not in markdown
    assert "- **Resonanz:** –" in markdown
    assert _row(markdown, "Hotline-Skript überarbeiten") == ["Hotline-Skript überarbeiten", "–", "–", "✘"]
    assert "| Alarm per SMS an Anna Becker (Krisenleitung) zugestellt | – |" in markdown
    assert "None" not in markdown


def test_feedback_still_being_measured_is_marked_preliminary() -> None:
    running = statement()
    running["feedback"] = {**running["feedback"], "complete": False}

    markdown = render_markdown(sample_review(statements=[running]))

    assert "Der Sturm hat sich verlangsamt. (vorläufig, die Auswertung läuft noch)" in markdown


@pytest.mark.parametrize(
    ("minutes", "german", "english"),
    [
        (0.4, "0,4 Min.", "0.4 min"),
        (12.0, "12 Min.", "12 min"),
        (59.96, "60 Min.", "60 min"),
        (60.0, "1 Std.", "1 h"),
        (190.0, "3 Std. 10 Min.", "3 h 10 min"),
        (2879.0, "47 Std. 59 Min.", "47 h 59 min"),
        (3000.0, "2 Tage 2 Std.", "2 d 2 h"),
    ],
)
def test_durations_read_as_plain_minutes_hours_and_days(minutes: float, german: str, english: str) -> None:
    review = sample_review()
    review["figures"]["time_to_resolve_minutes"] = minutes

    assert _row(render_markdown(review), "Zeit bis zur Lösung")[1] == german
    assert _row(render_markdown(review, "en"), "Time to resolve")[1] == english


def test_user_text_cannot_break_tables_or_start_markdown_of_its_own() -> None:
    # Given text with pipes, line breaks, Markdown and HTML in places the team and the public write
    review = sample_review(
        incident=incident_summary(title="Spülmeister | 3000\n# Rückruf"),
        timeline=[
            {
                "at": "2026-11-29T10:00:00Z",
                "kind": "note",
                "message": "Rauch | Feuer\nZeile 2",
                "actor": "A|B",
            }
        ],
        statements=[
            statement(text="**Achtung** <script>alert(1)</script>\n# Rückruf\n1. Geräte ausschalten")
        ],
        notes=notes(
            summary="- kein Aufzählungspunkt\n> kein Zitat\n[Link](javascript:alert(1))",
            lessons=["# keine Überschrift", "2026. Jahr der Rückrufe", "`Code` und _kursiv_ bleiben Text"],
            action_items=[
                {
                    "text": "Skript | prüfen\nund freigeben",
                    "owner": "Anna\nBecker",
                    "due": "2026-12-15",
                    "done": True,
                }
            ],
        ),
    )

    markdown = render_markdown(review)

    # Then every table row keeps the columns of its header, pipes escaped, line breaks as <br>
    _assert_tables_keep_their_columns(markdown)
    assert _row(markdown, "29.11.2026, 11:00 Uhr") == [
        "29.11.2026, 11:00 Uhr",
        "Rauch \\| Feuer<br>Zeile 2",
        "A\\|B",
    ]
    assert _row(markdown, "Skript \\| prüfen<br>und freigeben") == [
        "Skript \\| prüfen<br>und freigeben",
        "Anna<br>Becker",
        "15.12.2026",
        "✔",
    ]
    # And the title stays one heading line
    assert markdown.splitlines()[0] == "# Nachbereitung: Spülmeister \\| 3000 # Rückruf"
    # And quoted or written text does not become emphasis, HTML, headings, lists, quotes or links
    assert "> \\*\\*Achtung\\*\\* \\<script>alert(1)\\</script>\\" in markdown
    assert "> \\# Rückruf\\" in markdown
    assert "> 1\\. Geräte ausschalten" in markdown
    assert "\\- kein Aufzählungspunkt\\\n\\> kein Zitat\\\n\\[Link\\](javascript:alert(1))" in markdown
    assert "- \\# keine Überschrift" in markdown
    assert "- 2026\\. Jahr der Rückrufe" in markdown
    assert "- \\`Code\\` und \\_kursiv\\_ bleiben Text" in markdown
    assert not re.search(r"(?<!\\)<(?!br>|https://)", markdown)  # only our line breaks and links


def test_handles_keep_their_underscores_readable() -> None:
    review = sample_review(notes=notes(lessons=["@mueller_hg hat zu spät geantwortet"]))

    assert "- @mueller_hg hat zu spät geantwortet" in render_markdown(review)


def test_long_review_lists_everything() -> None:
    markdown = render_markdown(long_review())

    _assert_tables_keep_their_columns(markdown)
    assert len(re.findall(r"^\| [^|]+ \| Lagebericht \d+:", markdown, re.MULTILINE)) == 100
    assert markdown.count("\n### ") == 20
    assert len(re.findall(r"^- Erkenntnis \d+:", markdown, re.MULTILINE)) == 30
    assert len(re.findall(r"^\| Maßnahme \d+:", markdown, re.MULTILINE)) == 50


def test_pdf_and_markdown_share_one_document() -> None:
    # The document both renderers print: sections in the order of the report
    document = review_document(sample_review(drill=drill()), "de")

    assert document.title == f"Nachbereitung: {TITLE}"
    assert document.drill is not None and document.drill.label == "ÜBUNG"
    assert [section.heading for section in document.sections if section.level == 2] == [
        "Kennzahlen",
        "Erholung",
        "Stellungnahmen und Resonanz",
        "Checkliste der ersten Stunde",
        "Zeitverlauf",
        "Zusammenfassung des Teams",
        "Erkenntnisse",
        "Maßnahmen",
    ]
