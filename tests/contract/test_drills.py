"""Drills on both stores (and the memory fake): create once, one running drill per brand, optimistic
locking, newest first across pages, and the running drills the jobs play.

The DynamoDB tables of this module sit behind the moto endpoint that keeps each request atomic, so that
two starts at the same instant meet DynamoDB's guarantees rather than moto's threading.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from chalicelib.domain import drills as drill_rules
from chalicelib.domain.drills import Drill, DrillStatus
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.ports import DrillRepository, Storage
from tests.contract.builders import DEEPLY_NESTED_TOKEN, FORGED_TOKENS, T0, every_page, items, minutes
from tests.contract.conftest import DYNAMODB, MEMORY, SQLITE, DynamoStore, _store, new_dynamo_store
from tests.fakes import MemoryDrills
from tests.threads import at_once


@pytest.fixture(scope="module")
def dynamo_store(atomic_moto: str) -> DynamoStore:
    return new_dynamo_store(atomic_moto)


@pytest.fixture(params=[SQLITE, DYNAMODB, MEMORY])
def drills(request: pytest.FixtureRequest) -> DrillRepository:
    if request.param == "memory":
        return MemoryDrills()
    return _store(request, request.param).drills


def drill(brand: str, *, started_at: Any = T0, sortable: bool = False, **changes: Any) -> Drill:
    """A drill of its own (the tables are shared): a random id, or (`sortable`) one that sorts by start."""
    drill_id = (
        drill_rules.new_drill_id(started_at, secrets.randbelow(256))
        if sortable
        else f"UEB-{started_at:%Y%m%d}-{secrets.token_hex(3).upper()}"
    )
    started = drill_rules.start(
        drill_id=drill_id,
        brand=brand,
        playbook="produktmangel-rueckruf",
        scenario="mueller_rueckruf",
        speed=60,
        by="Anna Schmidt (Übungsleitung)",
        now=started_at,
    )
    return started.model_copy(update=changes)


def ended(current: Drill, *, by: str = "Anna Schmidt") -> Drill:
    result = drill_rules.end(current, by=by, now=current.started_at + timedelta(minutes=30), reason="stopped")
    assert result is not None
    return result


def test_a_created_drill_has_version_1_and_reads_back_unchanged(drills: DrillRepository, brand: str) -> None:
    new = drill(brand)

    created = drills.create(new)

    assert created == new.model_copy(update={"version": 1})
    assert drills.get(new.drill_id) == created
    assert created.brand_key == f"{brand}~{new.drill_id.lower()}"


def test_a_drill_id_is_created_once(drills: DrillRepository, brand: str) -> None:
    first = drills.create(drill(brand))
    with pytest.raises(Conflict):
        drills.create(drill(f"{brand}-b", drill_id=first.drill_id))
    assert drills.get(first.drill_id).brand == brand


def test_a_brand_has_one_running_drill_until_it_ends(drills: DrillRepository, brand: str) -> None:
    # Given a running drill for a brand
    first = drills.create(drill(brand))

    # When a second one starts for the same brand, it conflicts; another brand may start one
    with pytest.raises(Conflict):
        drills.create(drill(brand, started_at=minutes(5)))
    other = drills.create(drill(f"{brand}-other", started_at=minutes(5)))

    # Then, once the first has ended, the brand may start the next one
    drills.save(ended(first))
    second = drills.create(drill(brand, started_at=minutes(40)))
    assert {d.drill_id for d in drills.running()} >= {second.drill_id, other.drill_id}
    assert first.drill_id not in {d.drill_id for d in drills.running()}


def test_saving_an_ended_drill_again_leaves_the_brands_newer_drill_alone(
    drills: DrillRepository, brand: str
) -> None:
    # Given a drill that ended and a newer one running for the same brand
    old = drills.save(ended(drills.create(drill(brand))))
    newer = drills.create(drill(brand, started_at=minutes(40)))

    # When the ended one is saved again (its incident recorded late)
    drills.save(old.model_copy(update={"incident_id": "INC-20261120-ABC123"}))

    # Then the newer one still holds the brand
    with pytest.raises(Conflict):
        drills.create(drill(brand, started_at=minutes(80)))
    assert newer.drill_id in {d.drill_id for d in drills.running()}
    assert drills.get(old.drill_id).incident_id == "INC-20261120-ABC123"


def test_saving_bumps_the_version_and_a_stale_save_conflicts(drills: DrillRepository, brand: str) -> None:
    created = drills.create(drill(brand))
    recorded = drills.save(created.model_copy(update={"incident_id": "INC-20261120-000001"}))
    assert recorded.version == 2 and drills.get(created.drill_id) == recorded

    with pytest.raises(Conflict):
        drills.save(ended(created))

    assert drills.get(created.drill_id).status is DrillStatus.RUNNING


def test_everything_a_drill_holds_reads_back(drills: DrillRepository, brand: str) -> None:
    created = drills.create(drill(brand, speed=600, scenario="mueller_rueckruf"))
    done = drills.save(
        ended(created.model_copy(update={"incident_id": "INC-20261120-FFFFFF"}), by="Jonas Weber")
    )
    read = drills.get(created.drill_id)
    assert read == done
    assert (read.status, read.ended_by, read.end_reason, read.speed) == (
        DrillStatus.ENDED,
        "Jonas Weber",
        "stopped",
        600,
    )
    assert read.ends_at == created.started_at + timedelta(hours=12)


def test_an_unknown_drill_is_not_found(drills: DrillRepository) -> None:
    with pytest.raises(NotFound):
        drills.get("UEB-20991231-000000")


def test_drills_are_listed_newest_first_across_pages(drills: DrillRepository, brand: str) -> None:
    # Given five drills of five brands, started a minute apart
    written = [drills.create(drill(f"{brand}-{n}", started_at=minutes(n), sortable=True)) for n in range(5)]

    # When every drill is read two at a time
    listed = items(every_page(lambda token: drills.list(limit=2, next_token=token)))

    # Then each comes once, and ours newest first
    ids = [d.drill_id for d in listed]
    assert len(ids) == len(set(ids))
    ours = [d for d in listed if d.drill_id in {w.drill_id for w in written}]
    assert ours == list(reversed(written))


def test_two_starts_for_one_brand_at_once_one_wins(storage: Storage, brand: str) -> None:
    def start(offset: int) -> Drill | str:
        try:
            return storage.drills.create(drill(brand, started_at=minutes(offset)))
        except Conflict:
            return "conflict"

    results = at_once([partial(start, 1), partial(start, 2)])
    winners = [r for r in results if isinstance(r, Drill)]
    assert len(winners) == 1 and results.count("conflict") == 1
    assert [d.drill_id for d in storage.drills.running() if d.brand == brand] == [winners[0].drill_id]


def test_two_saves_of_the_same_version_at_once_one_wins(storage: Storage, brand: str) -> None:
    created = storage.drills.create(drill(brand))

    def record(incident_id: str) -> Drill | str:
        try:
            return storage.drills.save(created.model_copy(update={"incident_id": incident_id}))
        except Conflict:
            return "conflict"

    results = at_once([partial(record, "INC-20261120-00000A"), partial(record, "INC-20261120-00000B")])
    winners = [r for r in results if isinstance(r, Drill)]
    assert len(winners) == 1 and results.count("conflict") == 1
    assert storage.drills.get(created.drill_id) == winners[0]


@pytest.mark.parametrize("forged", [*FORGED_TOKENS, DEEPLY_NESTED_TOKEN])
def test_listing_drills_rejects_a_token_it_did_not_issue(storage: Storage, forged: str) -> None:
    with pytest.raises(InvalidInput):
        storage.drills.list(limit=1, next_token=forged)
