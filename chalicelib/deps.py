"""Builds the concrete adapters once per cold start (cached). Tests reset or override it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

# Importing this module (every route does) loads no settings, adapters, services or pydantic models:
# each is imported where it is first built, so a cold start pays only for what its invocation uses.
if TYPE_CHECKING:
    from chalicelib.config import Settings
    from chalicelib.domain.crisis import CrisisLibrary
    from chalicelib.domain.drills import Drill
    from chalicelib.domain.playbook import Playbook
    from chalicelib.ports import (
        ApiKeyRepository,
        AuditRepository,
        BucketRepository,
        Crm,
        DraftRepository,
        DrillRepository,
        IncidentRepository,
        MentionRepository,
        Notifier,
        OutboxRepository,
        Publisher,
        SecretProvider,
        Source,
        StateRepository,
        Storage,
        SubscriptionSync,
        TextAnalyzer,
        TokenVerifier,
        UserRepository,
        WebhookRepository,
        WorkQueue,
    )
    from chalicelib.services.alerts import Alerting
    from chalicelib.services.evaluate import Ports
    from chalicelib.services.ingest import Enricher
    from chalicelib.services.integrations import Integrations


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    clock: Callable[[], datetime] = field(default=_now)

    @cached_property
    def playbook(self) -> Playbook:
        from chalicelib.adapters.playbooks import load_playbook

        return load_playbook(self.settings.playbooks_dir)

    @cached_property
    def crisis_playbooks(self) -> CrisisLibrary:
        """The crisis playbooks (playbooks/crisis/), validated and render-checked once per cold start."""
        from chalicelib.adapters.crisis_playbooks import CRISIS_DIR, cached_crisis_library
        from chalicelib.domain.crisis import known_risk_categories

        return cached_crisis_library(
            self.settings.playbooks_dir / CRISIS_DIR, known_risk_categories(self.playbook.risk_terms)
        )

    @cached_property
    def storage(self) -> Storage:
        settings = self.settings
        severe_weight = self.playbook.rules.risk_terms.severe_weight
        if settings.store == "sqlite":
            from chalicelib.adapters.sqlite.storage import sqlite_storage

            return sqlite_storage(
                settings.database_path,
                bucket_retention_days=settings.bucket_retention_days,
                severe_weight=severe_weight,
                outbox_retention_days=settings.outbox_retention_days,
                clock=self.clock,
            )
        from chalicelib.adapters.dynamo.storage import dynamo_storage
        from chalicelib.config import TABLES

        return dynamo_storage(
            {table: settings.table_name(table) for table in TABLES},
            region=settings.region,
            endpoint_url=settings.endpoint_url,
            bucket_retention_days=settings.bucket_retention_days,
            severe_weight=severe_weight,
            outbox_retention_days=settings.outbox_retention_days,
            clock=self.clock,
        )

    @property
    def mentions(self) -> MentionRepository:
        return self.storage.mentions

    @property
    def buckets(self) -> BucketRepository:
        return self.storage.buckets

    @property
    def incidents(self) -> IncidentRepository:
        return self.storage.incidents

    @property
    def outbox(self) -> OutboxRepository:
        return self.storage.outbox

    @property
    def api_keys(self) -> ApiKeyRepository:
        return self.storage.api_keys

    @property
    def state(self) -> StateRepository:
        return self.storage.state

    @property
    def users(self) -> UserRepository:
        return self.storage.users

    @property
    def audit(self) -> AuditRepository:
        return self.storage.audit

    @property
    def drafts(self) -> DraftRepository:
        return self.storage.drafts

    @property
    def drills(self) -> DrillRepository:
        return self.storage.drills

    @property
    def webhooks(self) -> WebhookRepository:
        return self.storage.webhooks

    @cached_property
    def seeded_users(self) -> UserRepository:
        """The users, with the playbook's team members that are missing created once per cold start."""
        from chalicelib.services.people import seed_team

        seed_team(self.playbook.team, users=self.users, now=self.clock())
        return self.users

    @cached_property
    def ports(self) -> Ports:
        from chalicelib.services.evaluate import Ports

        return Ports(buckets=self.buckets, incidents=self.incidents, state=self.state, outbox=self.outbox)

    @property
    def alerting(self) -> Alerting:
        from chalicelib.services.alerts import Alerting

        return Alerting(
            playbook=self.playbook,
            users=self.seeded_users,
            secrets=self.secrets,
            public_url=self.settings.public_url,
            link_ttl=timedelta(minutes=self.settings.link_ttl_minutes),
            integrations=self.integrations,
        )

    @cached_property
    def integrations(self) -> Integrations:
        """Chat channels (playbooks/integrations.yaml) and the event bus that hear about incidents."""
        from chalicelib.adapters.playbooks import load_integrations
        from chalicelib.services.integrations import Integrations

        config = load_integrations(self.settings.playbooks_dir, self.settings.integrations_file)
        return Integrations(
            chat=config.chat,
            event_bus=self.settings.event_bus_name,
            webhooks=self.storage.webhooks,
        )

    @cached_property
    def notifier(self) -> Notifier:
        import boto3
        from botocore.config import Config

        from chalicelib.adapters.notify import RoutingNotifier
        from chalicelib.adapters.sns import SnsNotifier

        # A publish gives up long before the outbox lease (5 min) runs out, so no second sender starts.
        timeouts = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"})
        client = boto3.client("sns", region_name=self.settings.region, config=timeouts)
        sns = SnsNotifier(client, self.settings.alert_topic_arn)

        def people() -> Notifier:
            return sns

        def chat() -> Notifier | None:
            targets = self.integrations.chat
            if not targets:
                return None
            import httpx

            from chalicelib.adapters.http_notify import ChatNotifier
            from chalicelib.adapters.secrets import secret_text

            names = {target.id: target.secret_name(self.settings.stage) for target in targets}
            return ChatNotifier(
                httpx.Client(), lambda target: secret_text(names[target]), {t.id: t.type for t in targets}
            )

        def webhooks() -> Notifier:
            import httpx

            from chalicelib.adapters.http_notify import WebhookNotifier

            return WebhookNotifier(httpx.Client(), self.storage.webhooks)

        def events() -> Notifier | None:
            return self.events

        return RoutingNotifier(
            {
                "sms": people,
                "email": people,
                "integration": people,
                "teams": chat,
                "slack": chat,
                "webhook": webhooks,
                "eventbridge": events,
            }
        )

    @cached_property
    def events(self) -> Notifier | None:
        """The company's EventBridge bus, when one is configured."""
        if not self.settings.event_bus_name:
            return None
        import boto3
        from botocore.config import Config

        from chalicelib.adapters.eventbridge import EventBridgePublisher

        # Like the SNS client: a put gives up long before the outbox lease (5 min) runs out.
        timeouts = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"})
        client = boto3.client("events", region_name=self.settings.region, config=timeouts)
        return EventBridgePublisher(client, self.settings.event_bus_name)

    @cached_property
    def subscriptions(self) -> SubscriptionSync:
        import boto3

        from chalicelib.adapters.subscriptions import SnsSubscriptions

        client = boto3.client("sns", region_name=self.settings.region)
        return SnsSubscriptions(client, self.settings.alert_topic_arn)

    @cached_property
    def token_verifier(self) -> TokenVerifier | None:
        """People's sign-in tokens, when an identity provider is configured."""
        settings = self.settings
        if not (settings.oidc_issuer and settings.oidc_audience):
            return None
        from chalicelib.adapters.oidc import OidcVerifier

        return OidcVerifier(
            issuer=settings.oidc_issuer, audience=settings.oidc_audience, jwks_url=settings.jwks_url
        )

    @cached_property
    def crm(self) -> Crm | None:
        """HubSpot, when a token secret is configured; None turns the CRM off."""
        settings = self.settings
        if not settings.hubspot_token_secret_name:
            return None
        import httpx

        from chalicelib.adapters.hubspot import HubSpotCrm, secret_token

        return HubSpotCrm(
            httpx.Client(),
            secret_token(settings.hubspot_token_secret_name),
            base_url=settings.hubspot_base_url,
            handle_property=settings.hubspot_handle_property,
        )

    @cached_property
    def secrets(self) -> SecretProvider:
        from chalicelib.adapters.secrets import ManagedSecrets

        return ManagedSecrets(self.settings.ingest_secret_id, self.settings.link_secret_id)

    @cached_property
    def analyzer(self) -> TextAnalyzer:
        from chalicelib.analysis.analyzer import get_analyzer

        return get_analyzer()

    @cached_property
    def enricher(self) -> Enricher:
        from chalicelib.services.ingest import Enricher

        return Enricher(
            analyzer=self.analyzer,
            playbook=self.playbook,
            retention=timedelta(days=self.settings.mention_retention_days),
            clock=self.clock,
            future_skew=timedelta(seconds=self.settings.future_skew_seconds),
        )

    @cached_property
    def detector_config(self) -> Any:
        from chalicelib.adapters.detection_playbook import load_detection_config

        return load_detection_config(self.settings.playbooks_dir)

    @cached_property
    def source_deps(self) -> Any:
        """The sources' and publishers' one HTTP client and credentials store (SourceDeps)."""
        import httpx

        from chalicelib.adapters.sources.credentials import SourceSecrets
        from chalicelib.adapters.sources.registry import SourceDeps

        return SourceDeps(client=httpx.Client(), secrets=SourceSecrets(self.settings.stage))

    @cached_property
    def sources(self) -> list[Source]:
        from chalicelib.adapters.sources.registry import build_sources

        return build_sources(self.playbook, demo=self.settings.demo, deps=self.source_deps)

    def publisher_for(self, brand: str, platform: str) -> Publisher | None:
        """Who posts a reply on `platform` as `brand` (the response desk's publish step), if anyone."""
        from chalicelib.adapters.sources.registry import build_publisher

        return build_publisher(self.playbook, brand, platform, deps=self.source_deps)

    @cached_property
    def collect_queue(self) -> WorkQueue | None:
        """One message per due source for the collect worker; None: the schedule collects itself."""
        return self._work_queue(self.settings.collect_queue_url)

    @cached_property
    def rules_queue(self) -> WorkQueue | None:
        """One message per brand (and live drill) for the rules worker; None: the schedule evaluates."""
        return self._work_queue(self.settings.rules_queue_url)

    def _work_queue(self, url: str) -> WorkQueue | None:
        if not url:
            return None
        import boto3

        from chalicelib.adapters.work_queue import SqsWorkQueue

        return SqsWorkQueue(boto3.client("sqs", region_name=self.settings.region), url)

    @property
    def source_types(self) -> list[str]:
        """The slugs of the registered source adapters (what a playbook's `type` may name)."""
        from chalicelib.adapters.sources.registry import REGISTRY

        return sorted(REGISTRY)

    def drill_sources(self, drills: list[Drill]) -> list[Source]:
        """A replay source per live drill (built per run: drills start and end between runs)."""
        from chalicelib.adapters.sources.registry import build_drill_sources

        return build_drill_sources(drills, self.playbook)

    @cached_property
    def scenarios(self) -> list[str]:
        """The scenarios a drill can play."""
        from chalicelib.adapters.sources.replay import scenario_names

        return scenario_names()


_container: Container | None = None


def container() -> Container:
    global _container
    if _container is None:
        from chalicelib.config import get_settings

        _container = Container(get_settings())
    return _container


def override(new: Container | None) -> None:
    """Tests and the local stack install their own container (or None to rebuild from settings)."""
    global _container
    _container = new
