"""The explicit registry of source adapters, keyed by their slug.

A factory gets the source's playbook entry, its brand and the shared `SourceDeps` (one HTTP client,
the credentials store). Add a platform: write `adapters/sources/<slug>.py`, add one line below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from chalicelib.adapters.sources.bluesky import BlueskyPublisher, BlueskySource
from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.adapters.sources.facebook import FacebookPublisher, FacebookSource
from chalicelib.adapters.sources.google_reviews import GoogleReviewsPublisher, GoogleReviewsSource
from chalicelib.adapters.sources.instagram import InstagramPublisher, InstagramSource
from chalicelib.adapters.sources.linkedin import LinkedInSource
from chalicelib.adapters.sources.mastodon import MastodonPublisher, MastodonSource
from chalicelib.adapters.sources.reddit import RedditSource
from chalicelib.adapters.sources.replay import ReplaySource
from chalicelib.adapters.sources.rss import RssSource
from chalicelib.adapters.sources.trustpilot import TrustpilotSource
from chalicelib.adapters.sources.x import XPublisher, XSource
from chalicelib.adapters.sources.youtube import YouTubeSource
from chalicelib.domain.drills import Drill
from chalicelib.domain.playbook import Brand, Playbook, SourceConfig
from chalicelib.ports import Publisher, Source


@dataclass(frozen=True)
class SourceDeps:
    """What every adapter may use: the function's one HTTP client and the platform credentials."""

    client: httpx.Client
    secrets: SourceSecrets


SourceFactory = Callable[[SourceConfig, Brand, SourceDeps], Source]

REGISTRY: dict[str, SourceFactory] = {
    RssSource.slug: lambda config, brand, deps: RssSource(config, brand, deps.client),
    ReplaySource.slug: lambda config, brand, deps: ReplaySource(config, brand),
    XSource.slug: lambda config, brand, deps: XSource(config, brand, deps.client, deps.secrets),
    BlueskySource.slug: lambda config, brand, deps: BlueskySource(config, brand, deps.client, deps.secrets),
    FacebookSource.slug: lambda config, brand, deps: FacebookSource(config, brand, deps.client, deps.secrets),
    InstagramSource.slug: lambda config, brand, deps: InstagramSource(
        config, brand, deps.client, deps.secrets
    ),
    GoogleReviewsSource.slug: lambda config, brand, deps: GoogleReviewsSource(
        config, brand, deps.client, deps.secrets
    ),
    TrustpilotSource.slug: lambda config, brand, deps: TrustpilotSource(
        config, brand, deps.client, deps.secrets
    ),
    LinkedInSource.slug: lambda config, brand, deps: LinkedInSource(config, brand, deps.client, deps.secrets),
    MastodonSource.slug: lambda config, brand, deps: MastodonSource(config, brand, deps.client, deps.secrets),
    RedditSource.slug: lambda config, brand, deps: RedditSource(config, brand, deps.client, deps.secrets),
    YouTubeSource.slug: lambda config, brand, deps: YouTubeSource(config, brand, deps.client, deps.secrets),
}


PublisherFactory = Callable[[SourceConfig, SourceDeps], Publisher]

# Where the response desk may post an approved reply itself, as the account a brand's source reads with.
PUBLISHERS: dict[str, PublisherFactory] = {
    XPublisher.platform: lambda config, deps: XPublisher(config, deps.client, deps.secrets),
    MastodonPublisher.platform: lambda config, deps: MastodonPublisher(config, deps.client, deps.secrets),
    BlueskyPublisher.platform: lambda config, deps: BlueskyPublisher(config, deps.client, deps.secrets),
    FacebookPublisher.platform: lambda config, deps: FacebookPublisher(config, deps.client, deps.secrets),
    InstagramPublisher.platform: lambda config, deps: InstagramPublisher(config, deps.client, deps.secrets),
    GoogleReviewsPublisher.platform: lambda config, deps: GoogleReviewsPublisher(
        config, deps.client, deps.secrets
    ),
}


def build_publisher(playbook: Playbook, brand: str, platform: str, *, deps: SourceDeps) -> Publisher | None:
    """The publisher for `platform` as `brand`'s account: the first enabled source of that platform for
    that brand names the account (its credentials); None when there is none or the platform takes no
    replies from us."""
    factory = PUBLISHERS.get(platform)
    config = next(
        (c for c in playbook.sources if c.enabled and c.type == platform and c.brand == brand), None
    )
    return None if factory is None or config is None else factory(config, deps)


def build_sources(playbook: Playbook, *, demo: bool, deps: SourceDeps) -> list[Source]:
    sources: list[Source] = []
    for config in playbook.sources:
        if not config.enabled or (config.type == ReplaySource.slug and not demo):
            continue
        factory = REGISTRY.get(config.type)
        if factory is None:
            raise ValueError(f"source {config.id}: unknown type {config.type!r}; known: {sorted(REGISTRY)}")
        brand = playbook.brand(config.brand)
        assert brand is not None  # the playbook schema checks the reference
        sources.append(factory(config, brand, deps))
    return sources


DRILL_POLL_SECONDS = 30


def build_drill_sources(drills: Sequence[Drill], playbook: Playbook) -> list[Source]:
    """A replay source per live drill: its scenario at its speed on its shadow brand, from its start
    (the calm baseline backfilled first, so that the detector has history)."""
    sources: list[Source] = []
    for drill in drills:
        brand = playbook.drill_brand(drill.brand_key)
        if brand is None:  # its brand left the playbook; the rules job reports it
            continue
        config = SourceConfig(
            id=drill.source_id,
            type=ReplaySource.slug,
            brand=brand.id,
            options={"scenario": drill.scenario, "speed": drill.speed, "poll_seconds": DRILL_POLL_SECONDS},
        )
        sources.append(
            ReplaySource(config, brand, started_at=drill.started_at, id_prefix=drill.drill_id.lower())
        )
    return sources
