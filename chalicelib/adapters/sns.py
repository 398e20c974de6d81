"""SNS notifier: one publish per alert, per-protocol texts, and the attributes the filters route on."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import DeliveryFailed
from chalicelib.domain.models import AlertMessage

_SUBJECT_LIMIT = 99
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def ascii_subject(subject: str) -> str:
    """SNS email subjects: printable ASCII, no line breaks, under 100 characters."""
    folded = unicodedata.normalize("NFKD", subject.translate(_FOLD)).encode("ascii", "ignore").decode()
    printable = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in folded).strip()
    return printable[:_SUBJECT_LIMIT] or "Krisenradar"


def attributes(message: AlertMessage, escalation_level: int) -> dict[str, Any]:
    return {
        "severity": {"DataType": "String", "StringValue": message.severity.label},
        "brand": {"DataType": "String", "StringValue": message.brand},
        "event_type": {"DataType": "String", "StringValue": message.event_type},
        "escalation_level": {"DataType": "Number", "StringValue": str(escalation_level)},
    }


def structured_body(message: AlertMessage, escalation_level: int) -> str:
    """`default` is a JSON document for integrations (SQS, HTTPS, CRM); sms and email get their texts."""
    default = {
        "alert_id": message.alert_id,
        "incident_id": message.incident_id,
        "brand": message.brand,
        "event_type": message.event_type,
        "severity": message.severity.label,
        "escalation_level": escalation_level,
        "subject": message.subject,
        "sms": message.sms,
        "email": message.email,
    }
    return json.dumps(
        {"default": json.dumps(default, ensure_ascii=False), "sms": message.sms, "email": message.email},
        ensure_ascii=False,
    )


class SnsNotifier:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, message: AlertMessage, escalation_level: int) -> str:
        try:
            response = self._client.publish(
                TopicArn=self._topic_arn,
                Message=structured_body(message, escalation_level),
                MessageStructure="json",
                Subject=ascii_subject(message.subject),
                MessageAttributes=attributes(message, escalation_level),
            )
        except (ClientError, BotoCoreError) as error:
            raise DeliveryFailed("SNS did not accept the alert", [{"cause": str(error)[:300]}]) from error
        return str(response["MessageId"])
