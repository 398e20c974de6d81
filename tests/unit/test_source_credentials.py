"""Platform credentials: one secret per platform under krisenradar/<stage>/sources/, or the one a
source names; a missing, malformed or incomplete secret is that source's configuration error."""

from __future__ import annotations

import pytest

from chalicelib.adapters.sources.credentials import SourceSecrets, source_secret_name
from chalicelib.domain.errors import SourceMisconfigured
from chalicelib.domain.playbook import SourceConfig

X = SourceConfig(id="x-mueller", type="x", brand="mueller")
SECOND_PAGE = SourceConfig(
    id="fb-service", type="facebook", brand="mueller", options={"secret": "facebook-service"}
)


def secrets(store: dict[str, object]) -> tuple[SourceSecrets, list[str]]:
    asked: list[str] = []

    def fetch(secret_id: str) -> object:
        asked.append(secret_id)
        if secret_id not in store:
            raise LookupError("ResourceNotFoundException")
        return store[secret_id]

    return SourceSecrets("prod", fetch), asked


def test_a_source_reads_its_platforms_secret_as_a_json_object() -> None:
    store, asked = secrets({"krisenradar/prod/sources/x": '{"bearer_token": "AAAA"}'})
    assert store.for_source(X, "bearer_token") == {"bearer_token": "AAAA"}
    assert asked == ["krisenradar/prod/sources/x"]


def test_a_second_account_names_its_own_secret_under_the_same_prefix() -> None:
    store, asked = secrets({"krisenradar/prod/sources/facebook-service": {"page_token": "EAAB"}})
    assert store.for_source(SECOND_PAGE, "page_token")["page_token"] == "EAAB"
    assert asked == ["krisenradar/prod/sources/facebook-service"]


@pytest.mark.parametrize(
    "stored",
    [{}, {"krisenradar/prod/sources/x": "not json"}, {"krisenradar/prod/sources/x": '{"other": "1"}'}],
)
def test_missing_malformed_or_incomplete_credentials_are_a_configuration_error(stored: dict) -> None:
    store, _ = secrets(stored)
    with pytest.raises(SourceMisconfigured) as caught:
        store.for_source(X, "bearer_token")
    assert caught.value.details[0]["secret"] == "krisenradar/prod/sources/x"
    assert "not json" not in repr(caught.value.details)


def test_secret_names_stay_under_the_prefix() -> None:
    with pytest.raises(ValueError):
        source_secret_name("prod", "../integrations/hubspot")
