"""Customer-managed KMS keys: one rotating key per purpose, named after the stage."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct


def rotating_key(
    scope: Construct, construct_id: str, *, stage: str, purpose: str, description: str
) -> kms.Key:
    return kms.Key(
        scope,
        construct_id,
        alias=f"alias/krisenradar-{stage}-{purpose}",
        description=description,
        enable_key_rotation=True,
    )
