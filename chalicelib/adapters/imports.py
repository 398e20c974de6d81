"""Reads listening-tool exports and their column mappings (`playbooks/imports.yaml`).

`read_records` yields each record with where it starts in the file (`line 7`), so that a bad row can
be named: CSV (after `header_line`), a JSON array, JSON Lines, or a JSON document whose list of records
sits at `records` (`record 3`, counted from 1, as the document has no line per record).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chalicelib.adapters.playbooks import PlaybookError
from chalicelib.domain.imports import ImportMapping, ImportsConfig, InvalidRow, field

IMPORTS_FILE = "imports.yaml"

Located = tuple[str, Mapping[str, Any] | InvalidRow]


def load_imports(directory: Path) -> ImportsConfig:
    path = directory / IMPORTS_FILE
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ImportsConfig.model_validate(content or {})
    except FileNotFoundError as error:
        raise PlaybookError(f"{path}: missing") from error
    except (yaml.YAMLError, ValidationError) as error:
        raise PlaybookError(f"{path}: {error}") from error


def read_records(path: Path, mapping: ImportMapping) -> Iterator[Located]:
    """Each record of the export, or an InvalidRow for a row that cannot be read, with its place.
    OSError and ValueError (not UTF-8, not JSON at all, no header) concern the whole file."""
    text = path.read_text(encoding="utf-8-sig")
    if mapping.format == "csv":
        yield from _csv(text, mapping)
    elif mapping.records:
        yield from _document(text, mapping.records)
    elif text.lstrip().startswith("["):
        yield from _array(text)
    else:
        yield from _lines(text)


def _csv(text: str, mapping: ImportMapping) -> Iterator[Located]:
    skipped = mapping.header_line - 1
    reader = csv.reader(text.splitlines(keepends=True)[skipped:], delimiter=mapping.delimiter)
    header = next(reader, None)
    if not header:
        raise ValueError(f"no column names on line {mapping.header_line}")
    started = reader.line_num + 1
    for values in reader:
        place = f"line {started + skipped}"
        started = reader.line_num + 1  # a quoted field may span lines: the next record starts here
        if not any(value.strip() for value in values):
            continue  # a blank line
        if len(values) != len(header):
            yield place, InvalidRow(f"expected {len(header)} columns, found {len(values)}")
            continue
        yield place, dict(zip(header, values, strict=True))


def _array(text: str) -> Iterator[Located]:
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    index = 0
    while True:
        position = _skip(text, position, ",")
        if position >= len(text) or text[position] == "]":
            return
        index += 1
        place = f"line {text.count(chr(10), 0, position) + 1}"
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            yield place, InvalidRow(f"not JSON ({error.msg}); the rest of the file is not read")
            return
        yield place, value if isinstance(value, dict) else InvalidRow("not a JSON object")


def _skip(text: str, position: int, separators: str) -> int:
    while position < len(text) and (text[position].isspace() or text[position] in separators):
        position += 1
    return position


def _lines(text: str) -> Iterator[Located]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield f"line {number}", InvalidRow(f"not JSON ({error.msg})")
            continue
        yield f"line {number}", value if isinstance(value, dict) else InvalidRow("not a JSON object")


def _document(text: str, records: str) -> Iterator[Located]:
    items = field(json.loads(text), records)
    if not isinstance(items, list):
        raise ValueError(f"no list of records at {records!r}")
    for number, value in enumerate(items, start=1):
        yield f"record {number}", value if isinstance(value, dict) else InvalidRow("not a JSON object")
