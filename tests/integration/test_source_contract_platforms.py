"""Mastodon, Reddit and YouTube plugged into the shared fault suite (tests/source_contract.py on the
`collectors` branch). Skipped until that suite is merged in; then it runs as it does for X and Bluesky.
Mastodon runs it with a search (a hashtag-only source needs no credentials at all), Reddit may ask
twice on a refusal (a 401 renews the app token once), YouTube takes its key in the query (`key=`)."""

from __future__ import annotations

import pytest

pytest.importorskip("tests.source_contract", reason="the shared fault suite is on the collectors branch")

from pathlib import Path

import httpx

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.mastodon import SEARCH_PATH as MASTODON_SEARCH
from chalicelib.adapters.sources.mastodon import MastodonSource
from chalicelib.adapters.sources.reddit import TOKEN_PATH, RedditSource, RedditToken
from chalicelib.adapters.sources.youtube import COMMENT_THREADS_PATH, YouTubeSource
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import Source
from tests.fakes import StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture
from tests.source_contract import SourceContract

BRAND = load_playbook(Path(__file__).resolve().parents[2] / "playbooks").brands[0]


class TestMastodonContract(SourceContract):
    secret_name = "mastodon"
    credentials = {"access_token": "masto-contract"}
    path = MASTODON_SEARCH

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        config = SourceConfig(
            id="mastodon-mueller",
            type="mastodon",
            brand="mueller",
            options={"instance": fake.base_url, "search": "Spülmeister"},
        )
        return MastodonSource(config, BRAND, httpx.Client(), secrets, sleep=lambda _: None)


class TestRedditContract(SourceContract):
    secret_name = "reddit"
    credentials = {"client_id": "reddit-contract-id", "client_secret": "reddit-contract-secret"}
    path = "/r/de/new"
    max_calls_on_refusal = 2

    def serve_sign_in(self, fake: FakePlatform) -> None:
        RedditToken._tokens.clear()
        fake.route("POST", TOKEN_PATH, Reply(json=load_fixture("reddit", "token")))

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        config = SourceConfig(
            id="reddit-mueller",
            type="reddit",
            brand="mueller",
            options={"base_url": fake.base_url, "auth_url": fake.base_url, "subreddits": "de"},
        )
        return RedditSource(config, BRAND, httpx.Client(), secrets, sleep=lambda _: None)


class TestYouTubeContract(SourceContract):
    secret_name = "youtube"
    credentials = {"api_key": "AIza-contract"}
    path = COMMENT_THREADS_PATH
    credentials_in_query = True

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        config = SourceConfig(
            id="youtube-mueller",
            type="youtube",
            brand="mueller",
            options={"base_url": fake.base_url, "channel_ids": "UCmueller"},
        )
        return YouTubeSource(config, BRAND, httpx.Client(), secrets, sleep=lambda _: None)
