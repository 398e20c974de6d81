"""GET /sources over the real app and DynamoDB (moto server): each configured source with the health
its last collect run left; and platform credentials read from Secrets Manager as the CDK app names them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.domain.errors import RateLimited, SourceMisconfigured
from chalicelib.domain.playbook import SourceConfig
from chalicelib.services.collect import collect
from chalicelib.services.ingest import ingest
from tests.conftest import FakeClock, call
from tests.factories import raw_mention
from tests.fakes import ScriptedSource

pytestmark = pytest.mark.integration


def test_sources_show_their_health_and_mentions_of_the_last_day(
    api: Any, container: Any, keys: dict[str, str], clock: FakeClock
) -> None:
    # Given the playbook's feed stored two mentions, and an hour later hit a rate limit
    now = clock()
    store = lambda raws: ingest(raws, enricher=container.enricher, mentions=container.mentions)  # noqa: E731
    feed = ScriptedSource(
        "google-alerts-mueller", [[raw_mention(at=now), raw_mention(at=now)]], poll_seconds=300
    )
    collect([feed], state=container.state, store=store, now=now)
    limited = ScriptedSource(
        "google-alerts-mueller", [[], RateLimited("google-alerts-mueller: 429", retry_after=600)]
    )
    later = clock.advance(hours=1)
    collect([limited], state=container.state, store=store, now=later)

    # When a viewer looks at the sources
    status, body = call(api, "get", "/sources", keys["viewer"])

    # Then the feed shows its last success, the rate limit, when it runs again and its two mentions
    assert status == 200
    assert {"rss", "replay"} <= set(body["types"])
    feed_view = next(item for item in body["items"] if item["id"] == "google-alerts-mueller")
    assert feed_view["type"] == "rss" and feed_view["mentions_24h"] == 2
    assert feed_view["last_success_at"] == now.isoformat().replace("+00:00", "Z")
    assert feed_view["last_error_kind"] == "rate_limited"
    assert feed_view["next_run_at"] == (later + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    never_run = next(item for item in body["items"] if item["id"] == "demo-storm")
    assert never_run["last_run_at"] is None and never_run["mentions_24h"] == 0


def test_platform_credentials_come_from_secrets_manager_as_the_cdk_app_names_them(container: Any) -> None:
    # Given the X secret as the team fills in the CDK app's placeholder (moto server's Secrets Manager)
    name = f"krisenradar/{container.settings.stage}/sources/x"
    client = boto3.client("secretsmanager", region_name=container.settings.region)
    try:
        client.create_secret(Name=name, SecretString=json.dumps({"bearer_token": "AAAA-from-moto"}))
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=json.dumps({"bearer_token": "AAAA-from-moto"}))
    secrets = SourceSecrets(container.settings.stage)

    # Then a source reads it, and a platform whose secret is absent is misconfigured
    x = SourceConfig(id="x-mueller", type="x", brand="mueller")
    assert secrets.for_source(x, "bearer_token") == {"bearer_token": "AAAA-from-moto"}
    with pytest.raises(SourceMisconfigured):
        secrets.for_source(SourceConfig(id="yt-mueller", type="youtube", brand="mueller"), "api_key")
