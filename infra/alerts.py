"""Alerts: the KMS-encrypted alert topic, the team's SMS and email subscriptions (filter policies from
`chalicelib.domain.routing`, the same code that plans the outbox rows) and the integration queue."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from aws_cdk import Duration
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.domain.playbook import Team
from chalicelib.domain.routing import INTEGRATIONS, filter_policy
from chalicelib.domain.routing import subscriptions as team_subscriptions
from infra.keys import rotating_key


class Alerts(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, team: Team) -> None:
        super().__init__(scope, construct_id)
        self.topic_key = rotating_key(
            self,
            "TopicKey",
            stage=stage,
            purpose="alerts",
            description="Encrypts the Krisenradar alert topic",
        )
        # A key of their own: the queues' key policy names the topic, which already depends on its key.
        self.queue_key = rotating_key(
            self,
            "QueueKey",
            stage=stage,
            purpose="integrations",
            description="Encrypts the Krisenradar integration queues",
        )
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
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.queue_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.integration_queue = sqs.Queue(
            self,
            "IntegrationQueue",
            queue_name=f"krisenradar-{stage}-integrations",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.queue_key,
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
