"""Exported rows become mentions through a playbook mapping (domain/imports.py), and the reader names
each record's line (adapters/imports.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.adapters.imports import load_imports, read_records
from chalicelib.domain.imports import ImportMapping, InvalidRow, raw_mention

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = load_imports(ROOT / "playbooks").mappings


def test_the_shipped_mappings_are_brandwatch_and_talkwalker() -> None:
    assert {"brandwatch", "talkwalker"} <= set(MAPPINGS)


def test_a_brandwatch_row_becomes_a_mention_with_reach_engagement_and_thread() -> None:
    row = {
        "Date": "2026-11-29 13:58:12.0",
        "Title": "",
        "Full Text": "Mein Spülmeister schmort.",
        "Url": "https://x.com/anna_kocht/status/3",
        "Page Type": "Twitter",
        "Language": "de",
        "Author": "anna_kocht",
        "Resource Id": "3",
        "Thread Id": "1",
        "Twitter Followers": "1830",
        "Twitter Retweets": "12",
        "Likes": "31",
        "Comments": "4",
        "Reach (new)": "2400",
    }

    mention = raw_mention(row, MAPPINGS["brandwatch"], name="brandwatch", brand="mueller")

    assert (mention.platform, mention.native_id, mention.brand) == ("x", "brandwatch:3", "mueller")
    assert mention.published_at == datetime(2026, 11, 29, 13, 58, 12, tzinfo=UTC)
    assert mention.text == "Mein Spülmeister schmort." and mention.url == "https://x.com/anna_kocht/status/3"
    assert mention.author.handle == "anna_kocht" and mention.author.followers == 1830
    assert mention.reach == 2400 and mention.engagement == 12 + 31 + 4
    assert mention.lang_hint == "de" and mention.thread_id == "1"


def test_a_talkwalker_document_takes_nested_fields_epoch_milliseconds_and_the_source_type_list() -> None:
    record = {
        "data": {
            "url": "https://www.reddit.com/r/de/comments/1h9zk04/x/",
            "published": 1795960692000,
            "title": "Titel",
            "content": "Inhalt",
            "source_type": ["SOCIALMEDIA", "SOCIALMEDIA_REDDIT"],
            "engagement": 429,
            "reach": 1200,
            "extra_author_attributes": {"short_name": "u/anna_kocht"},
        }
    }

    mention = raw_mention(record, MAPPINGS["talkwalker"], name="talkwalker", brand="mueller")

    assert mention.platform == "reddit" and mention.text == "Titel\n\nInhalt"
    assert mention.native_id == "talkwalker:https://www.reddit.com/r/de/comments/1h9zk04/x/"
    assert mention.published_at == datetime(2026, 11, 29, 13, 58, 12, tzinfo=UTC)
    assert mention.author.handle == "u/anna_kocht" and mention.reach == 1200 and mention.engagement == 429


def test_a_local_time_is_read_in_the_mappings_time_zone() -> None:
    mapping = MAPPINGS["brandwatch"].model_copy(update={"timezone": "Europe/Berlin"})
    row = {"Date": "2026-11-29 14:58:12.0", "Full Text": "Spülmeister", "Resource Id": "3"}

    assert raw_mention(row, mapping, name="bw", brand="mueller").published_at == datetime(
        2026, 11, 29, 13, 58, 12, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"Date": "gestern", "Full Text": "t", "Resource Id": "1"}, "Date: not a time"),
        ({"Date": "", "Full Text": "t", "Resource Id": "1"}, "Date: empty"),
        ({"Date": "2026-11-29 13:58:12.0", "Full Text": " ", "Resource Id": "1"}, "no text"),
        ({"Date": "2026-11-29 13:58:12.0", "Full Text": "t", "Resource Id": ""}, "Resource Id: empty"),
        (
            {"Date": "2026-11-29 13:58:12.0", "Full Text": "t", "Resource Id": "1", "Likes": "viele"},
            "Likes: not a number",
        ),
    ],
)
def test_a_bad_row_names_the_column_not_its_content(row: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidRow, match=message) as caught:
        raw_mention(row, MAPPINGS["brandwatch"], name="brandwatch", brand="mueller")
    assert "gestern" not in str(caught.value) and "viele" not in str(caught.value)


def test_a_json_array_names_each_records_line(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('[\n  {"a": 1},\n  {"a": 2},\n  3,\n  {"a":\n', encoding="utf-8")
    mapping = ImportMapping(format="json", native_id="a", text=("a",), published_at="a")

    places = [
        (place, record if isinstance(record, dict) else str(record))
        for place, record in read_records(export, mapping)
    ]

    assert places[:3] == [("line 2", {"a": 1}), ("line 3", {"a": 2}), ("line 4", "not a JSON object")]
    assert places[3][0] == "line 5" and "not JSON" in places[3][1]


def test_a_json_document_names_records_by_number(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('{"result_content": {"data": [{"data": {"url": "u"}}, "x"]}}', encoding="utf-8")
    mapping = MAPPINGS["talkwalker"].model_copy(update={"records": "result_content.data"})

    places = [place for place, _ in read_records(export, mapping)]

    assert places == ["record 1", "record 2"]
