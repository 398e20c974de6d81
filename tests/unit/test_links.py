"""Signed alert links: short enough for an SMS, bound to one person and one incident, short-lived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.links import link_url, sign_link, verify_link

SECRET = b"s3cret-for-tests"
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
TEAM = ["anna-schmidt", "jonas-weber", "petra-krause"]


def _token(incident: str = "INC-20261129-BBA883", user: str = "jonas-weber", minutes: int = 60) -> str:
    return sign_link(SECRET, incident_id=incident, user_id=user, expires_at=NOW + timedelta(minutes=minutes))


def test_a_link_names_its_person_and_fits_an_sms() -> None:
    token = _token()
    claims = verify_link(SECRET, token, incident_id="INC-20261129-BBA883", user_ids=TEAM, now=NOW)
    assert claims.user_id == "jonas-weber" and claims.expires_at == NOW + timedelta(minutes=60)
    assert len(token) == 27
    url = link_url("https://krisenradar.example.de", "INC-20261129-BBA883", token)
    assert url == f"https://krisenradar.example.de/#/i/INC-20261129-BBA883/{token}" and len(url) <= 85


@pytest.mark.parametrize(
    ("token", "incident", "now", "reason"),
    [
        (_token(minutes=60), "INC-20261129-BBA883", NOW + timedelta(minutes=61), "expired"),
        (_token(), "INC-20261129-000000", NOW, "not for this incident or altered"),
        (_token()[:-2] + "AA", "INC-20261129-BBA883", NOW, "not for this incident or altered"),
        (_token(user="someone-gone"), "INC-20261129-BBA883", NOW, "not for this incident or altered"),
        ("not a token", "INC-20261129-BBA883", NOW, "malformed"),
        ("", "INC-20261129-BBA883", NOW, "malformed"),
    ],
    ids=["expired", "other-incident", "tampered", "unknown-person", "garbage", "empty"],
)
def test_expired_foreign_or_tampered_links_are_refused(
    token: str, incident: str, now: datetime, reason: str
) -> None:
    with pytest.raises(Unauthorized) as refused:
        verify_link(SECRET, token, incident_id=incident, user_ids=TEAM, now=now)
    assert refused.value.details == [{"link": reason}]


def test_a_link_signed_with_another_secret_is_refused() -> None:
    forged = sign_link(b"guess", incident_id="INC-20261129-BBA883", user_id="anna-schmidt", expires_at=NOW)
    with pytest.raises(Unauthorized):
        verify_link(
            SECRET, forged, incident_id="INC-20261129-BBA883", user_ids=TEAM, now=NOW - timedelta(minutes=1)
        )
