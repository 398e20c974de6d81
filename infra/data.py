"""Data: the DynamoDB tables, derived from the PynamoDB models (one definition of keys and indexes),
the ingest and link HMAC secrets, and a placeholder secret for each platform credential the playbook's
sources read."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from chalicelib.adapters.dynamo.models import MODELS, TTL_ATTRIBUTES
from chalicelib.adapters.sources.credentials import PLATFORMS_WITH_CREDENTIALS, source_secret_name
from chalicelib.domain.playbook import SourceConfig

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _keys(
    key_schema: list[dict[str, str]], types: dict[str, str]
) -> tuple[dynamodb.Attribute, dynamodb.Attribute | None]:
    """(partition key, sort key) from a boto3-style key schema; PynamoDB does not order HASH first."""
    by_role = {key["KeyType"]: key["AttributeName"] for key in key_schema}

    def attribute(name: str) -> dynamodb.Attribute:
        return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[types[name]])

    sort_key = by_role.get("RANGE")
    return attribute(by_role["HASH"]), attribute(sort_key) if sort_key else None


def _projection(index: dict[str, Any]) -> dict[str, Any]:
    projection = index.get("projection", {})
    return {
        "projection_type": _PROJECTIONS[projection.get("ProjectionType", "ALL")],
        "non_key_attributes": projection.get("NonKeyAttributes"),
    }


def credential_secrets(sources: Iterable[SourceConfig]) -> tuple[str, ...]:
    """The secrets (names under `sources/`) the playbook's sources read: `options.secret`, else the
    platform's, for each source of a platform with credentials, enabled or not (a disabled source keeps
    its credentials for when it is turned on again). A secret costs $0.40 a month, so the stack creates
    placeholders only for these, not for every platform; a source added to the playbook is deployed
    with its secret, as the playbooks ship with the functions."""
    return tuple(
        sorted(
            {
                str(source.options.get("secret") or source.type)
                for source in sources
                if source.type in PLATFORMS_WITH_CREDENTIALS
            }
        )
    )


# Tables without point-in-time recovery: the mentions are copies of public posts the collectors fetch
# again within a platform's lookback, they expire after 90 days, and an erasure (DSGVO Art. 17) should
# not live on for 35 days in continuous backups; PITR on them would be about a tenth of an agency's
# bill ($0.2448 per GB-month on three copies: table and two indexes). Everything the team wrote
# (incidents, drafts, people, audit, state, buckets) keeps PITR.
WITHOUT_PITR = frozenset({"mentions"})


class Data(Construct):
    """The tables named `{table_prefix}{name}`: on-demand, PITR (but the mentions), AWS-managed KMS
    encryption, retained."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        table_prefix: str,
        crm_token: bool = False,
        source_secrets: Iterable[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.table_prefix = table_prefix
        self.tables: dict[str, dynamodb.Table] = {
            name: self._table(name, cast(dict[str, Any], model._get_schema()), protect=stage == "prod")
            for name, model in MODELS.items()
        }
        self.ingest_secret_name = f"krisenradar/{stage}/ingest-hmac"
        self.ingest_secret = secretsmanager.Secret(
            self,
            "IngestSecret",
            secret_name=self.ingest_secret_name,
            description="HMAC-SHA256 key that push sources use to sign mentions sent to the ingest webhook",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.link_secret_name = f"krisenradar/{stage}/link-signing"
        self.link_secret = secretsmanager.Secret(
            self,
            "LinkSecret",
            secret_name=self.link_secret_name,
            description="HMAC-SHA256 key that signs the personal links in SMS and email alerts",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        # The HubSpot private-app token: created with a random placeholder (HubSpot refuses it, and the
        # CRM reports "not configured") until an admin puts the real token in. Under integrations/,
        # the prefix the sending functions and the API may read.
        self.crm_token_secret_name = f"krisenradar/{stage}/integrations/hubspot-token"
        self.crm_token_secret: secretsmanager.Secret | None = None
        if crm_token:
            self.crm_token_secret = secretsmanager.Secret(
                self,
                "CrmTokenSecret",
                secret_name=self.crm_token_secret_name,
                description="HubSpot private-app token (scopes crm.objects.contacts.read/write, tickets); "
                "replace the placeholder: aws secretsmanager put-secret-value",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=32, exclude_punctuation=True, include_space=False
                ),
                removal_policy=RemovalPolicy.RETAIN,
            )

        # One placeholder per secret the sources read (credential_secrets); the team puts the JSON
        # credentials in after deploying (README, "Platform credentials"). The collect function may read
        # any secret under the prefix.
        self.source_secrets = {
            name: secretsmanager.Secret(
                self,
                f"SourceSecret{''.join(part.title() for part in re.split(r'[-_]', name))}",
                secret_name=source_secret_name(stage, name),
                description=f"Credentials (JSON) of the {name} source; a placeholder until set",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    secret_string_template="{}", generate_string_key="placeholder", exclude_punctuation=True
                ),
                removal_policy=RemovalPolicy.RETAIN,
            )
            for name in source_secrets
        }

    def _table(self, name: str, schema: dict[str, Any], *, protect: bool) -> dynamodb.Table:
        types = {item["AttributeName"]: item["AttributeType"] for item in schema["attribute_definitions"]}
        partition_key, sort_key = _keys(schema["key_schema"], types)
        table = dynamodb.Table(
            self,
            name.capitalize(),
            table_name=f"{self.table_prefix}{name}",
            partition_key=partition_key,
            sort_key=sort_key,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=name not in WITHOUT_PITR
            ),
            time_to_live_attribute=TTL_ATTRIBUTES.get(name),
            deletion_protection=protect,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if name in WITHOUT_PITR:
            Validations.of(table).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-DDB3",
                    reason="Mentions are copies of public posts that expire after 90 days and are fetched "
                    "again within a platform's lookback; an erasure must not live on in 35 days of backups",
                )
            )
        for index in schema.get("global_secondary_indexes", []):
            index_types = {
                **types,
                **{d["AttributeName"]: d["AttributeType"] for d in index.get("attribute_definitions", [])},
            }
            index_pk, index_sk = _keys(index["key_schema"], index_types)
            table.add_global_secondary_index(
                index_name=index["index_name"],
                partition_key=index_pk,
                sort_key=index_sk,
                **_projection(index),
            )
        for index in schema.get("local_secondary_indexes", []):
            _, index_sk = _keys(index["key_schema"], types)
            if index_sk is None:
                raise ValueError(f"local index {index['index_name']} of {name} has no sort key")
            table.add_local_secondary_index(
                index_name=index["index_name"], sort_key=index_sk, **_projection(index)
            )
        return table
