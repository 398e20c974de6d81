"""The Krisenradar stack (one per stage) and the app that synthesizes it under cdk-nag's AWS Solutions."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from chalicelib.adapters.playbooks import load_playbook
from infra.alerts import Alerts
from infra.dashboard import OperationsDashboard
from infra.data import Data, credential_secrets
from infra.events import Events
from infra.identity import Identity
from infra.monitoring import Monitoring
from infra.service import ApiAndJobs, ServiceSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STAGES = ("dev", "prod")


@dataclass(frozen=True)
class DeploymentSettings:
    """Read from CDK context (`cdk.json`, or `-c stage=prod`)."""

    stage: str
    region: str
    public_url: str | None
    ops_email: str | None
    mention_retention_days: int
    hubspot: bool = False  # `-c hubspot=true`: the CRM on, its token in a secret the stack creates
    outbox_retention_days: int = 30  # alert rows (team phone numbers and addresses)
    incident_personal_data_days: int = 180  # closed incidents keep their figures, lose names after this

    @classmethod
    def from_context(cls, node: Any) -> DeploymentSettings:
        stage = node.try_get_context("stage") or "dev"
        if stage not in STAGES:
            raise ValueError(f"context 'stage' must be one of {STAGES}, not {stage!r}")
        return cls(
            stage=stage,
            region=node.try_get_context("region") or "eu-central-1",
            public_url=node.try_get_context("public_url") or None,
            ops_email=node.try_get_context("ops_email") or None,
            mention_retention_days=int(node.try_get_context("mention_retention_days") or 90),
            hubspot=str(node.try_get_context("hubspot") or "").lower() in ("1", "true", "yes"),
            outbox_retention_days=int(node.try_get_context("outbox_retention_days") or 30),
            incident_personal_data_days=int(node.try_get_context("incident_personal_data_days") or 180),
        )

    @property
    def stack_name(self) -> str:
        return f"krisenradar-{self.stage}"


class KrisenradarStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: DeploymentSettings,
        build_dir: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        prod = settings.stage == "prod"
        playbook = load_playbook(PROJECT_ROOT / "playbooks")

        self.data = Data(
            self,
            "Data",
            stage=settings.stage,
            table_prefix=f"krisenradar-{settings.stage}-",
            crm_token=settings.hubspot,
            source_secrets=credential_secrets(playbook.sources),
        )
        self.alerts = Alerts(self, "Alerts", stage=settings.stage, team=playbook.team)
        self.events = Events(self, "Events", stage=settings.stage)
        self.identity = Identity(self, "Identity", stage=settings.stage)
        self.service = ApiAndJobs(
            self,
            "Service",
            settings=ServiceSettings(
                stage=settings.stage,
                region=settings.region,
                project_root=PROJECT_ROOT,
                build_dir=build_dir,
                public_url=settings.public_url,
                mention_retention_days=settings.mention_retention_days,
                outbox_retention_days=settings.outbox_retention_days,
                incident_personal_data_days=settings.incident_personal_data_days,
                log_retention=logs.RetentionDays.THREE_MONTHS if prod else logs.RetentionDays.ONE_MONTH,
                oidc_issuer=self.identity.issuer,
                oidc_audience=self.identity.audience,
                hubspot_token_secret_name=self.data.crm_token_secret_name if settings.hubspot else None,
            ),
            data=self.data,
            alerts=self.alerts,
            events=self.events,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            stage=settings.stage,
            function_names=self.service.function_names,
            dead_letter_queues={
                "JobFailures": self.service.job_failures,
                "CollectDeadLetters": self.service.collect_dead_letters,
                "RulesDeadLetters": self.service.rules_dead_letters,
                "IntegrationDeadLetters": self.alerts.integration_dead_letters,
            },
            api_name=self.service.api_name,
            ops_email=settings.ops_email,
        )
        self.dashboard = OperationsDashboard(
            self,
            "Dashboard",
            stage=settings.stage,
            function_names=self.service.function_names,
            queues=[node for node in self.node.find_all() if isinstance(node, sqs.Queue)],
            api_name=self.service.api_name,
        )
        cdk.Validations.of(self.data.link_secret).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="Rotating the link key invalidates the links in alerts already sent (valid for an "
                "hour); a rotation with a grace period is not built yet",
            )
        )
        if self.data.crm_token_secret is not None:
            cdk.Validations.of(self.data.crm_token_secret).acknowledge(
                cdk.Acknowledgment(
                    id="AwsSolutions-SMG4",
                    reason="A HubSpot private-app token is rotated in HubSpot, not by a Lambda; the admin "
                    "puts the new token into this secret",
                )
            )
        cdk.Validations.of(self.data.ingest_secret).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="The HMAC key is shared with the push sources; rotating it needs a coordinated "
                "rollover (accept old and new key) that the ingest webhook does not support yet",
            )
        )
        for secret in self.data.source_secrets.values():
            cdk.Validations.of(secret).acknowledge(
                cdk.Acknowledgment(
                    id="AwsSolutions-SMG4",
                    reason="Platform tokens are issued by the platform (X, Meta, Google, ...); they are "
                    "rotated there and pasted in, Secrets Manager cannot rotate them",
                )
            )
        for kind, (_, dead_letters) in self.service.work_queues.items():
            cdk.Validations.of(dead_letters).acknowledge(
                cdk.Acknowledgment(
                    id="AwsSolutions-SQS3",
                    reason=f"This queue is itself the dead-letter queue of the {kind} queue",
                )
            )
        cdk.Validations.of(self.service.job_failures).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="This queue is itself the failure destination of the scheduled functions",
            )
        )
        cdk.Tags.of(self).add("app", "krisenradar")
        cdk.Tags.of(self).add("stage", settings.stage)


def build_app(
    outdir: str | None = None, context: dict[str, Any] | None = None, build_dir: Path | None = None
) -> cdk.App:
    """The CDK app with one stack for the stage in context, checked by cdk-nag when it synthesizes."""
    # `python app.py` does not read cdk.json; the CDK CLI passes it and overrides these defaults.
    defaults = json.loads((PROJECT_ROOT / "infra" / "cdk.json").read_text(encoding="utf-8"))["context"]
    app = cdk.App(outdir=outdir, context={**defaults, **(context or {})})
    settings = DeploymentSettings.from_context(app.node)
    KrisenradarStack(
        app,
        settings.stack_name,
        settings=settings,
        build_dir=build_dir or PROJECT_ROOT / "infra" / "cdk.out" / ".chalice-build",
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=settings.region),
        description=f"Krisenradar ({settings.stage}): social media crisis radar",
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app
