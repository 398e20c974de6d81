"""The review document (domain/review_report.py) as Markdown: GitHub-flavoured, with tables, and every
piece of user text escaped, so a handle, a pipe or a "# " in a lesson never breaks the report."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.review_report import (
    DASH,
    Block,
    Bullets,
    Cell,
    Detail,
    Details,
    Lang,
    Table,
    review_document,
)

_INLINE = re.compile(r"[\\`*\[\]<|~]|(?<![^\W_])_|_(?![^\W_])")
# What turns the start of a line into a block: a heading, quote, list item, rule or setext underline.
_BLOCK_MARK = re.compile(r"^(?=#{1,6}(?:\s|$)|>|[-+](?:\s|$)|[-=]+\s*$)")
_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_SAFE_URL = re.compile(r"https?://[^\s<>]+")


def _md_lines(text: str) -> list[str]:
    """User text, literal in Markdown: emphasis, code, links, HTML and pipes escaped, one entry per line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [_INLINE.sub(lambda match: "\\" + match.group(0), line.strip()) for line in lines]


def _md_line_start(line: str) -> str:
    """A line that begins a block of its own (a paragraph, a bullet) can also not start a heading or list."""
    return _LIST_NUMBER.sub(r"\1\\\2", _BLOCK_MARK.sub("\\\\", line))


def _md_inline(text: str) -> str:
    return " ".join(line for line in _md_lines(text) if line)


def _md_paragraphs(text: str, prefix: str = "") -> str:
    """Paragraphs apart by a blank line; a line break inside one stays a (backslash) hard break."""
    blocks = re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n"))
    rendered = [
        "\\\n".join(prefix + _md_line_start(line) for line in _md_lines(block) if line) for block in blocks
    ]
    return f"\n{prefix.rstrip()}\n".join(block for block in rendered if block)


def _md_heading(text: str, level: int) -> str:
    """A heading; trailing hashes in the text would read as an optional closing sequence."""
    return "#" * level + " " + re.sub(r"(\s)(#+)$", r"\1\\\2", _md_inline(text))


def _md_cell(cell: Cell) -> str:
    if isinstance(cell, bool):
        return "✔" if cell else "✘"
    if cell is None or not cell.strip():
        return DASH
    return "<br>".join(line for line in _md_lines(cell) if line)


def _md_table(table: Table) -> str:
    lines = [
        "| " + " | ".join(_md_inline(column.label) for column in table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _md_detail(detail: Detail) -> str:
    if detail.link and _SAFE_URL.fullmatch(detail.value):
        value = f"<{detail.value}>"
    else:
        value = _md_inline(detail.value) or DASH
    return f"- **{_md_inline(detail.label)}:** {value}"


def _md_block(block: Block) -> str:
    if isinstance(block, Table):
        return _md_table(block)
    if isinstance(block, Details):
        return "\n".join(_md_detail(detail) for detail in block.items)
    if isinstance(block, Bullets):
        return "\n".join(f"- {_md_line_start(_md_inline(item))}" for item in block.items)
    if block.style == "quote":
        return _md_paragraphs(block.text, prefix="> ")
    if block.style == "note":
        return f"*{_md_inline(block.text)}*"
    return _md_paragraphs(block.text)


def render_markdown(review: Mapping[str, Any], lang: Lang = "de") -> str:
    """The review as a Markdown report (GitHub-flavoured: tables), ready to file or to paste."""
    document = review_document(review, lang)
    parts = [_md_heading(document.title, 1), _md_block(document.header)]
    if document.drill:
        banner = document.drill
        parts += [f"> **{banner.label}** {_md_inline(banner.text)}", _md_table(banner.targets)]
    for section in document.sections:
        parts.append(_md_heading(section.heading, section.level))
        parts += [_md_block(block) for block in section.blocks]
    parts += ["---", f"*{_md_inline(document.closing)}*"]
    return "\n\n".join(parts) + "\n"
