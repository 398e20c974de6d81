"""The local state directory (`make run`) holds the database (handles, team phone numbers) and secrets:
its owner alone may read it, whatever the umask, and also when an older version created it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.adapters.sqlite.database import Database
from chalicelib.local.bootstrap import write_private
from chalicelib.local.stack import prepare_state_dir


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual umask: new files 0644, directories 0755
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_old_world_readable_state_dir_and_its_files_become_the_owners_alone(tmp_path: Path) -> None:
    # Given a state directory an older version left readable by everyone
    state = tmp_path / ".local"
    state.mkdir(mode=0o755)
    for name in ("krisenradar.db", "krisenradar.db-wal", "admin-key", "webhook-secret"):
        (state / name).write_text("x")
        (state / name).chmod(0o644)

    # When the local stack prepares it
    prepare_state_dir(state)

    # Then nobody else can list or read anything in it
    assert mode(state) == 0o700
    assert {path.name: mode(path) for path in state.iterdir()} == dict.fromkeys(
        ("krisenradar.db", "krisenradar.db-wal", "admin-key", "webhook-secret"), 0o600
    )


def test_secrets_are_written_private_from_the_first_byte_and_rewritten_private(tmp_path: Path) -> None:
    # Given a secret file an older version wrote world-readable
    old = tmp_path / "state" / "ingest-secret"
    old.parent.mkdir()
    old.write_text("old")
    old.chmod(0o644)

    # When secrets are written, a new one and over the old one
    write_private(tmp_path / "state" / "admin-key", "kr_abc_def")
    write_private(old, "new")

    # Then both are the owner's alone and hold what was written
    assert mode(tmp_path / "state" / "admin-key") == 0o600 and mode(old) == 0o600
    assert old.read_text() == "new"


def test_the_database_and_its_wal_files_are_the_owners_alone(tmp_path: Path) -> None:
    # Given a database file an older version created world-readable
    path = tmp_path / "db" / "krisenradar.db"
    path.parent.mkdir()
    Database(path).close()
    path.chmod(0o644)

    # When it is opened and written to (which creates the -wal and -shm files)
    database = Database(path)
    with database.transaction() as tx:
        tx.execute("INSERT INTO state (key, value, updated_at) VALUES ('k', '{}', 'now')")

    # Then the database and its companions are the owner's alone
    files = [path, path.with_name("krisenradar.db-wal"), path.with_name("krisenradar.db-shm")]
    assert {file.name: mode(file) for file in files if file.exists()} == {
        file.name: 0o600 for file in files if file.exists()
    }
    assert path.with_name("krisenradar.db-wal").exists()
    database.close()
