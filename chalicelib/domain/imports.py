"""Mentions from a listening tool's export (Brandwatch, Talkwalker, ...): the column mapping of
`playbooks/imports.yaml` and the conversion of one exported row into a RawMention.

Pure: no file access. Reading the file is adapters/imports.py, storing is services/import_mentions.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.domain.models import Author, RawMention

_PLATFORM_CHARS = re.compile(r"[^a-z0-9_-]+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlatformMapping(_Strict):
    """Which platform a row comes from: a column's value through `values` (case-insensitive; a list
    value, as Talkwalker's `source_type`, matches on any element), else `default`."""

    column: str | None = None
    values: dict[str, str] = Field(default_factory=dict)
    default: str = Field(default="web", pattern=r"^[a-z0-9_-]+$")


class ImportMapping(_Strict):
    """How the columns (CSV) or fields (JSON, dotted paths) of one tool's export become a mention."""

    description: str = ""
    format: Literal["csv", "json"]
    header_line: int = Field(default=1, ge=1, description="CSV: the line with the column names")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    records: str | None = Field(default=None, description="JSON: dotted path to the list of records")
    id_prefix: str | None = Field(default=None, pattern=r"^[a-z0-9_-]+$")
    native_id: str
    text: tuple[str, ...] = Field(min_length=1, description="joined by a blank line, empty ones left out")
    published_at: str
    date_format: str | None = Field(default=None, description="strptime format, epoch or epoch_ms; else ISO")
    timezone: str = "UTC"
    url: str | None = None
    author: str | None = None
    followers: str | None = None
    reach: str | None = None
    engagement: tuple[str, ...] = ()
    lang: str | None = None
    thread_id: str | None = None
    brand: str | None = None
    platform: PlatformMapping = PlatformMapping()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value


class ImportsConfig(_Strict):
    default: str | None = None
    mappings: dict[str, ImportMapping]


class InvalidRow(ValueError):
    """A row that cannot become a mention; the message names the columns, never their content."""


def field(record: Mapping[str, Any], path: str) -> Any:
    """A column, or a dotted path into nested JSON (`data.extra_author_attributes.short_name`)."""
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(record: Mapping[str, Any], column: str | None) -> int:
    raw = _text(field(record, column)) if column else ""
    if not raw:
        return 0
    try:
        return max(int(float(raw.replace(",", ""))), 0)
    except ValueError as error:
        raise InvalidRow(f"{column}: not a number") from error


def parse_time(raw: Any, mapping: ImportMapping) -> datetime:
    text = _text(raw)
    if not text:
        raise InvalidRow(f"{mapping.published_at}: empty")
    try:
        if mapping.date_format in ("epoch", "epoch_ms"):
            seconds = float(text) / (1000 if mapping.date_format == "epoch_ms" else 1)
            return datetime.fromtimestamp(seconds, UTC)
        if mapping.date_format:
            moment = datetime.strptime(text, mapping.date_format)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as error:
        raise InvalidRow(f"{mapping.published_at}: not a time in the expected format") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(mapping.timezone))
    return moment.astimezone(UTC)


def platform_of(record: Mapping[str, Any], mapping: PlatformMapping) -> str:
    values = {key.lower(): value for key, value in mapping.values.items()}
    raw = field(record, mapping.column) if mapping.column else None
    for candidate in raw if isinstance(raw, list) else [raw]:
        key = _text(candidate).lower()
        if key in values:
            return values[key]
    return mapping.default


def raw_mention(
    record: Mapping[str, Any], mapping: ImportMapping, *, name: str, brand: str | None
) -> RawMention:
    """One exported row as a RawMention. `brand` is the brand the import is for, else the row's
    `brand` column names it. The native id is `<id_prefix or mapping name>:<id>`, so a rerun of the
    same export stores nothing twice and tools never collide."""
    native = _text(field(record, mapping.native_id))
    if not native:
        raise InvalidRow(f"{mapping.native_id}: empty")
    text = "\n\n".join(part for part in (_text(field(record, column)) for column in mapping.text) if part)
    if not text:
        raise InvalidRow(f"{', '.join(mapping.text)}: no text")
    row_brand = brand or (_text(field(record, mapping.brand)) if mapping.brand else "")
    if not row_brand:
        raise InvalidRow(f"{mapping.brand or 'brand'}: no brand")
    handle = _text(field(record, mapping.author)) if mapping.author else ""
    followers = _number(record, mapping.followers)
    lang = _text(field(record, mapping.lang)).lower() if mapping.lang else ""
    thread = _text(field(record, mapping.thread_id)) if mapping.thread_id else ""
    url = _text(field(record, mapping.url)) if mapping.url else ""
    try:
        return RawMention(
            platform=_PLATFORM_CHARS.sub("_", platform_of(record, mapping.platform).lower()) or "web",
            native_id=f"{mapping.id_prefix or name}:{native}",
            brand=row_brand,
            text=text[:20_000],
            published_at=parse_time(field(record, mapping.published_at), mapping),
            url=url or None,
            author=Author(handle=handle or None, followers=followers),
            reach=max(_number(record, mapping.reach), followers),
            lang_hint=lang if lang and lang not in ("und", "zz", "unknown") else None,
            engagement=sum(_number(record, column) for column in mapping.engagement),
            thread_id=thread or None,
        )
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in item["loc"]) for item in error.errors()})
        raise InvalidRow(f"does not fit a mention: {', '.join(fields)}") from error
