"""Builds the DynamoDB repositories, bound to one set of tables and one endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.adapters.dynamo import models
from chalicelib.adapters.dynamo.audit import DynamoAuditRepository
from chalicelib.adapters.dynamo.common import create_tables
from chalicelib.adapters.dynamo.drafts import DynamoDraftRepository
from chalicelib.adapters.dynamo.drills import DynamoDrillRepository
from chalicelib.adapters.dynamo.incidents import DynamoIncidentRepository
from chalicelib.adapters.dynamo.keys_state import (
    DynamoApiKeyRepository,
    DynamoStateRepository,
    DynamoUserRepository,
)
from chalicelib.adapters.dynamo.mentions import DynamoBucketRepository, DynamoMentionRepository
from chalicelib.adapters.dynamo.outbox import DynamoOutboxRepository
from chalicelib.adapters.dynamo.retention import DynamoRetention
from chalicelib.adapters.dynamo.webhooks import DynamoWebhookRepository
from chalicelib.domain.models import utcnow
from chalicelib.ports import Storage


def dynamo_storage(
    table_names: dict[str, str],
    *,
    region: str,
    endpoint_url: str | None,
    bucket_retention_days: int,
    severe_weight: int,
    create_missing: bool = False,
    outbox_retention_days: int = 30,
    clock: Callable[[], datetime] = utcnow,
) -> Storage:
    """`clock` tells reads what has expired (TTL deletes within days); `outbox_retention_days` sets
    the TTL of alert rows."""
    models.bind(table_names, region, endpoint_url)
    if create_missing:  # the tests; in AWS the CDK app creates the tables
        create_tables(models.MODELS.values())
    return Storage(
        mentions=DynamoMentionRepository(bucket_retention_days, severe_weight, clock),
        buckets=DynamoBucketRepository(),
        incidents=DynamoIncidentRepository(),
        outbox=DynamoOutboxRepository(timedelta(days=outbox_retention_days), clock),
        api_keys=DynamoApiKeyRepository(),
        state=DynamoStateRepository(),
        users=DynamoUserRepository(),
        audit=DynamoAuditRepository(clock),
        drafts=DynamoDraftRepository(clock),
        drills=DynamoDrillRepository(),
        webhooks=DynamoWebhookRepository(),
        retention=DynamoRetention(),
    )
