"""Alerts: the alert topic (encrypted with the AWS-managed SNS key), the team's SMS and email
subscriptions (filter policies from `chalicelib.domain.routing`, the same code that plans the outbox
rows) and the integration queue."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.domain.playbook import Team
from chalicelib.domain.routing import INTEGRATIONS, filter_policy
from chalicelib.domain.routing import subscriptions as team_subscriptions


class Alerts(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, team: Team) -> None:
        super().__init__(scope, construct_id)
        # AWS-managed keys (`aws/sns`, and SQS-managed encryption for the queues), which AWS rotates: a
        # customer-managed key costs $1 a month each and would only add a key policy to maintain. The
        # publishers need no KMS permission, and SNS delivers to an SSE-SQS queue without a key grant.
        self.topic_key = kms.Alias.from_alias_name(self, "TopicKey", "alias/aws/sns")
        # No display name: SNS puts it in front of every SMS, and the texts are sized to 160 characters.
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=f"krisenradar-{stage}-alerts",
            master_key=self.topic_key,
            enforce_ssl=True,
        )
        # The team as it starts; later changes through the API subscribe new addresses themselves.
        for protocol, endpoint, policy in team_subscriptions(team.as_users(datetime.now(UTC))):
            # The id hashes the endpoint: stable across deploys, and no phone number in the construct path.
            digest = hashlib.sha256(endpoint.encode()).hexdigest()[:12]
            sns.CfnSubscription(
                self,
                f"{protocol.capitalize()}{digest}",
                topic_arn=self.topic.topic_arn,
                protocol=protocol,
                endpoint=endpoint,
                filter_policy=policy,
                filter_policy_scope="MessageAttributes",
            )

        self.integration_dead_letters = sqs.Queue(
            self,
            "IntegrationDeadLetters",
            queue_name=f"krisenradar-{stage}-integrations-dlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.integration_queue = sqs.Queue(
            self,
            "IntegrationQueue",
            queue_name=f"krisenradar-{stage}-integrations",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=self.integration_dead_letters),
        )
        # Raw delivery: consumers (CRM) receive the structured `default` JSON document as the body.
        self.topic.add_subscription(
            subscriptions.SqsSubscription(
                self.integration_queue,
                raw_message_delivery=True,
                filter_policy={
                    key: sns.SubscriptionFilter.string_filter(allowlist=values)
                    for key, values in filter_policy("integration", INTEGRATIONS).items()
                },
            )
        )
