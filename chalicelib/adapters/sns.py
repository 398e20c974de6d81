"""SNS notifier: one publish per delivery, addressed to its recipient by the attributes filters use."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.drills import DRILL_PREFIX, is_drill_brand
from chalicelib.domain.errors import DeliveryFailed
from chalicelib.domain.models import Delivery

_SUBJECT_LIMIT = 99
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def ascii_subject(subject: str) -> str:
    """SNS email subjects: printable ASCII, no line breaks, under 100 characters ("[ÜBUNG]" in capitals
    becomes "[UEBUNG]", not "[UeBUNG]")."""
    subject = subject.replace(DRILL_PREFIX, "[UEBUNG]")
    folded = unicodedata.normalize("NFKD", subject.translate(_FOLD)).encode("ascii", "ignore").decode()
    printable = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in folded).strip()
    return printable[:_SUBJECT_LIMIT] or "Krisenradar"


def attributes(delivery: Delivery) -> dict[str, Any]:
    """What the subscriptions filter on: each hears what is addressed to it (domain/routing.py); `drill`
    ("true" for an exercise, else "false") lets integrations leave drills out."""
    return {
        "alert_id": {"DataType": "String", "StringValue": delivery.alert_id},
        "channel": {"DataType": "String", "StringValue": delivery.channel},
        "recipient": {"DataType": "String", "StringValue": delivery.recipient},
        "severity": {"DataType": "String", "StringValue": delivery.severity.label},
        "brand": {"DataType": "String", "StringValue": delivery.brand},
        "event_type": {"DataType": "String", "StringValue": delivery.event_type},
        "escalation_level": {"DataType": "Number", "StringValue": str(delivery.escalation_level)},
        "drill": {"DataType": "String", "StringValue": "true" if is_drill_brand(delivery.brand) else "false"},
    }


def structured_body(delivery: Delivery) -> str:
    """The one recipient's text for every protocol (SMS, email, SQS/HTTPS for integrations)."""
    return json.dumps(
        {"default": delivery.body, "sms": delivery.body, "email": delivery.body}, ensure_ascii=False
    )


class SnsNotifier:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, delivery: Delivery) -> str:
        try:
            response = self._client.publish(
                TopicArn=self._topic_arn,
                Message=structured_body(delivery),
                MessageStructure="json",
                Subject=ascii_subject(delivery.subject),
                MessageAttributes=attributes(delivery),
            )
        except (ClientError, BotoCoreError) as error:
            raise DeliveryFailed("SNS did not accept the alert", [{"cause": str(error)[:300]}]) from error
        return str(response["MessageId"])
