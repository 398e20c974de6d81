"""Text people read comes from here: why an incident fired (reasons.py) and the alert SMS and email
(alerts.py), in German and English, plain language first, statistics behind a toggle."""

from chalicelib.domain.messages.alerts import (
    SMS_LIMIT,
    compose_alert,
    compose_email,
    compose_sms,
    gsm7_length,
    incident_link,
    integration_document,
    to_gsm7,
)
from chalicelib.domain.messages.reasons import (
    brand_display_name,
    local_time,
    plain_reasons,
    read_reason,
    reason_fields,
    reason_statistics,
    reason_text,
    volume_evidence,
)
from chalicelib.domain.models import Reason

__all__ = [
    "SMS_LIMIT",
    "Reason",
    "brand_display_name",
    "compose_alert",
    "compose_email",
    "compose_sms",
    "gsm7_length",
    "incident_link",
    "integration_document",
    "local_time",
    "plain_reasons",
    "read_reason",
    "reason_fields",
    "reason_statistics",
    "reason_text",
    "to_gsm7",
    "volume_evidence",
]
