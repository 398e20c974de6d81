"""API keys and the small JSON state documents (source cursors, detector states)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import Role
from chalicelib.ports import StateRepository, Storage
from tests.contract.builders import api_key, unique


@pytest.mark.parametrize(
    "changes",
    [{"role": Role.VIEWER}, {"role": Role.ADMIN, "disabled": True, "created_by": None}],
    ids=["viewer", "disabled-admin"],
)
def test_a_stored_api_key_reads_back_unchanged(storage: Storage, changes: dict[str, Any]) -> None:
    # Given an API key
    key = api_key(**changes)

    # When it is stored
    storage.api_keys.put(key)

    # Then it reads back as it was, role and disabled flag included
    assert storage.api_keys.get(key.key_id) == key


def test_an_unknown_api_key_is_none(storage: Storage) -> None:
    # Given a key that was stored, When another id is read, Then there is no key
    storage.api_keys.put(api_key())
    assert storage.api_keys.get(unique("key")) is None


def test_storing_a_key_id_twice_conflicts_and_keeps_the_first_key(storage: Storage) -> None:
    # Given a stored API key
    first = api_key(Role.VIEWER)
    storage.api_keys.put(first)

    # When another key with the same id is stored (it must never replace the first one's role)
    with pytest.raises(Conflict):
        storage.api_keys.put(api_key(Role.ADMIN).model_copy(update={"key_id": first.key_id}))

    # Then the first key stands
    assert storage.api_keys.get(first.key_id) == first


def test_a_stored_document_reads_back_unchanged(state: StateRepository) -> None:
    # Given a source cursor with nested values
    key = unique("cursor")
    document = {"page": 3, "etag": 'W/"ä1"', "seen": ["a", "b"], "window": {"rate": 0.25, "open": None}}

    # When it is stored
    state.put(key, document)

    # Then it reads back equal, and an unknown key has no document
    assert state.get(key) == {
        "page": 3,
        "etag": 'W/"ä1"',
        "seen": ["a", "b"],
        "window": {"rate": 0.25, "open": None},
    }
    assert state.get(unique("cursor")) is None


def test_storing_a_document_again_replaces_it(state: StateRepository) -> None:
    # Given a stored cursor
    key = unique("cursor")
    state.put(key, {"page": 1, "etag": "x"})

    # When the collector stores the next one
    state.put(key, {"page": 2})

    # Then only the latest document is kept
    assert state.get(key) == {"page": 2}


def test_a_stored_document_is_a_snapshot(state: StateRepository) -> None:
    # Given a detector state stored and read back
    key = unique("detector")
    document: dict[str, Any] = {"counts": [1, 2]}
    state.put(key, document)
    read = state.get(key)
    assert read is not None

    # When the caller goes on changing its own copies
    document["counts"].append(3)
    read["counts"].append(4)

    # Then what is stored did not change: only put changes it, as in the stores
    assert state.get(key) == {"counts": [1, 2]}
