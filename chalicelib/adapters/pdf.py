"""The post-incident review as a PDF (GET /incidents/{id}/review?format=pdf): A4, headings, tables,
"Seite 1 von 3" in the footer. It prints the same document as the Markdown report
(`domain/review_report.py`), so the two never disagree.

Printed with fpdf2, which installs from PyPI and needs no system libraries: it is pure Python, and its
dependencies Pillow and fontTools come as self-contained manylinux wheels. So it runs in AWS Lambda's
Python runtime as vendored by Chalice. WeasyPrint would need Pango, HarfBuzz and fontconfig from the
operating system, which the Lambda runtime does not have. fpdf takes 0.3 to 0.5 s to import and only
this download needs it, so it is imported on first use, not at cold start.

Fonts: the PDF core fonts (Helvetica), which every PDF reader has, so nothing is embedded. With the
WinAnsi (cp1252) encoding they cover German completely: äöüÄÖÜß, „quotes“, – —, €, •, …. Any other
character is made printable by `printable`: typographic signs become ASCII ("→" "->", "✔" "(+)"),
accented letters lose the accent ("ő" "o", "ı" "i"), emoji and other pictographs are left out, and
letters of other scripts (CJK) become "?". Embedding a TTF would not spare that step: DejaVu Sans
(about 700 KB per style, we need two) covers Latin, Greek and Cyrillic but neither CJK nor emoji, which
would take Noto CJK (more than 15 MB) and a colour-emoji font. The JSON and the Markdown keep every
character.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.domain.review_report import (
    DASH,
    Banner,
    Block,
    Bullets,
    Cell,
    Details,
    Lang,
    Paragraph,
    ReviewDocument,
    Table,
    review_document,
)

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "helvetica"
BODY_PT = 10
LINE_MM = 5.0
MARGIN_MM = 18.0
INK = (33, 37, 41)
GREY = (108, 117, 125)
RULE = (173, 181, 189)
HEADING_FILL = (233, 236, 239)
ZEBRA = (248, 249, 250)
DRILL_FILL = (255, 236, 179)
CELL_PT = 8.5
CELL_LINE_MM = 4.2
CELL_PADDING_MM = 1.5
CELL_LINES = 45  # 190 mm: a row, with the repeated headings, always fits on an A4 page
MET = (25, 135, 84)
MISSED = (176, 42, 55)

_SUBSTITUTES = {
    "✔": "(+)",
    "✓": "(+)",
    "☑": "(+)",
    "✅": "(+)",
    "✘": "(-)",
    "✗": "(-)",
    "❌": "(-)",
    "→": "->",
    "←": "<-",
    "↔": "<->",
    "⇒": "=>",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "≈": "~",
    "−": "-",
    "‐": "-",
    "‑": "-",
    "‒": "–",
    "―": "—",
    "′": "'",
    "″": '"',
    "●": "•",
    "▪": "•",
    "◦": "•",
    "★": "*",
    "ı": "i",
    "İ": "I",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ħ": "h",
    "ẞ": "SS",
    "\t": " ",
}
_SPACES = re.compile(r" {2,}")  # also where a left-out emoji stood between two words
_WORDS = {
    "de": {"yes": "ja", "no": "nein", "page": "Seite {page} von {{nb}}", "review": "Nachbereitung"},
    "en": {"yes": "yes", "no": "no", "page": "Page {page} of {{nb}}", "review": "Post-incident review"},
}


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _printable_char(char: str) -> str:
    if char in _SUBSTITUTES:
        return _SUBSTITUTES[char]
    category = unicodedata.category(char)
    if category == "Cc":
        return "\n" if char == "\n" else ""
    if category == "Zs":
        return " "  # no-break, thin and narrow spaces ("62 %")
    if _encodable(char):
        return char
    if category in ("Mn", "Me", "Cf", "Sk"):
        return ""  # combining marks, zero-width joiners, variation selectors, skin tones
    folded = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in folded if not unicodedata.combining(c) and _encodable(c))
    if kept:
        return kept
    return "" if category == "So" else "?"


def printable(text: str) -> str:
    """`text` in the core fonts' WinAnsi (cp1252) repertoire: German as it is, the rest as near as it gets."""
    return _SPACES.sub(" ", "".join(_printable_char(char) for char in text))


def _one_line(text: str) -> str:
    return " ".join(printable(text).split())


def render_pdf(review: Mapping[str, Any], lang: Lang = "de") -> bytes:
    """The review as an A4 PDF, in German or English."""
    document = review_document(review, lang)
    pdf = _new_pdf(document)
    _title_block(pdf, document)
    if document.drill is not None:
        _banner(pdf, document.drill, lang)
    for section in document.sections:
        # a heading stays with what it heads: its own first lines, or a statement's heading and text
        _heading(pdf, section.heading, section.level, keep=30 if section.blocks else 60)
        for block in section.blocks:
            _block(pdf, block, lang)
    pdf.ln(4)
    _paragraph(pdf, Paragraph(document.closing, "note"))
    return bytes(pdf.output())


def _new_pdf(document: ReviewDocument) -> FPDF:
    from fpdf import FPDF  # on first use: see the module's docstring

    words = _WORDS[document.lang]
    running_title = printable(f"Krisenradar · {words['review']} {document.incident_id}")

    class ReviewPdf(FPDF):
        def footer(self) -> None:
            self.set_y(-13)
            self.set_font(FONT, size=8)
            self.set_text_color(*GREY)
            self.cell(0, 5, running_title, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, words["page"].format(page=self.page_no()), align="R")

    pdf = ReviewPdf(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = "cp1252"
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM + 2)
    pdf.set_title(printable(document.title))
    pdf.set_author("Krisenradar")
    pdf.set_creator("Krisenradar")
    pdf.set_lang(document.lang)
    if document.generated_at is not None:
        pdf.set_creation_date(document.generated_at)  # the same review prints the same file
    pdf.add_page()
    return pdf


def _body(pdf: FPDF, style: str = "", size: float = BODY_PT, color: tuple[int, int, int] = INK) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*color)


def _title_block(pdf: FPDF, document: ReviewDocument) -> None:
    _body(pdf, "B", 8, GREY)
    pdf.cell(0, 4, "KRISENRADAR", align="L", new_x="LMARGIN", new_y="NEXT")
    _body(pdf, "B", 17)
    pdf.multi_cell(0, 7.5, _one_line(document.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _details(pdf, document.header, size=9)
    _rule(pdf)
    pdf.ln(2)


def _rule(pdf: FPDF) -> None:
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)


def _banner(pdf: FPDF, banner: Banner, lang: Lang) -> None:
    pdf.ln(2)
    pdf.set_fill_color(*DRILL_FILL)
    _body(pdf, "B", 13)
    pdf.multi_cell(0, 7, printable(banner.label), fill=True, align="L", new_x="LMARGIN", padding=(2, 3, 0))
    _body(pdf)
    pdf.multi_cell(
        0, LINE_MM, printable(banner.text), fill=True, align="L", new_x="LMARGIN", padding=(1, 3, 2)
    )
    pdf.ln(2)
    if banner.targets.rows:
        _table(pdf, banner.targets, lang)


def _heading(pdf: FPDF, text: str, level: int, keep: float) -> None:
    size = 14 if level == 2 else 11
    if pdf.will_page_break(keep):
        pdf.add_page()
    pdf.ln(4 if level == 2 else 2)
    _body(pdf, "B", size)
    pdf.multi_cell(0, size * 0.45, _one_line(text), align="L", new_x="LMARGIN", new_y="NEXT")
    if level == 2:
        pdf.ln(0.5)
        _rule(pdf)
    else:
        pdf.ln(1)


def _block(pdf: FPDF, block: Block, lang: Lang) -> None:
    if isinstance(block, Table):
        _table(pdf, block, lang)
    elif isinstance(block, Details):
        _details(pdf, block)
    elif isinstance(block, Bullets):
        _bullets(pdf, block)
    else:
        _paragraph(pdf, block)
    pdf.ln(2)


def _paragraph(pdf: FPDF, paragraph: Paragraph) -> None:
    text = printable(paragraph.text)
    if paragraph.style == "note":
        _body(pdf, "I", 8.5, GREY)
        pdf.multi_cell(0, 4.2, text, align="L", new_x="LMARGIN", new_y="NEXT")
    elif paragraph.style == "quote":
        _body(pdf, "I", 9.5, INK)
        pdf.set_fill_color(*HEADING_FILL)
        pdf.multi_cell(0, 4.8, text, fill=True, align="L", new_x="LMARGIN", new_y="NEXT", padding=(2, 4))
    else:
        _body(pdf)
        pdf.multi_cell(0, LINE_MM, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _bullets(pdf: FPDF, bullets: Bullets) -> None:
    _body(pdf)
    for item in bullets.items:
        if pdf.will_page_break(LINE_MM):
            pdf.add_page()
        pdf.cell(5, LINE_MM, "•")
        pdf.multi_cell(0, LINE_MM, printable(item), align="L", new_x="LMARGIN", new_y="NEXT")


def _details(pdf: FPDF, details: Details, size: float = BODY_PT) -> None:
    line = size * 0.5
    _body(pdf, "B", size)
    label_width = min(max(pdf.get_string_width(printable(d.label) + ": ") for d in details.items) + 2, 60)
    for detail in details.items:
        if pdf.will_page_break(line):
            pdf.add_page()
        _body(pdf, "B", size)
        pdf.cell(label_width, line, printable(detail.label) + ":")
        _body(pdf, "", size)
        link = detail.value if detail.link and detail.value.startswith(("https://", "http://")) else ""
        pdf.multi_cell(
            0, line, printable(detail.value) or DASH, link=link, align="L", new_x="LMARGIN", new_y="NEXT"
        )


def _cell_text(cell: Cell, lang: Lang) -> str:
    if isinstance(cell, bool):
        return _WORDS[lang]["yes" if cell else "no"]
    text = printable(cell).strip() if cell is not None else ""
    return text or DASH


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """At most CELL_LINES lines: a table row must fit on one page, or fpdf cannot print the table."""
    lines = pdf.multi_cell(width, CELL_LINE_MM, text, dry_run=True, output="LINES")
    if not isinstance(lines, list) or len(lines) <= CELL_LINES:
        return text
    return "\n".join(line.rstrip() for line in lines[: CELL_LINES - 1]) + "\n[…]"


def _table(pdf: FPDF, table: Table, lang: Lang) -> None:
    from fpdf.fonts import FontFace

    _body(pdf, "", CELL_PT)
    pdf.set_draw_color(*RULE)
    weights = [column.weight for column in table.columns]
    text_widths = [pdf.epw * weight / sum(weights) - 2 * CELL_PADDING_MM for weight in weights]
    with pdf.table(
        width=pdf.epw,
        col_widths=tuple(weights),
        text_align="LEFT",
        v_align="TOP",
        line_height=CELL_LINE_MM,
        padding=(1.2, CELL_PADDING_MM),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_color=ZEBRA,
        cell_fill_mode="ROWS",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        repeat_headings=1,
    ) as grid:
        grid.row([printable(column.label) for column in table.columns])
        for cells in table.rows:
            row = grid.row()
            for cell, width in zip(cells, text_widths, strict=True):
                color = None if not isinstance(cell, bool) else (MET if cell else MISSED)
                text = _fit(pdf, _cell_text(cell, lang), width)
                row.cell(text, style=FontFace(color=color) if color else None)
