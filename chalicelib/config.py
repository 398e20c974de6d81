"""The one settings model. Validated at cold start: a missing or malformed setting fails loudly."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

TABLES = (
    "mentions",
    "buckets",
    "incidents",
    "outbox",
    "apikeys",
    "state",
    "users",
    "drafts",
    "audit",
    "drills",
    "webhooks",
)


class Settings(BaseSettings):
    """Environment variables prefixed KRISENRADAR_ (AWS_REGION and AWS_ENDPOINT_URL are AWS's own)."""

    model_config = SettingsConfigDict(
        env_prefix="KRISENRADAR_", extra="ignore", frozen=True, populate_by_name=True
    )

    stage: Literal["local", "test", "dev", "prod"] = "local"
    # dynamodb in AWS; sqlite is the embedded store of one machine (`make run` sets it).
    store: Literal["dynamodb", "sqlite"] = "dynamodb"
    database_path: Path = PROJECT_ROOT / ".local" / "krisenradar.db"
    region: str = Field(default="eu-central-1", validation_alias="AWS_REGION")
    endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    table_prefix: str = Field(default="krisenradar-local-", pattern=r"^[A-Za-z0-9_.-]{1,200}$")
    alert_topic_arn: str = ""
    # The company's EventBridge bus that gets every event (CDK: krisenradar-<stage>): empty = off.
    event_bus_name: str = Field(default="", pattern=r"^[A-Za-z0-9._/:-]{0,1600}$")
    ingest_secret_name: str = ""
    link_secret_name: str = ""
    # People sign in through an OpenID Connect provider (Cognito in AWS, or Entra ID): empty = off.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    # The CRM (HubSpot): the Secrets Manager secret holding a private-app token; empty = CRM off.
    hubspot_token_secret_name: str = ""
    hubspot_handle_property: str = Field(default="twitterhandle", pattern=r"^[a-z0-9_]{1,100}$")
    hubspot_base_url: str = "https://api.hubapi.com"
    # The SQS queue of collect units (one message per due source, CDK: krisenradar-<stage>-collect):
    # empty = the schedule collects every source itself (one machine, tests).
    collect_queue_url: str = ""
    # The SQS queue of rules units (one message per brand and live drill, CDK: krisenradar-<stage>-rules):
    # empty = the schedule evaluates every brand itself (one machine without a queue, tests).
    rules_queue_url: str = ""
    link_ttl_minutes: int = Field(default=60, ge=5, le=24 * 60)
    # How long before and after a statement its feedback compares mentions (practice 6).
    feedback_minutes: int = Field(default=60, ge=10, le=24 * 60)
    playbooks_dir: Path = PROJECT_ROOT / "playbooks"
    # Chat channels, in playbooks_dir; empty: no chat posts (SMS, email and the SQS copy only).
    integrations_file: str = Field(default="integrations.yaml", pattern=r"^([A-Za-z0-9_.-]{1,100}\.yaml)?$")
    public_url: str = "http://localhost:8000"
    mention_retention_days: int = Field(default=90, ge=1, le=3650)
    # A mention may be dated this far ahead of our clock (clock skew); later ones are refused (422) or
    # skipped, so that nothing escapes retention by a date in the future.
    future_skew_seconds: int = Field(default=300, ge=0, le=3600)
    # Alert deliveries (team phone numbers, email addresses) are kept this long, then deleted.
    outbox_retention_days: int = Field(default=30, ge=1, le=3650)
    # A resolved incident keeps its figures; names, handles and mention references go after this long.
    incident_personal_data_days: int = Field(default=180, ge=1, le=3650)
    bucket_retention_days: int = Field(default=400, ge=7, le=3650)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    demo: bool = False

    @model_validator(mode="after")
    def _deployed_needs_wiring(self) -> Settings:
        if self.stage in ("dev", "prod"):
            missing = [
                name
                for name, value in (
                    ("KRISENRADAR_ALERT_TOPIC_ARN", self.alert_topic_arn),
                    ("KRISENRADAR_INGEST_SECRET_NAME", self.ingest_secret_name),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"missing settings for a deployed stage: {', '.join(missing)}")
            if self.store != "dynamodb":
                raise ValueError("a deployed stage stores in DynamoDB: KRISENRADAR_STORE=dynamodb")
        return self

    def table_name(self, table: str) -> str:
        if table not in TABLES:
            raise KeyError(table)
        return f"{self.table_prefix}{table}"

    @property
    def ingest_secret_id(self) -> str:
        """The Secrets Manager secret that signs pushed mentions (HMAC-SHA256)."""
        return self.ingest_secret_name or f"krisenradar/{self.stage}/ingest-hmac"

    @property
    def jwks_url(self) -> str:
        """Cognito and most providers publish their keys under the issuer."""
        return self.oidc_jwks_url or (
            f"{self.oidc_issuer.rstrip('/')}/.well-known/jwks.json" if self.oidc_issuer else ""
        )

    @property
    def link_secret_id(self) -> str:
        """The Secrets Manager secret that signs the links in alerts (HMAC-SHA256)."""
        return self.link_secret_name or f"krisenradar/{self.stage}/link-signing"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
