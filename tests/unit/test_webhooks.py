"""Standard Webhooks signatures (the specification's test vector), verification (tolerance, several
signatures, tampering) and the rules for receiver URLs and event types."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import webhooks
from chalicelib.domain.errors import Unauthorized, Unprocessable

# The test vector of the Standard Webhooks specification and its reference libraries (svix).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_PAYLOAD = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
SPEC_NOW = datetime.fromtimestamp(SPEC_TIMESTAMP, UTC)


def signed(secret: str = SPEC_SECRET, **overrides: str) -> dict[str, str]:
    return {**webhooks.headers(secret, SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD), **overrides}


def test_signing_reproduces_the_specifications_test_vector() -> None:
    assert webhooks.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD) == SPEC_SIGNATURE


def test_the_sender_headers_verify_and_name_the_message() -> None:
    # Given the headers a sender adds
    sent = webhooks.headers(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)
    # Then they are the three of the specification, and a receiver accepts them (header case ignored)
    assert sent == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }
    upper = {name.title(): value for name, value in sent.items()}
    assert webhooks.verify(SPEC_SECRET, upper, SPEC_PAYLOAD, SPEC_NOW) == SPEC_ID


def test_a_new_secret_is_whsec_with_24_random_bytes() -> None:
    first, second = webhooks.new_secret(), webhooks.new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 24
    assert first != second


@pytest.mark.parametrize("skew", [-300, 0, 300])
def test_a_timestamp_within_five_minutes_is_accepted(skew: int) -> None:
    webhooks.verify(SPEC_SECRET, signed(), SPEC_PAYLOAD, SPEC_NOW + timedelta(seconds=skew))


@pytest.mark.parametrize(("skew", "reason"), [(301, "too old"), (-301, "future")])
def test_a_timestamp_more_than_five_minutes_off_is_refused(skew: int, reason: str) -> None:
    with pytest.raises(Unauthorized, match=reason):
        webhooks.verify(SPEC_SECRET, signed(), SPEC_PAYLOAD, SPEC_NOW + timedelta(seconds=skew))


def test_one_matching_signature_among_several_is_enough() -> None:
    # Given a rotated secret: the old one's signature first, then the new one's, space-separated
    old = webhooks.sign(webhooks.new_secret(), SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)
    both = signed(**{"webhook-signature": f"{old} v2,nonsense {SPEC_SIGNATURE}"})
    # Then a receiver with the new secret accepts it, and one with a third secret does not
    assert webhooks.verify(SPEC_SECRET, both, SPEC_PAYLOAD, SPEC_NOW) == SPEC_ID
    with pytest.raises(Unauthorized, match="no signature matches"):
        webhooks.verify(webhooks.new_secret(), both, SPEC_PAYLOAD, SPEC_NOW)


@pytest.mark.parametrize(
    ("payload", "overrides"),
    [
        (SPEC_PAYLOAD + b" ", {}),  # the body changed
        (SPEC_PAYLOAD, {"webhook-id": "msg_other"}),  # another message id
        (SPEC_PAYLOAD, {"webhook-timestamp": str(SPEC_TIMESTAMP + 1)}),  # the time changed
        (SPEC_PAYLOAD, {"webhook-signature": SPEC_SIGNATURE.replace("v1,", "v1a,")}),  # unknown version
        (SPEC_PAYLOAD, {"webhook-signature": "v1,not-base64!"}),
    ],
)
def test_a_tampered_message_is_refused(payload: bytes, overrides: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        webhooks.verify(SPEC_SECRET, signed(**overrides), payload, SPEC_NOW)


def test_missing_headers_and_a_bad_timestamp_are_refused_with_the_header_named() -> None:
    incomplete = {"webhook-id": SPEC_ID, "webhook-signature": SPEC_SIGNATURE}
    with pytest.raises(Unauthorized) as missing:
        webhooks.verify(SPEC_SECRET, incomplete, SPEC_PAYLOAD, SPEC_NOW)
    assert missing.value.details == [{"header": "webhook-timestamp", "message": "missing"}]
    with pytest.raises(Unauthorized, match="Unix time"):
        webhooks.verify(SPEC_SECRET, signed(**{"webhook-timestamp": "yesterday"}), SPEC_PAYLOAD, SPEC_NOW)


def test_a_secret_not_in_whsec_form_signs_with_its_raw_bytes() -> None:
    # Given an ingest secret kept as plain bytes
    raw = b"ingest-secret"
    sent = webhooks.headers(raw, SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)
    # Then it verifies with the same bytes, and equals a whsec_ secret of those bytes
    webhooks.verify(raw, sent, SPEC_PAYLOAD, SPEC_NOW)
    as_whsec = "whsec_" + base64.b64encode(raw).decode()
    assert sent["webhook-signature"] == webhooks.sign(as_whsec, SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.de/hooks/krisenradar",
        "https://hooks.example.com:8443/k?team=pr",
    ],
)
@pytest.mark.parametrize("stage", ["local", "test", "dev", "prod"])
def test_https_urls_are_accepted_on_every_stage(url: str, stage: str) -> None:
    assert webhooks.check_url(url, stage=stage) == url


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9000/hook", "http://localhost:8080/", "http://[::1]:9000/x", "https://localhost/"],
)
def test_loopback_receivers_are_accepted_on_the_local_and_test_stacks_only(url: str) -> None:
    assert webhooks.check_url(url, stage="local") == url
    assert webhooks.check_url(url, stage="test") == url
    with pytest.raises(Unprocessable):
        webhooks.check_url(url, stage="prod")


@pytest.mark.parametrize(
    ("url", "stage", "message"),
    [
        ("http://crm.example.de/hook", "local", "scheme must be https, or http on"),
        ("http://crm.example.de/hook", "prod", "scheme must be https"),
        ("http://127.0.0.1:9000/hook", "dev", "https URLs only"),
        ("https://10.0.0.7/hook", "prod", "private addresses"),
        ("https://169.254.169.254/latest/meta-data", "prod", "private addresses"),
        ("https://user:pw@crm.example.de/hook", "local", "credentials"),
        ("ftp://crm.example.de/hook", "local", "scheme"),
        ("crm.example.de/hook", "local", "absolute URL"),
        ("https://crm.example.de:port/", "local", "not a valid URL"),
        ("https://crm.example.de/" + "a" * 2030, "local", "at most 2048"),
    ],
)
def test_other_urls_are_refused_with_the_field_named(url: str, stage: str, message: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        webhooks.check_url(url, stage=stage)
    assert refused.value.status == 422
    assert refused.value.details[0]["field"] == "body.url"
    assert message in refused.value.details[0]["message"]


def test_events_must_be_known_and_at_least_one() -> None:
    assert webhooks.check_events(["incident.resolved", "incident.opened", "incident.opened"]) == (
        "incident.opened",
        "incident.resolved",
    )
    with pytest.raises(Unprocessable) as unknown:
        webhooks.check_events(["incident.opened", "incident.deleted"])
    assert [d["field"] for d in unknown.value.details] == ["body.events.1"]
    with pytest.raises(Unprocessable) as empty:
        webhooks.check_events([])
    assert [d["field"] for d in empty.value.details] == ["body.events"]
