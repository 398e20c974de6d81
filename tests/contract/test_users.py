"""Users (the crisis team as people) and listing and revoking API keys, on both stores."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import Role, Severity, User
from chalicelib.ports import Storage
from tests.contract.builders import T0, api_key, minutes, unique


def _user(**changes: object) -> User:
    fields: dict[str, object] = {
        "user_id": unique("anna"),
        "name": "Anna Schmidt",
        "role": Role.APPROVER,
        "function": "Krisenleitung",
        "phone": "+4915100000001",
        "email": "anna@example.de",
        "escalation_level": 1,
        "sms_min_severity": Severity.SEV2,
        "created_at": T0,
        "updated_at": T0,
    }
    return User.model_validate({**fields, **changes})


def test_a_created_user_reads_back_with_version_one(storage: Storage) -> None:
    # Given a new person, When they are created, Then they read back as given, version 1
    user = _user()
    created = storage.users.create(user)
    assert created.version == 1
    assert storage.users.get(user.user_id) == user.model_copy(update={"version": 1})


def test_creating_a_user_id_twice_conflicts_and_keeps_the_first(storage: Storage) -> None:
    first = storage.users.create(_user())
    with pytest.raises(Conflict):
        storage.users.create(_user(user_id=first.user_id, name="Someone Else", role=Role.ADMIN))
    assert storage.users.get(first.user_id).name == "Anna Schmidt"


def test_saving_a_user_bumps_the_version_and_a_stale_save_conflicts(storage: Storage) -> None:
    # Given a user, edited once
    created = storage.users.create(_user())
    saved = storage.users.save(created.model_copy(update={"on_duty": False, "phone": None}))
    assert saved.version == 2
    assert storage.users.get(created.user_id) == saved

    # When someone saves the old version
    with pytest.raises(Conflict):
        storage.users.save(created.model_copy(update={"role": Role.ADMIN}))

    # Then the newer edit stands
    assert storage.users.get(created.user_id).role is Role.APPROVER


def test_an_unknown_user_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        storage.users.get(unique("nobody"))


def test_every_user_is_listed_by_id(storage: Storage) -> None:
    ids = sorted(storage.users.create(_user(user_id=unique(p))).user_id for p in ("zoe", "ben", "mia"))
    listed = [u.user_id for u in storage.users.list()]
    assert [i for i in listed if i in ids] == ids
    assert listed == sorted(listed)


def test_keys_are_listed_newest_first_across_pages(storage: Storage) -> None:
    # Given three keys created a minute apart, later than any other test's keys
    keys = [api_key(created_at=minutes(10_000 + n), user_id=unique("u")) for n in range(3)]
    for key in keys:
        storage.api_keys.put(key)

    # When the first two pages of two are read
    first = storage.api_keys.list(limit=2, next_token=None)
    assert first.next_token is not None
    second = storage.api_keys.list(limit=2, next_token=first.next_token)

    # Then the newest come first, each once, with their owner
    listed = [k.key_id for k in first.items + second.items]
    assert listed[:3] == [k.key_id for k in reversed(keys)]
    assert first.items[0].user_id == keys[-1].user_id


def test_revoking_a_key_disables_it_and_keeps_the_first_revocation(storage: Storage) -> None:
    key = api_key()
    storage.api_keys.put(key)
    revoked = storage.api_keys.revoke(key.key_id, at=minutes(5), by="Anna")
    assert revoked.disabled and revoked.revoked_at == minutes(5) and revoked.revoked_by == "Anna"
    again = storage.api_keys.revoke(key.key_id, at=minutes(9), by="Ben")
    assert (again.revoked_at, again.revoked_by) == (minutes(5), "Anna")
    assert storage.api_keys.get(key.key_id) == revoked


def test_revoking_an_unknown_key_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        storage.api_keys.revoke(unique("key"), at=minutes(1), by="Anna")
    assert storage.api_keys.get("nothing-here") is None
