"""Monitoring: the ops topic and the alarms that page it (function errors, failed jobs and integration
messages, API server errors, and the business metrics for failed sources, failed brand evaluations and
undelivered alerts).

Alarms cost $0.10 a month each, so the business alarms watch one metric per kind of failure, not one
per source or brand: the app counts every unit's failure under the same metric and names the unit in
the metric's log line (chalicelib/observability.py `count_failure`); `GET /sources` shows which source
is failing."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.service import logical_id

PERIOD = Duration.minutes(5)
METRICS_NAMESPACE = "Krisenradar"
SERVICE = "krisenradar"
# A failing source is retried on every one-minute run (its cursor does not advance), so an outage breaches
# every period, while one timeout or 503 from a platform breaches a single one. Two of three periods page
# ops about ten minutes into a real outage and let a one-off blip pass without waking anyone.
SOURCE_EVALUATION_PERIODS = 3
SOURCE_DATAPOINTS_TO_ALARM = 2


def business_metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
    """A metric the app records through Powertools (which adds the `service` dimension)."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE},
        statistic=statistic,
        period=PERIOD,
    )


# Functions without an Errors alarm of their own ($0.10 a month each), because another alarm already
# pages for their failures: the collect worker's failed sources raise SourceFailed and a crashed batch
# ends in the collect dead-letter queue; the hourly retention job's failed run lands in the job-failure
# queue. The every-minute schedules, the rules worker and the API keep theirs: they are the radar.
COVERED_ELSEWHERE = frozenset({"collect_source", "apply_retention"})


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
        ops_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", topic_name=f"krisenradar-{stage}-ops", enforce_ssl=True)
        Validations.of(self.topic).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SNS2",
                reason="Alarm notifications carry alarm names, descriptions and figures, no personal data. "
                "CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer-managed "
                "key for this topic alone costs $1 a month",
            )
        )
        if ops_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(ops_email))
        self.alarms: list[cloudwatch.Alarm] = []

        for name, function_name in function_names.items():
            if name in COVERED_ELSEWHERE:
                continue
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
        self._alarm(
            "SourceFailed",
            business_metric("SourceFailed"),
            f"a source failed to collect in {SOURCE_DATAPOINTS_TO_ALARM} of the last "
            f"{SOURCE_EVALUATION_PERIODS} five-minute periods; GET /sources (or the `source` field of the "
            "SourceFailed log lines) names it",
            evaluation_periods=SOURCE_EVALUATION_PERIODS,
            datapoints_to_alarm=SOURCE_DATAPOINTS_TO_ALARM,
        )
        self._alarm(
            "BrandEvaluationFailed",
            business_metric("BrandEvaluationFailed"),
            "the crisis rules could not be evaluated for a brand (no incidents, no alerts for it); the "
            "`brand` field of the BrandEvaluationFailed log lines names it",
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
