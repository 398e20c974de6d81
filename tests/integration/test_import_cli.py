"""`python -m chalicelib.cli import FILE [--brand B] [--mapping NAME]`: a listening tool's export is
stored like collected mentions, on SQLite and on DynamoDB (moto server); bad rows are named with their
line and make the exit status 1 while the good rows are stored; a rerun stores nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib import deps
from chalicelib.cli import main
from chalicelib.config import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "tests" / "fixtures" / "import"
BRANDWATCH = EXPORTS / "brandwatch_mentions.csv"
TALKWALKER = EXPORTS / "talkwalker_documents.jsonl"


@pytest.fixture
def sqlite_container(tmp_path: Path) -> Iterator[deps.Container]:
    settings = Settings(
        store="sqlite", database_path=tmp_path / "krisenradar.db", playbooks_dir=ROOT / "playbooks"
    )
    built = deps.Container(settings)
    deps.override(built)
    yield built
    deps.override(None)


def stored(container: deps.Container) -> dict[str, Any]:
    since, until = datetime(2026, 11, 28, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    page = container.mentions.list_by_brand("mueller", since, until, 100, None)
    return {m.native_id: m for m in page.items}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["import", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_good_rows_are_stored_and_bad_rows_named_by_line_with_exit_status_1(
    sqlite_container: deps.Container, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, str(BRANDWATCH), "--brand", "mueller", "--mapping", "brandwatch")

    assert status == 1
    assert err.splitlines() == [
        f"{BRANDWATCH}:line 11: Date: not a time in the expected format",
        f"{BRANDWATCH}:line 12: Resource Id: empty",
        f"{BRANDWATCH}:line 13: expected 18 columns, found 5",
    ]
    assert out == f"{BRANDWATCH}: 7 rows, 3 stored, 0 already stored, 1 not about the brand, 3 bad\n"
    mentions = stored(sqlite_container)
    assert set(mentions) == {
        "brandwatch:1862500000000000003",
        "brandwatch:fo-81234-5",
        "brandwatch:news-4711",
    }
    tweet = mentions["brandwatch:1862500000000000003"]
    assert tweet.platform == "x" and tweet.reach == 2400 and tweet.engagement == 12 + 31 + 4
    # enriched as a collected mention would be: language, sentiment, risk terms
    assert tweet.lang == "de" and tweet.sentiment == "negative" and "rauch" in tweet.risk_terms
    forum = mentions["brandwatch:fo-81234-5"]
    assert forum.platform == "forum" and forum.text.endswith("Bei mir riecht das Gerät verschmort.")
    assert mentions["brandwatch:news-4711"].platform == "news"


def test_a_rerun_stores_nothing_twice(
    sqlite_container: deps.Container, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, str(BRANDWATCH), "--brand", "mueller")

    status, out, _ = run(capsys, str(BRANDWATCH), "--brand", "mueller")

    assert status == 1 and "0 stored, 3 already stored" in out and len(stored(sqlite_container)) == 3


def test_a_talkwalker_export_reads_json_lines(
    sqlite_container: deps.Container, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, str(TALKWALKER), "--brand", "mueller", "--mapping", "talkwalker")

    assert status == 1 and "4 rows, 2 stored" in out
    assert err.splitlines()[0].startswith(f"{TALKWALKER}:line 3: not JSON")
    assert err.splitlines()[1] == f"{TALKWALKER}:line 4: data.published: empty"
    mentions = stored(sqlite_container)
    reddit = mentions["talkwalker:https://www.reddit.com/r/de/comments/1h9zk04/spulmeister/"]
    assert reddit.platform == "reddit" and reddit.published_at == datetime(
        2026, 11, 29, 13, 58, 12, tzinfo=UTC
    )


def test_a_clean_export_exits_0(
    sqlite_container: deps.Container, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    export = tmp_path / "clean.csv"
    lines = BRANDWATCH.read_text(encoding="utf-8").splitlines(keepends=True)
    export.write_text("".join(lines[:9] + lines[9:10] + lines[14:]), encoding="utf-8")

    status, out, err = run(capsys, str(export), "--brand", "mueller")

    assert (status, err) == (0, "") and "3 rows, 3 stored" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--brand", "mueller", "--mapping", "meltwater"],
            "unknown mapping 'meltwater'; known: brandwatch, talkwalker",
        ),
        (["--brand", "nobody"], "unknown brand 'nobody'"),
        (["--mapping", "brandwatch"], "name the brand with --brand"),
    ],
)
def test_an_unusable_mapping_or_brand_exits_2_and_stores_nothing(
    sqlite_container: deps.Container, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = run(capsys, str(BRANDWATCH), *args)

    assert status == 2 and out == "" and message in err and stored(sqlite_container) == {}


def test_a_missing_file_exits_2(sqlite_container: deps.Container, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, str(EXPORTS / "missing.csv"), "--brand", "mueller")

    assert status == 2 and "missing.csv" in err


def test_dynamodb_stores_an_export_once(container: Any, capsys: pytest.CaptureFixture[str]) -> None:
    container.clock.now = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)

    first = run(capsys, str(BRANDWATCH), "--brand", "mueller")
    again = run(capsys, str(BRANDWATCH), "--brand", "mueller")

    assert "3 stored" in first[1] and "0 stored, 3 already stored" in again[1]
    since = datetime(2026, 11, 29, tzinfo=UTC)
    page = container.mentions.list_by_brand("mueller", since, since + timedelta(days=1), 100, None)
    assert {m.native_id for m in page.items} >= {"brandwatch:1862500000000000003", "brandwatch:news-4711"}
