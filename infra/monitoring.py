"""Monitoring: an encrypted ops topic and the alarms that page it (function errors, failed jobs and
integration messages, API server errors, and the business metrics for failed sources, failed brand
evaluations and undelivered alerts)."""

from __future__ import annotations

import re

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.adapters.sources.replay import ReplaySource
from chalicelib.domain.playbook import Playbook, SourceConfig
from infra.keys import rotating_key
from infra.service import logical_id

PERIOD = Duration.minutes(5)
METRICS_NAMESPACE = "Krisenradar"
SERVICE = "krisenradar"
# A failing source is retried on every one-minute run (its cursor does not advance), so an outage breaches
# every period, while one timeout or 503 from a platform breaches a single one. Two of three periods page
# ops about ten minutes into a real outage and let a one-off blip pass without waking anyone.
SOURCE_EVALUATION_PERIODS = 3
SOURCE_DATAPOINTS_TO_ALARM = 2


def monitored_sources(playbook: Playbook) -> tuple[SourceConfig, ...]:
    """The sources the deployed collector runs: the enabled ones, except the demo replay, which only runs
    with KRISENRADAR_DEMO=1 (the stack never sets it)."""
    return tuple(source for source in playbook.sources if source.enabled and source.type != ReplaySource.slug)


def id_part(playbook_id: str) -> str:
    """`google-alerts-mueller` -> `GoogleAlertsMueller`: a playbook id as part of a readable logical id."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", playbook_id))


def business_metric(name: str, **dimensions: str) -> cloudwatch.Metric:
    """A metric the app records through Powertools (which adds the `service` dimension)."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE, **dimensions},
        statistic="Sum",
        period=PERIOD,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        function_names: dict[str, str],
        dead_letter_queues: dict[str, sqs.IQueue],
        api_name: str,
        playbook: Playbook,
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

        server_errors = cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions_map={"ApiName": api_name},
            statistic="Sum",
            period=PERIOD,
        )
        self._alarm("Api5xxErrors", server_errors, f"{api_name} answered requests with a server error (5XX)")

        self._alarm(
            "AlertDeliveryFailed",
            business_metric("AlertDeliveryFailed"),
            "alerts are still undelivered after retrying",
        )
        for source in monitored_sources(playbook):
            self._alarm(
                f"Source{id_part(source.id)}Failed",
                business_metric("SourceFailed", source=source.id),
                f"source {source.id} ({source.type}, brand {source.brand}) failed to collect in "
                f"{SOURCE_DATAPOINTS_TO_ALARM} of the last {SOURCE_EVALUATION_PERIODS} five-minute periods",
                evaluation_periods=SOURCE_EVALUATION_PERIODS,
                datapoints_to_alarm=SOURCE_DATAPOINTS_TO_ALARM,
            )
        for brand in playbook.brands:
            self._alarm(
                f"Brand{id_part(brand.id)}EvaluationFailed",
                business_metric("BrandEvaluationFailed", brand=brand.id),
                f"the crisis rules could not be evaluated for brand {brand.id}: no incidents, no alerts",
            )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=1,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
