"""Fault injection: a collector killed mid-run and run again loses no mention and stores none twice,
through the real ingest path into the SQLite store (mentions and their bucket counters)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.sources.x import SEARCH_PATH
from chalicelib.ports import StateRepository, Storage
from chalicelib.services.collect import cursor_key
from tests.integration.x_collect_child import run, store_at, x_source
from tests.platform_fake import FakePlatform, Reply, load_fixture

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
PAGE_2 = {"next_token": "b26v89c19zqg8o3fpdg8ya8s5v2a0fzf7yg2hkldfq24d"}
ALL_POSTS = {"1862500000000000001", "1862500000000000002", "1862500000000000003"}


class Killed(BaseException):
    """Like SIGKILL for the code in between: no `except Exception` catches it, nothing runs after."""


def stored_once(storage: Storage) -> tuple[list[str], int]:
    """Every stored post id (as listed) and the mention count its brand's buckets add up to."""
    wide = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    listed = storage.mentions.list_by_brand("mueller", *wide, 100, None).items
    counted = sum(bucket.total for bucket in storage.buckets.range("mueller", *wide))
    return sorted(m.native_id for m in listed), counted


def serve_both_pages(fake: FakePlatform, first_page_2: Reply | None = None) -> None:
    fake.route("GET", SEARCH_PATH, Reply(json=load_fixture("x", "search_page1")))
    later = Reply(json=load_fixture("x", "search_page2"))
    fake.route("GET", SEARCH_PATH, *([first_page_2] if first_page_2 else []), later, query=PAGE_2)


def test_a_collector_killed_while_waiting_for_page_2_reruns_without_loss_or_doubles(
    fake_platform: FakePlatform, tmp_path: Path
) -> None:
    # Given X answers page 1 at once and keeps the collector waiting for page 2
    serve_both_pages(fake_platform, first_page_2=Reply(json=load_fixture("x", "search_page2"), delay=20))
    database = tmp_path / "k.db"
    store_at(database)  # the schema, before the child opens it
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.x_collect_child",
            str(database),
            fake_platform.base_url,
            NOW.isoformat(),
        ],
        cwd=ROOT,
    )
    try:
        # When the collector process is killed (SIGKILL) while page 2 is in flight
        deadline = time.monotonic() + 30
        while not any(r.query.get("next_token") for r in fake_platform.requests):
            assert child.poll() is None, "the collector ended before it asked for page 2"
            assert time.monotonic() < deadline, "the collector never asked for page 2"
            time.sleep(0.02)
        child.kill()
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    storage = store_at(database)
    assert stored_once(storage) == (sorted(ALL_POSTS - {"1862500000000000001"}), 2)  # page 1 only

    # And it runs again, and once more later
    run(storage, x_source(fake_platform.base_url), NOW + timedelta(minutes=10))
    run(storage, x_source(fake_platform.base_url), NOW + timedelta(minutes=20))

    # Then every post is stored, each exactly once, and counted once
    assert stored_once(storage) == (sorted(ALL_POSTS), 3)
    assert storage.state.get(cursor_key("x-mueller"))["cursor"] == {"since_id": "1862500000000000003"}


class KillOnCursor:
    """A state store that dies when the cursor is about to be saved the `nth` time (the page is stored)."""

    def __init__(self, inner: StateRepository, nth: int) -> None:
        self._inner, self._left = inner, nth

    def get(self, key: str) -> dict[str, Any] | None:
        return self._inner.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        if key.startswith("cursor#"):
            self._left -= 1
            if self._left == 0:
                raise Killed
        self._inner.put(key, value)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return self._inner.get_many(keys)

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        for key, value in items.items():
            self.put(key, value)


@pytest.mark.parametrize(
    ("nth", "before_rerun"),
    [
        (1, (["1862500000000000002", "1862500000000000003"], 2)),  # page 1 stored, its cursor lost
        (2, (sorted(ALL_POSTS), 3)),  # page 2 stored, the final cursor lost
    ],
)
def test_a_kill_between_storing_and_saving_the_cursor_repeats_work_but_stores_once(
    fake_platform: FakePlatform, tmp_path: Path, nth: int, before_rerun: tuple[list[str], int]
) -> None:
    # Given a collector that dies right after storing a page, before its cursor is saved
    serve_both_pages(fake_platform)
    storage = store_at(tmp_path / "k.db")
    dying = dataclasses.replace(storage, state=KillOnCursor(storage.state, nth))
    with pytest.raises(Killed):
        run(dying, x_source(fake_platform.base_url), NOW)
    assert stored_once(storage) == before_rerun

    # When it runs again (the lost cursor makes it fetch the stored page again)
    run(storage, x_source(fake_platform.base_url), NOW + timedelta(minutes=10))
    run(storage, x_source(fake_platform.base_url), NOW + timedelta(minutes=20))

    # Then nothing is lost and nothing is counted twice
    assert stored_once(storage) == (sorted(ALL_POSTS), 3)
