"""API and jobs: the Chalice app (REST API + scheduled functions) through `chalice.cdk.Chalice`, with
one least-privilege role, log group and name per function, and an on-failure queue for the jobs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, Duration, Fn, RemovalPolicy, Stack, Token, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.api.gateway import GATEWAY_ERRORS, error_body, security_headers
from chalicelib.config import TABLES
from infra.alerts import Alerts
from infra.chalice_project import (
    PACKAGED_PLAYBOOKS_DIR,
    check_layer_complete,
    isolated_packaging,
    stage_project,
)
from infra.data import Data
from infra.events import Events

API_HANDLER = "api_handler"
# DescribeTable: PynamoDB reads a table's description on its first use in a process.
READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
WRITE_ACTIONS = (
    *READ_ACTIONS,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
APPEND_ACTIONS = (*READ_ACTIONS, "dynamodb:PutItem")
# API Gateway throttles every method of the stage (requests per second, and the burst above that).
API_RATE_LIMIT = 50
API_BURST_LIMIT = 100
# Access logs without personal data: no caller IP, user agent, path (it carries ids and handles) or key.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "time": "$context.requestTimeEpoch",
    "method": "$context.httpMethod",
    "resource": "$context.resourcePath",
    "status": "$context.status",
    "bytes": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "error": "$context.error.responseType",
}


@dataclass(frozen=True)
class Access:
    """What one function may touch (`write` implies read). Keep in step with the ports each entry uses."""

    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    append: tuple[str, ...] = ()  # may add items, never change or delete one (the audit log)
    publish_alerts: bool = False
    ingest_secret: bool = False
    link_secret: bool = False  # signs (jobs composing alerts) or checks (API) the links in alerts
    manage_subscriptions: bool = False  # the API keeps each person's alert subscriptions in step
    put_events: bool = False  # sends the events (alerts, approved drafts, statements) to the company's bus
    integration_secrets: bool = False  # reads chat webhook URLs and the CRM token (integrations/ secrets)
    source_secrets: bool = False  # reads the platform credentials of the source adapters (sources/ secrets)
    sends_units: str | None = None  # the work queue a schedule fans out to (WORK_QUEUES): one message a unit
    consumes_units: str | None = None  # the work queue that is a worker's SQS event source


FUNCTION_ACCESS: dict[str, Access] = {
    API_HANDLER: Access(
        write=tuple(table for table in TABLES if table != "audit"),
        append=("audit",),
        ingest_secret=True,
        link_secret=True,
        manage_subscriptions=True,
        put_events=True,
        integration_secrets=True,
        source_secrets=True,  # posts an approved reply as the brand's account (POST /drafts/{id}/publish)
    ),
    # The schedule reads cursors and health and marks units queued; the worker collects one source.
    "collect_mentions": Access(read=("drills",), write=("state",), sends_units="collect"),
    "collect_source": Access(
        read=("drills",),
        write=("mentions", "buckets", "state"),
        source_secrets=True,
        consumes_units="collect",
    ),
    # The schedule follows the drills (records their incidents, ends them) and sends one unit per brand
    # and live drill; the worker evaluates each one and delivers the alerts.
    "evaluate_rules": Access(read=("incidents",), write=("drills",), sends_units="rules"),
    "evaluate_brand": Access(
        read=("buckets", "users", "webhooks"),  # webhooks: the sender loads the subscription
        write=("incidents", "state", "outbox", "drills"),  # drills: records the incident a drill opened
        publish_alerts=True,
        link_secret=True,
        put_events=True,
        integration_secrets=True,
        consumes_units="rules",
    ),
    "deliver_alerts": Access(
        read=("webhooks",), write=("outbox",), publish_alerts=True, put_events=True, integration_secrets=True
    ),
    "escalate_incidents": Access(
        read=("users", "drills", "webhooks"),
        write=("incidents", "outbox"),
        publish_alerts=True,
        link_secret=True,
        put_events=True,
        integration_secrets=True,
    ),
    # DynamoDB's TTL deletes expired mentions, outbox rows and audit entries; this job only takes the
    # names out of resolved incidents and their drafts.
    "apply_retention": Access(write=("incidents", "drafts")),
}
JOBS = tuple(name for name in FUNCTION_ACCESS if name != API_HANDLER)
# The work queues: the setting that tells a schedule its queue, and the placeholder queue the worker
# names in the app (jobs/schedules.py COLLECT_QUEUE, RULES_QUEUE).
WORK_QUEUES = {
    "collect": ("KRISENRADAR_COLLECT_QUEUE_URL", "krisenradar-collect"),
    "rules": ("KRISENRADAR_RULES_QUEUE_URL", "krisenradar-rules"),
}
# A unit's worker may take the function's 60 s; six times that keeps a slow unit from reappearing while
# it runs (AWS's advice for Lambda event sources). After three failed attempts it stays in the
# dead-letter queue, which has an alarm.
WORK_VISIBILITY_SECONDS = 360
WORK_MAX_RECEIVES = 3
# The every-minute schedules are not traced (Lambda's PassThrough): each run falls under X-Ray's
# reservoir of one trace a second, so every run would be a trace ($5 a million), 172,800 a month for
# four functions that mostly find nothing to do. Their logs and metrics stay; the workers they feed
# (collect_source, evaluate_brand), the API and the retention job are traced.
UNTRACED = ("collect_mentions", "evaluate_rules", "deliver_alerts", "escalate_incidents")


def integration_secret_prefix(stage: str) -> str:
    """Where chat webhook URLs (integrations.yaml) and the CRM token live; the senders may read them."""
    return f"krisenradar/{stage}/integrations/"


def source_secret_prefix(stage: str) -> str:
    """Where the platform credentials live: a placeholder per platform (data.py) and any second account."""
    return f"krisenradar/{stage}/sources/"


def logical_id(function: str) -> str:
    """The logical id `chalice package` gives a function: APIHandler, or the CamelCased handler name."""
    return "APIHandler" if function == API_HANDLER else "".join(part.title() for part in function.split("_"))


@dataclass(frozen=True)
class ServiceSettings:
    stage: str
    region: str
    project_root: Path
    build_dir: Path
    public_url: str | None
    mention_retention_days: int
    log_retention: logs.RetentionDays
    outbox_retention_days: int = 30
    incident_personal_data_days: int = 180
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    hubspot_token_secret_name: str | None = None  # the CRM on: where its private-app token lives


class ApiAndJobs(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: ServiceSettings,
        data: Data,
        alerts: Alerts,
        events: Events,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function_names = {
            name: f"krisenradar-{settings.stage}-{name.replace('_', '-')}" for name in FUNCTION_ACCESS
        }
        self.api_name = f"krisenradar-{settings.stage}-api"
        self.job_failures = self._queue("JobFailures", f"krisenradar-{settings.stage}-job-failures")
        # One message per due source (collect) and per brand and live drill (rules), each a dead-letter
        # queue of its own: {"collect": (queue, dead letters), "rules": ...}.
        self.work_queues = {
            kind: self._work_queue(kind.title(), f"krisenradar-{settings.stage}-{kind}")
            for kind in WORK_QUEUES
        }
        self.collect_queue, self.collect_dead_letters = self.work_queues["collect"]
        self.rules_queue, self.rules_dead_letters = self.work_queues["rules"]
        self.log_groups = {
            name: logs.LogGroup(
                self,
                f"{logical_id(name)}Logs",
                log_group_name=f"/aws/lambda/{function_name}",
                retention=settings.log_retention,
                removal_policy=RemovalPolicy.RETAIN if settings.stage == "prod" else RemovalPolicy.DESTROY,
            )
            for name, function_name in self.function_names.items()
        }
        self.roles = {
            name: self._role(name, access, data, alerts, settings.stage)
            for name, access in FUNCTION_ACCESS.items()
        }
        for name, access in FUNCTION_ACCESS.items():
            if access.put_events:
                events.bus.grant_put_events_to(self.roles[name])

        self.chalice = self._package(settings, data, alerts, events)
        self._wire_functions(settings)

    def _queue(self, construct_id: str, name: str, **options: Any) -> sqs.Queue:
        """An encrypted queue that refuses plain HTTP; a failure's record is kept for 14 days."""
        options.setdefault("retention_period", Duration.days(14))
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            **options,
        )

    def _work_queue(self, prefix: str, name: str) -> tuple[sqs.Queue, sqs.Queue]:
        """A worker's queue of units and its dead-letter queue (`<prefix>Queue`, `<prefix>DeadLetters`)."""
        dead_letters = self._queue(f"{prefix}DeadLetters", f"{name}-dead-letters")
        queue = self._queue(
            f"{prefix}Queue",
            name,
            visibility_timeout=Duration.seconds(WORK_VISIBILITY_SECONDS),
            retention_period=Duration.hours(1),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=WORK_MAX_RECEIVES, queue=dead_letters),
        )
        return queue, dead_letters

    def _role(self, name: str, access: Access, data: Data, alerts: Alerts, stage: str) -> iam.Role:
        role = iam.Role(
            self,
            f"{logical_id(name)}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Krisenradar {name}: least privilege",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_groups[name].log_group_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            )
        )
        _grant(role, access, data, alerts)
        if access.integration_secrets:
            stack = Stack.of(self)
            prefix = integration_secret_prefix(stage)
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[
                        f"arn:{stack.partition}:secretsmanager:{stack.region}:{stack.account}:secret:{prefix}*"
                    ],
                )
            )
        if access.source_secrets:
            stack = Stack.of(self)
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[
                        f"arn:{stack.partition}:secretsmanager:{stack.region}:{stack.account}:secret:"
                        f"{source_secret_prefix(stage)}*"
                    ],
                )
            )
        if access.sends_units:
            self.work_queues[access.sends_units][0].grant_send_messages(role)
        if access.consumes_units:
            self.work_queues[access.consumes_units][0].grant_consume_messages(role)
        if name in JOBS:
            self.job_failures.grant_send_messages(role)
        # cdk-nag names the account as a token offline, and by number when the CLI knows the account.
        account = Stack.of(self).account
        account = "<AWS::AccountId>" if Token.is_unresolved(account) else account
        secrets = f"Resource::arn:<AWS::Partition>:secretsmanager:{Stack.of(self).region}:{account}:secret:"
        findings = {
            f"{secrets}{source_secret_prefix(stage)}*": (
                "Platform credentials of the source adapters: a secret per platform or account under sources/"
            ),
            f"{secrets}{integration_secret_prefix(stage)}*": (
                "Chat webhook URLs and the CRM token: the secrets under the integrations/ prefix"
            ),
            "Resource::*": "X-Ray trace submission has no resource-level permissions",
        }
        if access.manage_subscriptions:
            topic_id = Stack.of(self).get_logical_id(alerts.topic.node.default_child)  # type: ignore[arg-type]
            findings[f"Resource::<{topic_id}>:*"] = (
                "Subscriptions of the alert topic (their ARNs extend the topic's): one per team member"
            )
        for table in (*access.read, *access.write, *access.append):
            table_id = Stack.of(self).get_logical_id(data.tables[table].node.default_child)  # type: ignore[arg-type]
            findings[f"Resource::<{table_id}.Arn>/index/*"] = "Queries on this table's secondary indexes"
        for finding, reason in findings.items():
            Validations.of(role).acknowledge(
                Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]", reason=reason)
            )
        return role

    def _package(self, settings: ServiceSettings, data: Data, alerts: Alerts, events: Events) -> Chalice:
        environment = {
            "KRISENRADAR_STAGE": settings.stage,
            "KRISENRADAR_TABLE_PREFIX": data.table_prefix,
            "KRISENRADAR_ALERT_TOPIC_ARN": alerts.topic.topic_arn,
            "KRISENRADAR_EVENT_BUS_NAME": events.bus.event_bus_name,
            "KRISENRADAR_INGEST_SECRET_NAME": data.ingest_secret_name,
            "KRISENRADAR_LINK_SECRET_NAME": data.link_secret_name,
            "KRISENRADAR_PLAYBOOKS_DIR": PACKAGED_PLAYBOOKS_DIR,
            "KRISENRADAR_MENTION_RETENTION_DAYS": str(settings.mention_retention_days),
            "KRISENRADAR_OUTBOX_RETENTION_DAYS": str(settings.outbox_retention_days),
            "KRISENRADAR_INCIDENT_PERSONAL_DATA_DAYS": str(settings.incident_personal_data_days),
            "POWERTOOLS_SERVICE_NAME": "krisenradar",
            "POWERTOOLS_METRICS_NAMESPACE": "Krisenradar",
            # Traces keep timings, never response bodies (mention texts, handles, phone numbers)
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        }
        if settings.public_url:
            environment["KRISENRADAR_PUBLIC_URL"] = settings.public_url
        if settings.oidc_issuer and settings.oidc_audience:
            environment["KRISENRADAR_OIDC_ISSUER"] = settings.oidc_issuer
            environment["KRISENRADAR_OIDC_AUDIENCE"] = settings.oidc_audience
        if settings.hubspot_token_secret_name:
            environment["KRISENRADAR_HUBSPOT_TOKEN_SECRET_NAME"] = settings.hubspot_token_secret_name
        stage_config = {
            # Each function's own role replaces this default in _wire_functions.
            "manage_iam_role": False,
            "iam_role_arn": self.roles[API_HANDLER].role_arn,
            "autogen_policy": False,
            # Dependencies go to a layer cached by requirements.txt, so code changes package in seconds.
            "automatic_layer": True,
            "xray": True,
            "api_gateway_endpoint_type": "REGIONAL",
            "environment_variables": environment,
        }
        with isolated_packaging(settings.build_dir, settings.region):
            # The construct names the Chalice stage after its scope's path (`krisenradar-dev/Service`).
            project = stage_project(
                settings.project_root,
                settings.build_dir,
                chalice_stage=self.node.path,
                config_stage=settings.stage,
            )
            chalice = Chalice(self, "Chalice", source_dir=str(project), stage_config=stage_config)
            _check_functions_known(settings.build_dir)
            check_layer_complete(settings.build_dir)
        return chalice

    def _wire_functions(self, settings: ServiceSettings) -> None:
        # Chalice derives the layer name from its stage (the construct path, with a slash): name it here.
        layer = self.chalice.get_resource("ManagedLayer")
        layer.add_property_override("LayerName", f"krisenradar-{settings.stage}-dependencies")
        api = self.chalice.get_resource("RestAPI")
        api.add_property_override("TracingEnabled", True)
        # Chalice names the API after the app in both stages; API Gateway's metrics are keyed by that name
        # (dimension ApiName), so dev and prod in one account would share one 5XX alarm. Name and title
        # agree, whichever of the two API Gateway keeps when it imports the definition.
        api.add_property_override("Name", self.api_name)
        api.add_property_override("DefinitionBody.info.title", self.api_name)
        self._throttle_and_log(api, settings)
        # In the definition (not as separate resources), so that a change makes a new deployment.
        api.add_property_override(
            "DefinitionBody.x-amazon-apigateway-gateway-responses", gateway_responses(settings.stage)
        )
        # Links in alerts point at the API unless a public URL (custom domain) is configured. Only the jobs
        # get the fallback: the API handler referencing its own API would be a circular dependency.
        fallback_url = Fn.sub(
            "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api", {"Api": api.ref}
        )
        for name, role in self.roles.items():
            function = self.chalice.get_resource(logical_id(name))
            function.add_property_override("FunctionName", self.function_names[name])
            function.add_property_override("Role", role.role_arn)
            function.add_property_override(
                "LoggingConfig", {"LogGroup": self.log_groups[name].log_group_name}
            )
            default_policy = role.node.try_find_child("DefaultPolicy")
            if default_policy is not None:
                # Lambda checks the role may send to the failure destination when the function is created.
                function.add_resource_dependency(default_policy.node.default_child)
            self._wire_work_queues(name, function)
            if name in UNTRACED:
                function.add_property_override("Tracing", "PassThrough")
            if name not in JOBS:
                continue
            if not settings.public_url:
                function.add_property_override("Environment.Variables.KRISENRADAR_PUBLIC_URL", fallback_url)
            # A job runs every minute: the next run is the retry, and a failed run is recorded in the queue.
            function.add_property_override(
                "EventInvokeConfig",
                {
                    "MaximumRetryAttempts": 0,
                    "DestinationConfig": {
                        "OnFailure": {"Type": "SQS", "Destination": self.job_failures.queue_arn}
                    },
                },
            )

    def _wire_work_queues(self, name: str, function: Any) -> None:
        """A schedule learns its queue's URL; a worker gets the real queue as its event source (the app
        names a placeholder) and reports which messages of a batch failed, so only those come back."""
        access = FUNCTION_ACCESS[name]
        if access.sends_units:
            setting, _ = WORK_QUEUES[access.sends_units]
            queue, _ = self.work_queues[access.sends_units]
            function.add_property_override(f"Environment.Variables.{setting}", queue.queue_url)
        if access.consumes_units:
            queue, _ = self.work_queues[access.consumes_units]
            event = f"Events.{logical_id(name)}SqsEventSource.Properties"
            function.add_property_override(f"{event}.Queue", queue.queue_arn)
            function.add_property_override(f"{event}.FunctionResponseTypes", ["ReportBatchItemFailures"])

    def _throttle_and_log(self, api: Any, settings: ServiceSettings) -> None:
        """Every method throttled; one JSON access log line per request, without personal data. API
        Gateway writes logs through the account's CloudWatch role, which the stack sets."""
        self.access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            log_group_name=f"/aws/apigateway/{self.api_name}/access",
            retention=settings.log_retention,
            removal_policy=RemovalPolicy.RETAIN if settings.stage == "prod" else RemovalPolicy.DESTROY,
        )
        api.add_property_override(
            "AccessLogSetting",
            {"DestinationArn": self.access_logs.log_group_arn, "Format": json.dumps(ACCESS_LOG_FORMAT)},
        )
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": API_RATE_LIMIT,
                    "ThrottlingBurstLimit": API_BURST_LIMIT,
                    "MetricsEnabled": True,
                    "LoggingLevel": "OFF",  # execution logs would carry request bodies
                }
            ],
        )
        logs_role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="Lets API Gateway write the access logs (account setting of this region)",
            inline_policies={
                "write-logs": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=[
                                "logs:CreateLogGroup",
                                "logs:CreateLogStream",
                                "logs:DescribeLogGroups",
                                "logs:DescribeLogStreams",
                                "logs:PutLogEvents",
                                "logs:GetLogEvents",
                                "logs:FilterLogEvents",
                            ],
                            resources=["*"],
                        )
                    ]
                )
            },
        )
        Validations.of(logs_role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="API Gateway's account-wide logging role writes to the log groups of every API in "
                "the region; AWS documents exactly these actions on all resources",
            )
        )
        account = apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=logs_role.role_arn)
        api.add_resource_dependency(account)


def gateway_responses(stage: str) -> dict[str, dict[str, Any]]:
    """API Gateway's own errors (unknown route, throttling, its failures) in the API's error shape, with
    its security headers, and without the request's headers that its default bodies quote."""
    headers = {"Cache-Control": "no-store", **security_headers(stage)}
    # Static values are single-quoted; API Gateway takes the outer quotes off (the CSP keeps its own).
    parameters = {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in headers.items()}
    responses: dict[str, dict[str, Any]] = {}
    for response_type, error in GATEWAY_ERRORS.items():
        response: dict[str, Any] = {
            "responseParameters": parameters,
            "responseTemplates": {"application/json": error_body(error, "$context.requestId")},
        }
        if error.status is not None:
            response["statusCode"] = str(error.status)
        responses[response_type] = response
    return responses


def _check_functions_known(build_dir: Path) -> None:
    """Fail the synth loudly when the app gains a function that has no role here."""
    packaged = next((build_dir / "chalice.out").glob("*.sam_with_assets.json"))
    resources = json.loads(packaged.read_text(encoding="utf-8"))["Resources"]
    functions = {key for key, value in resources.items() if value["Type"] == "AWS::Serverless::Function"}
    known = {logical_id(name) for name in FUNCTION_ACCESS}
    if functions != known:
        raise ValueError(
            "the Chalice app's functions differ from infra/service.py FUNCTION_ACCESS: "
            f"unknown {sorted(functions - known)}, missing {sorted(known - functions)}"
        )


def _grant(role: iam.Role, access: Access, data: Data, alerts: Alerts) -> None:
    """The data, topic and secrets one function may touch, and nothing more. No function may Scan (no
    Scan on any path); the audit log is only ever appended to."""
    for tables, actions in (
        (access.read, READ_ACTIONS),
        (access.write, WRITE_ACTIONS),
        (access.append, APPEND_ACTIONS),
    ):
        for table in tables:
            data.tables[table].grant(role, *actions)  # the table and its indexes
    if access.publish_alerts:
        alerts.topic.grant_publish(role)
    if access.ingest_secret:
        data.ingest_secret.grant_read(role)
    if access.link_secret:
        data.link_secret.grant_read(role)
    if access.manage_subscriptions:
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sns:Subscribe", "sns:ListSubscriptionsByTopic"], resources=[alerts.topic.topic_arn]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"],
                resources=[f"{alerts.topic.topic_arn}:*"],
            )
        )
