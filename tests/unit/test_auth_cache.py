"""The API key cache (issue 12): a key revoked elsewhere stops working within CACHE_SECONDS, however
often it is used, because a cache entry is never renewed by a hit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.models import Role
from chalicelib.services import auth
from tests.fakes import MemoryApiKeys

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


class Monotonic:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> Iterator[Monotonic]:
    clock = Monotonic()
    monkeypatch.setattr(auth, "time", SimpleNamespace(monotonic=clock))
    auth.clear_cache()
    yield clock
    auth.clear_cache()


def _key(keys: MemoryApiKeys) -> tuple[str, str]:
    record, plaintext = auth.create_key(name="CRM", role=Role.RESPONDER, keys=keys, now=NOW, created_by="t")
    return record.key_id, f"Bearer {plaintext}"


def test_a_key_revoked_elsewhere_stops_within_the_cache_time_though_used_every_half_second(
    monotonic: Monotonic,
) -> None:
    # Given a key this instance verified and keeps using, twice a second
    keys = MemoryApiKeys()
    key_id, header = _key(keys)
    auth.authenticate(header, keys=keys)
    verified_at = monotonic.seconds
    # When another instance revokes it (this one's cache is not told) half a second later
    monotonic.seconds += 0.5
    keys.revoke(key_id, at=NOW, by="Anna")
    revoked_at = monotonic.seconds
    while True:
        monotonic.seconds += 0.5
        try:
            auth.authenticate(header, keys=keys)
        except Unauthorized:
            break
        assert monotonic.seconds - revoked_at < 60, "the revoked key never stopped working"
    # Then it is refused once the entry made at the first check expires, not later
    assert monotonic.seconds - verified_at == pytest.approx(auth.CACHE_SECONDS)
    assert monotonic.seconds - revoked_at <= auth.CACHE_SECONDS


def test_hits_do_not_renew_the_entry_so_a_busy_key_is_read_again_every_cache_period(
    monotonic: Monotonic,
) -> None:
    # Given a key in use ten times a second for a minute
    keys = MemoryApiKeys()
    _, header = _key(keys)
    for _ in range(600):
        auth.authenticate(header, keys=keys)
        monotonic.seconds += 0.1
    # Then the store was read once per cache period (the cache saves the other reads, no more)
    assert keys.reads == pytest.approx(60 / auth.CACHE_SECONDS, abs=1)


def test_revoking_here_applies_at_once(monotonic: Monotonic) -> None:
    keys = MemoryApiKeys()
    key_id, header = _key(keys)
    auth.authenticate(header, keys=keys)
    keys.revoke(key_id, at=NOW, by="Anna")
    auth.forget(key_id)  # what DELETE /api-keys/{key_id} does after revoking
    with pytest.raises(Unauthorized):
        auth.authenticate(header, keys=keys)
