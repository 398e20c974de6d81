"""Two reports against the old moto-backed store, replayed on the local stack as pushing sources use it:
concurrent writers lost mentions and counted some twice, and a crash lost answered writes. Now every
mention answered 202 is stored exactly once and counted exactly once, whatever runs alongside and
however abruptly (kill -9) the stack ends; so is an acknowledgement answered 200."""

from __future__ import annotations

import http.client
import json
import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.local.emulator import free_port
from chalicelib.services.push import SIGNATURE_HEADER, sign
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

SEED = 20261120
BATCH_SIZE = 5
CLIENTS = 4
BATCHES_PER_CLIENT = 30
INCIDENT_DEADLINE_S = 30
CALM = "Der Spülmeister 3000 spült leise und gründlich ({}), sehr zufrieden."
RISKY = (
    "Mein Spülmeister 3000 hat heute Rauch gemacht, fast ein Brand in der Küche! #Rückruf",
    "Rauch aus dem Spülmeister, Brandgefahr! Müller muss das zurückrufen #Rückruf",
    "Spülmeister 3000: Brand im Gerät, Feuerwehr war da. Gefährlich! #Rückruf",
)


def mention(native_id: str, published_at: datetime, text: str, followers: int = 0) -> dict[str, Any]:
    return {
        "platform": "e2e",
        "native_id": native_id,
        "brand": "mueller",
        "text": text.format(native_id),
        "published_at": published_at.isoformat(),
        "author": {"handle": f"@kunde_{native_id}", "followers": followers},
    }


class Ingestor:
    """A pushing source: signs each batch with the stack's ingest secret and records every answer.

    A request whose connection broke has no answer: it may or may not have been stored. After a kill
    that is expected and never held against the stack; before it, it is a failure."""

    def __init__(self, stack: Stack, api_key: str) -> None:
        self._stack = stack
        self._secret = (stack.state_dir / "ingest-secret").read_text().strip().encode()
        self._api_key = api_key
        self._lock = threading.Lock()
        self.answers: list[tuple[int, Any, list[str]]] = []
        self.broken_at: list[float] = []

    def push(self, mentions: list[dict[str, Any]]) -> int | None:
        body = json.dumps({"mentions": mentions}).encode()
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            SIGNATURE_HEADER: sign(body, self._secret, datetime.now(UTC)),
        }
        try:
            status, answer = self._stack.post("/ingest", body, headers, timeout=30)
        except (OSError, http.client.HTTPException):
            with self._lock:
                self.broken_at.append(time.monotonic())
            return None
        with self._lock:
            self.answers.append((status, answer, [m["native_id"] for m in mentions]))
        return status

    @property
    def unknown(self) -> int:
        return len(self.broken_at)

    def answered(self) -> int:
        return sum(status == 202 for status, _, _ in self.answers)

    def wait_for_answers(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.answered() < count:
            assert time.monotonic() < deadline, f"only {self.answered()} pushes answered within {timeout} s"
            time.sleep(0.05)

    def accepted_ids(self) -> set[str]:
        return {native_id for status, _, ids in self.answers if status == 202 for native_id in ids}

    def failures(self) -> list[tuple[int, Any]]:
        return [(status, answer) for status, answer, _ in self.answers if status != 202]


@contextmanager
def pushing_continuously(ingestor: Ingestor, phase: str, clients: int, seed: int) -> Iterator[None]:
    """Clients push batches back to back until the block ends; each batch shares one id with the same
    batch of every other client, so duplicates race each other."""
    stop = threading.Event()
    now = datetime.now(UTC)

    def client(number: int) -> None:
        rng = random.Random(seed + number)
        batch = 0
        while not stop.is_set():
            own = [f"{phase}-c{number}-b{batch}-m{i}" for i in range(BATCH_SIZE - 1)]
            ids = [*own, f"{phase}-shared-b{batch}"]
            published = [now - timedelta(seconds=rng.uniform(5, 3600)) for _ in ids]
            if ingestor.push([mention(i, p, CALM) for i, p in zip(ids, published, strict=True)]) is None:
                return  # the stack is gone: this source stops pushing
            batch += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


@contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    """A stack that is never left behind: killed if the test ends while it still runs."""
    try:
        stack.wait_healthy()
        yield stack
    finally:
        if stack.process.poll() is None:
            stack.kill()


def read_only(state_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{state_dir / 'krisenradar.db'}?mode=ro", uri=True)


def stored_and_counted(state_dir: Path) -> tuple[int, int]:
    """How many mentions of the brand the database holds, and how many its bucket counters count."""
    with closing(read_only(state_dir)) as db:
        stored = db.execute("SELECT COUNT(*) FROM mentions WHERE brand = 'mueller'").fetchone()[0]
        counted = db.execute(
            "SELECT COALESCE(SUM(total), 0) FROM buckets WHERE topic = '' AND brand = 'mueller'"
        ).fetchone()[0]
    return stored, counted


def listed_ids(stack: Stack) -> Counter[str]:
    return Counter(m["native_id"] for m in stack.all_mentions())


def create_responder(stack: Stack, name: str) -> str:
    status, created = stack.post("/api-keys", json.dumps({"name": name, "role": "responder"}).encode(), {})
    assert status == 201, created
    return str(created["api_key"])


def wait_for_incident(stack: Stack) -> dict[str, Any]:
    deadline = time.monotonic() + INCIDENT_DEADLINE_S
    while time.monotonic() < deadline:
        incidents = stack.get("/incidents")["items"]
        if incidents:
            return dict(incidents[0])
        time.sleep(0.5)
    raise AssertionError("no incident opened after the restart:\n" + stack.output())


def assert_every_answered_mention_once(stack: Stack, accepted: set[str]) -> Counter[str]:
    listed = listed_ids(stack)
    missing = accepted - set(listed)
    assert not missing, f"{len(missing)} answered mentions lost, e.g. {sorted(missing)[:5]}"
    twice = {native_id: n for native_id, n in listed.items() if n != 1}
    assert not twice, f"mentions listed more than once: {sorted(twice.items())[:5]}"
    stored, counted = stored_and_counted(stack.state_dir)
    assert stored == len(listed)
    assert counted == stored, f"bucket counters count {counted} mentions, the store holds {stored}"
    return listed


def test_concurrent_writers_store_and_count_every_mention_exactly_once(tmp_path: Path) -> None:
    # Given the local stack without the demo and 4 clients, whose batches share ids with each other
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    batches = {
        client: [
            [
                *(f"c{client}-b{batch}-m{i}" for i in range(BATCH_SIZE - 1)),
                f"shared-b{batch}-{rng.randrange(2)}",
            ]
            for batch in range(BATCHES_PER_CLIENT)
        ]
        for client in range(CLIENTS)
    }
    published = {
        native_id: now - timedelta(seconds=rng.uniform(5, 3600))
        for client_batches in batches.values()
        for batch in client_batches
        for native_id in batch
    }
    sent = [
        native_id for client_batches in batches.values() for batch in client_batches for native_id in batch
    ]
    distinct = set(sent)
    assert len(sent) - len(distinct) >= CLIENTS * BATCHES_PER_CLIENT // 2  # the test races duplicates

    with running(Stack(tmp_path, free_port(), demo=False)) as stack:
        ingestor = Ingestor(stack, create_responder(stack, "e2e source"))
        start = threading.Barrier(CLIENTS)

        def client(number: int) -> None:
            start.wait()
            for batch in batches[number]:
                ingestor.push([mention(i, published[i], CALM) for i in batch])

        # When they all push at once
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        # Then every request is answered 202, and the answers add up to each mention stored once
        assert ingestor.unknown == 0
        assert ingestor.failures() == [], stack.output()
        assert len(ingestor.answers) == CLIENTS * BATCHES_PER_CLIENT
        totals = Counter[str]()
        for _, answer, _ in ingestor.answers:
            totals.update(answer)
        assert totals["accepted"] == len(sent)
        assert totals["skipped"] == 0
        assert totals["stored"] == len(distinct)
        assert totals["duplicates"] == len(sent) - len(distinct)

        # And the API lists each exactly once, and the bucket counters count each exactly once
        listed = assert_every_answered_mention_once(stack, ingestor.accepted_ids())
        assert set(listed) == distinct
        assert stack.stop() == 0, stack.output()
    print(f"{len(ingestor.answers)} requests answered 202, {len(sent)} mentions sent, {len(distinct)} stored")


def crash(stack: Stack, ingestor: Ingestor) -> None:
    """kill -9 the stack; up to then every push was answered (a broken connection before is a failure)."""
    killed_at = time.monotonic()
    stack.kill()
    assert all(broken >= killed_at for broken in ingestor.broken_at), stack.output()


def test_a_crash_at_any_moment_loses_nothing_that_was_answered(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    now = datetime.now(UTC)

    # Given a stack that was answering pushes (a storm of risky mentions among them) when it was killed
    with running(Stack(tmp_path, free_port(), demo=False)) as first:
        key = create_responder(first, "e2e responder")
        ingestor = Ingestor(first, key)
        storm = [
            mention(f"storm-{n}", now - timedelta(seconds=n), RISKY[n % len(RISKY)], followers=80_000)
            for n in range(12)
        ]
        assert ingestor.push(storm) == 202, first.output()
        kill_after = rng.uniform(1, 3)
        with pushing_continuously(ingestor, "before-restart", clients=3, seed=SEED):
            time.sleep(kill_after)
            crash(first, ingestor)
    assert ingestor.failures() == [], first.output()
    assert ingestor.answered() > 10  # the kill fell into a stream of answered writes

    # Then the database, as the crash left it, holds every answered mention, counted exactly once
    accepted = ingestor.accepted_ids()
    with closing(read_only(tmp_path)) as db:
        on_disk = {row[0] for row in db.execute("SELECT mention_id FROM mentions")}
    assert {f"e2e#{native_id}" for native_id in accepted} <= on_disk
    stored, counted = stored_and_counted(tmp_path)
    assert counted == stored

    # When it restarts on the same state dir
    with running(Stack(tmp_path, free_port(), demo=False)) as second:
        # Then every answered mention is listed exactly once
        after_first_restart = len(assert_every_answered_mention_once(second, accepted))

        # Given the incident the storm opened (the rules run as the stack starts), while pushes go on
        incident = wait_for_incident(second)
        assert incident["status"] == "open"
        pushing = Ingestor(second, key)
        with pushing_continuously(pushing, "around-the-ack", clients=2, seed=SEED + 100):
            pushing.wait_for_answers(5)
            time.sleep(rng.uniform(0.2, 1.0))
            # When a responder acknowledges it and the stack is killed right after the answer
            status, acknowledged = second.post(
                f"/incidents/{incident['incident_id']}/acknowledge",
                json.dumps({"note": "Wir prüfen die Geräte"}).encode(),
                {"Authorization": f"Bearer {key}"},
            )
            crash(second, pushing)
        assert status == 200, acknowledged
        assert acknowledged["status"] == "acknowledged"
        assert acknowledged["acknowledged_by"] == "e2e responder"
    assert pushing.failures() == [], second.output()

    # Then after another restart the acknowledgement and every answered mention are still there
    with running(Stack(tmp_path, free_port(), demo=False)) as third:
        after = third.get(f"/incidents/{incident['incident_id']}")
        assert after["status"] == "acknowledged"
        assert after["acknowledged_by"] == "e2e responder"
        assert after["acknowledged_at"] == acknowledged["acknowledged_at"]
        assert [i["incident_id"] for i in third.get("/incidents")["items"]] == [incident["incident_id"]]
        after_second_restart = len(
            assert_every_answered_mention_once(third, accepted | pushing.accepted_ids())
        )
        assert third.stop() == 0, third.output()
    print(
        f"killed after {kill_after:.2f} s: {ingestor.answered()} pushes answered 202 ({len(accepted)} mentions),"
        f" {ingestor.unknown} without an answer, {after_first_restart} mentions found after the restart;"
        f" killed after the acknowledgement: {pushing.answered()} more pushes answered 202"
        f" ({len(pushing.accepted_ids())} mentions), {pushing.unknown} without an answer,"
        f" {after_second_restart} mentions found after the second restart; lost: 0"
    )
