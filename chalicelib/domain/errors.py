"""One error family for the whole application, mapped to HTTP once at the edge (api/errors.py)."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base of every error the application raises on purpose."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else []


class InvalidInput(AppError):
    code = "invalid_input"
    status = 400


class Unprocessable(InvalidInput):
    """Well-formed input that names something unknown or out of range: 422, with field-level details
    and the same code as any invalid input."""

    status = 422


class Unauthorized(AppError):
    code = "unauthorized"
    status = 401


class Forbidden(AppError):
    code = "forbidden"
    status = 403


class NotFound(AppError):
    code = "not_found"
    status = 404


class Conflict(AppError):
    code = "conflict"
    status = 409


class PayloadTooLarge(AppError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(AppError):
    code = "unsupported_media_type"
    status = 415


class SourceUnavailable(AppError):
    """A platform or feed could not be read; the collector logs it and carries on."""

    code = "source_unavailable"
    status = 502


class RateLimited(SourceUnavailable):
    """The platform answered 429: the collector stops the source for this run, keeps its cursor and
    skips it until `retry_after` seconds have passed (None: the platform did not say)."""

    code = "source_rate_limited"

    def __init__(self, message: str, details: Any = None, *, retry_after: float | None = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class SourceMisconfigured(SourceUnavailable):
    """The platform refused the credentials (401/403), or they are missing: someone must fix the
    setup, so the collector counts it apart and tries again only at the source's next poll."""

    code = "source_misconfigured"


class DeliveryFailed(AppError):
    """A notification was not accepted; the outbox keeps it and retries."""

    code = "delivery_failed"
    status = 502


class DeliveryRejected(DeliveryFailed):
    """The receiver refused it for good (a 4xx other than 408 and 429): recorded, not retried."""

    code = "delivery_rejected"


class JobFailed(AppError):
    """Every unit of a scheduled job failed: raised so that Lambda retries and the failure queue see it."""

    code = "job_failed"
    status = 500


class NotConfigured(AppError):
    """A feature the request needs is not set up on this installation (e.g. no CRM): 409, not a 500."""

    code = "not_configured"
    status = 409
