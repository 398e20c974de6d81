"""Builds the DynamoDB repositories, bound to one set of tables and one endpoint."""

from __future__ import annotations

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
from chalicelib.adapters.dynamo.webhooks import DynamoWebhookRepository
from chalicelib.ports import Storage


def dynamo_storage(
    table_names: dict[str, str],
    *,
    region: str,
    endpoint_url: str | None,
    bucket_retention_days: int,
    severe_weight: int,
    create_missing: bool = False,
) -> Storage:
    models.bind(table_names, region, endpoint_url)
    if create_missing:  # the tests; in AWS the CDK app creates the tables
        create_tables(models.MODELS.values())
    return Storage(
        mentions=DynamoMentionRepository(bucket_retention_days, severe_weight),
        buckets=DynamoBucketRepository(),
        incidents=DynamoIncidentRepository(),
        outbox=DynamoOutboxRepository(),
        api_keys=DynamoApiKeyRepository(),
        state=DynamoStateRepository(),
        users=DynamoUserRepository(),
        audit=DynamoAuditRepository(),
        drafts=DynamoDraftRepository(),
        drills=DynamoDrillRepository(),
        webhooks=DynamoWebhookRepository(),
    )
