"""`python -m chalicelib.cli sources [--json]`: the registered adapters and the playbook's sources."""

from __future__ import annotations

import io
import json

from chalicelib.cli import sources


def test_sources_as_json_list_types_and_every_configured_source() -> None:
    out = io.StringIO()
    sources(out, as_json=True)
    listing = json.loads(out.getvalue())
    assert {"rss", "replay", "x"} <= set(listing["types"])
    feed = next(s for s in listing["sources"] if s["id"] == "google-alerts-mueller")
    assert feed == {
        "id": "google-alerts-mueller",
        "type": "rss",
        "brand": "mueller",
        "enabled": False,
        "registered": True,
        "poll_seconds": 300,
    }


def test_sources_as_text_name_each_source_once() -> None:
    out = io.StringIO()
    sources(out, as_json=False)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("registered types: ")
    assert sum("google-alerts-mueller" in line for line in lines) == 1
