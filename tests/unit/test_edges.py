"""Small pure pieces at the edges: page tokens, signatures, risk terms, the demo scenario."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.adapters.paging import decode_token, encode_token
from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sns import ascii_subject
from chalicelib.adapters.sources.replay import ReplaySource, load_scenario
from chalicelib.analysis.risk_terms import RiskMatcher, hashtags, topics_for
from chalicelib.domain.errors import InvalidInput, Unauthorized
from chalicelib.services.push import SIGNATURE_HEADER, ingest_keys, sign, verify_push, verify_signature

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")


def test_page_tokens_round_trip_and_reject_tampering() -> None:
    key = {"pk": {"S": "INC-1"}, "opened_key": {"S": "2026#INC-1"}, "status": {"S": "open"}}
    token = encode_token(key)
    assert token is not None
    assert decode_token(token, set(key)) == key
    with pytest.raises(InvalidInput):
        decode_token(token, {"pk", "opened_key", "brand"})
    with pytest.raises(InvalidInput):
        decode_token("!!!", set(key))
    with pytest.raises(InvalidInput):
        decode_token(encode_token({"pk": {"S": 5}, "opened_key": {"S": "x"}, "status": {"S": "o"}}), set(key))


SIGNED_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_signature_must_match_the_exact_body() -> None:
    secret = b"s3cret"
    body = b'{"mentions": []}'
    verify_signature(body, sign(body, secret, SIGNED_AT), [secret], SIGNED_AT)
    with pytest.raises(Unauthorized):
        verify_signature(body + b" ", sign(body, secret, SIGNED_AT), [secret], SIGNED_AT)
    with pytest.raises(Unauthorized):
        verify_signature(body, None, [secret], SIGNED_AT)
    with pytest.raises(Unauthorized):
        verify_signature(body, sign(body, b"other", SIGNED_AT), [secret], SIGNED_AT)


def test_a_captured_request_is_refused_after_five_minutes_and_an_undated_one_always() -> None:
    secret, body = b"s3cret", b'{"mentions": []}'
    header = sign(body, secret, SIGNED_AT)
    verify_signature(body, header, [secret], SIGNED_AT + timedelta(minutes=4, seconds=59))
    with pytest.raises(Unauthorized, match="too old"):
        verify_signature(body, header, [secret], SIGNED_AT + timedelta(minutes=5, seconds=1))
    with pytest.raises(Unauthorized, match="future"):
        verify_signature(body, header, [secret], SIGNED_AT - timedelta(minutes=6))
    undated = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()  # the old format
    with pytest.raises(Unauthorized, match="undated"):
        verify_signature(body, undated, [secret], SIGNED_AT)


@pytest.mark.parametrize(
    "header",
    ["t=1,v1=ä" * 2, "t=ä,v1=00", "v1=00", "t=1764417600", "", "t=1764417600,v1=" + "0" * 64 + ",v1=1" * 6],
)
def test_a_malformed_or_non_ascii_signature_header_is_401_never_an_error(header: str) -> None:
    with pytest.raises(Unauthorized):
        verify_signature(b"{}", header or None, [b"s3cret"], SIGNED_AT)


def test_during_a_rotation_both_secrets_sign_until_the_previous_one_ends() -> None:
    rotation = json.dumps(
        {"current": "new-key", "previous": "old-key", "previous_until": "2026-11-30T12:00:00Z"}
    ).encode()
    body = b'{"mentions": []}'
    for key in (b"new-key", b"old-key"):
        verify_push(body, {SIGNATURE_HEADER: sign(body, key, SIGNED_AT)}, rotation, SIGNED_AT)
    after = SIGNED_AT + timedelta(days=1, seconds=1)
    verify_push(body, {SIGNATURE_HEADER: sign(body, b"new-key", after)}, rotation, after)
    with pytest.raises(Unauthorized):
        verify_push(body, {SIGNATURE_HEADER: sign(body, b"old-key", after)}, rotation, after)
    # A plain secret is one key; a JSON text that is no rotation document is a key as it is
    assert ingest_keys(b"plain", SIGNED_AT) == [b"plain"]
    assert ingest_keys(b'{"x": 1}', SIGNED_AT) == [b'{"x": 1}']


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Rückrufaktion für den Spülmeister läuft", "de", {"rückruf"}),
        ("Geschirrspüler wurde zurückgerufen", "de", {"rückruf"}),
        ("Produktrückruf jetzt! #Rueckruf", "de", {"rückruf"}),
        ("Das Gerät ist KAPUTT und qualmt", "de", {"kaputt", "rauch"}),
        ("Great brand, love it", "en", set()),
        ("Der Brand in der Küche", "de", {"brand"}),
        ("my dishwasher caught fire, recall now", "en", {"fire", "recall"}),
        ("Alles super, danke", "de", set()),
    ],
)
def test_risk_terms_match_inflections_compounds_and_respect_language(
    text: str, lang: str, expected: set
) -> None:
    hits = RiskMatcher(PLAYBOOK.risk_terms).find(text, lang)
    assert {h.term for h in hits} == expected


def test_topics_are_hashtags_and_risk_categories() -> None:
    hits = RiskMatcher(PLAYBOOK.risk_terms).find("#Rückruf! Brandgefahr beim #Spülmeister", "de")
    assert hashtags("#Rückruf und #rückruf") == ["#rueckruf"]
    assert topics_for("#Rückruf! Brandgefahr beim #Spülmeister", hits) == (
        "#rueckruf",
        "#spuelmeister",
        "sicherheit",
    )


def test_sns_subject_is_ascii_and_short() -> None:
    subject = ascii_subject(
        "[Krisenradar] SEV1 Schweregrad erhöht: Müller Haushaltsgeräte GmbH – #rueckruf " * 3
    )
    assert subject.isascii()
    assert len(subject) < 100
    assert "Mueller Haushaltsgeraete" in subject


def test_replay_backfills_a_calm_baseline_then_plays_the_storm_in_accelerated_time() -> None:
    config = next(s for s in PLAYBOOK.sources if s.type == "replay")
    source = ReplaySource(config, PLAYBOOK.brands[0])
    start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    baseline, cursor = [], None
    while True:
        page = source.fetch(cursor, start)
        cursor = page.cursor
        baseline += page.mentions
        if page.exhausted:
            break
    assert 200 < len(baseline) < 1000
    assert all(m.published_at < start for m in baseline)
    assert len({m.native_id for m in baseline}) == len(baseline)
    scenario = load_scenario("mueller_rueckruf")
    later = source.fetch(cursor, start + timedelta(seconds=60))
    speed = float(config.options["speed"])
    expected = [p for p in scenario.storm if p.story_minute / speed <= 1.0]
    assert len(later.mentions) == len(expected) > 5
    replay_again = source.fetch(later.cursor, start + timedelta(seconds=60))
    assert replay_again.mentions == []


def test_json_nesting_is_bounded_before_parsing_and_brackets_in_strings_do_not_count() -> None:
    import contextlib
    import json

    from chalicelib.api.http import MAX_JSON_DEPTH, _check_depth

    # Given bodies at the bound, one level past it, and deep-looking text inside strings
    at_bound = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    _check_depth(at_bound)
    _check_depth(json.dumps({"text": "[[[[{{{{" * 1000, "quote": 'a \\" [[[ "'}))
    with pytest.raises(InvalidInput) as raised:
        _check_depth("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert raised.value.details[0]["limit"] == MAX_JSON_DEPTH
    # And the largest body the API takes (256 KB) is refused or passed without recursing, however nested
    # (its speed is not timed here: the machine is noisy; a recursive scan would raise RecursionError)
    for body in ("[" * 262_144, '"' + "\\\\" * 131_071 + '"', json.dumps(list(range(40_000)))):
        with contextlib.suppress(InvalidInput):
            _check_depth(body)


def test_a_signature_with_non_ascii_characters_is_refused_not_a_crash() -> None:
    secret = b"s3cret"
    body = b'{"mentions": []}'
    for header in ("sha256=ü" + "0" * 63, "ß", sign(body, secret, SIGNED_AT) + "é"):
        with pytest.raises(Unauthorized):
            verify_signature(body, header, [secret], SIGNED_AT)


def test_every_item_reads_page_after_page_and_no_page_more_than_the_caller_takes() -> None:
    from chalicelib.domain.models import Page, every_item

    pages = {None: Page[int](items=[1, 2], next_token="b"), "b": Page[int](items=[], next_token="c"),
             "c": Page[int](items=[3], next_token=None)}  # fmt: skip
    asked: list[str | None] = []

    def fetch(token: str | None) -> Page[int]:
        asked.append(token)
        return pages[token]

    assert list(every_item(fetch)) == [1, 2, 3]  # an empty page in between does not end the listing
    asked.clear()
    first = next(iter(every_item(fetch)))
    assert (first, asked) == (1, [None])
