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


def test_get_many_reads_exactly_the_stored_documents_in_batches(state: StateRepository) -> None:
    # Given 130 stored documents (more than one DynamoDB `BatchGetItem` of 100 keys) and 30 unknown keys
    stored = {
        unique("health"): {"n": n, "tags": ["a", str(n)], "nested": {"ok": n % 2 == 0}} for n in range(130)
    }
    for key, value in stored.items():
        state.put(key, value)
    missing = [unique("queued") for _ in range(30)]
    keys = [*stored, *missing]

    # When they are all read at once, some of them named twice
    found = state.get_many([*keys[:10], *keys, *keys[-5:]])

    # Then exactly the stored ones come back, each as `get` reads it, and the unknown keys are absent
    assert found == stored
    assert {key: state.get(key) for key in list(stored)[::13]} == {
        key: found[key] for key in list(stored)[::13]
    }


def test_put_many_stores_every_document_as_put_does(state: StateRepository) -> None:
    # Given one stored document and 60 new ones (more than two DynamoDB `BatchWriteItem`s of 25)
    existing = unique("queued")
    state.put(existing, {"queued_at": "2026-11-29T10:00:00+00:00"})
    documents = {
        unique("queued"): {"queued_at": f"2026-11-29T11:{n:02d}:00+00:00", "n": n} for n in range(60)
    }
    documents[existing] = {"queued_at": "2026-11-29T12:00:00+00:00", "etag": 'W/"ä1"'}

    # When they are stored at once
    state.put_many(documents)

    # Then each reads back equal, one by one and all together, the existing one replaced
    assert {key: state.get(key) for key in documents} == documents
    assert state.get_many(list(documents)) == documents
    assert state.get(existing) == {"queued_at": "2026-11-29T12:00:00+00:00", "etag": 'W/"ä1"'}


def test_reading_or_writing_nothing_at_once_changes_nothing(state: StateRepository) -> None:
    # Given a stored document, When nothing is read or written at once, Then nothing changes
    key = unique("cursor")
    state.put(key, {"page": 1})
    state.put_many({})
    assert state.get_many([]) == {}
    assert state.get(key) == {"page": 1}


def test_documents_read_at_once_are_snapshots(state: StateRepository) -> None:
    # Given documents stored at once and read at once
    key = unique("detector")
    document: dict[str, Any] = {"counts": [1, 2]}
    state.put_many({key: document})
    read = state.get_many([key])

    # When the caller goes on changing its own copies
    document["counts"].append(3)
    read[key]["counts"].append(4)

    # Then what is stored did not change
    assert state.get_many([key]) == {key: {"counts": [1, 2]}}
