"""Monitoring: an encrypted ops topic and the alarms that page it (function errors, failed jobs and
integration messages, and the business metric AlertDeliveryFailed)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.keys import rotating_key
from infra.service import logical_id

PERIOD = Duration.minutes(5)
METRICS_NAMESPACE = "Krisenradar"
SERVICE = "krisenradar"


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        function_names: dict[str, str],
        dead_letter_queues: dict[str, sqs.IQueue],
        ops_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = rotating_key(
            self, "Key", stage=stage, purpose="ops", description="Encrypts the Krisenradar ops topic"
        )
        # CloudWatch publishes alarm notifications to the encrypted topic with this key.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(
            self, "Topic", topic_name=f"krisenradar-{stage}-ops", master_key=self.key, enforce_ssl=True
        )
        if ops_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(ops_email))
        self.alarms: list[cloudwatch.Alarm] = []

        for name, function_name in function_names.items():
            errors = cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions_map={"FunctionName": function_name},
                statistic="Sum",
                period=PERIOD,
            )
            self._alarm(f"{logical_id(name)}Errors", errors, f"{function_name} failed (uncaught error)")

        for name, queue in dead_letter_queues.items():
            self._alarm(
                f"{name}Waiting",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                f"messages are waiting in {name}: failed runs or undeliverable integration messages",
            )

        delivery_failed = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="AlertDeliveryFailed",
            dimensions_map={"service": SERVICE},
            statistic="Sum",
            period=PERIOD,
        )
        self._alarm("AlertDeliveryFailed", delivery_failed, "alerts are still undelivered after retrying")

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
