"""Secrets from AWS Secrets Manager through Powertools Parameters, cached briefly in the function."""

from __future__ import annotations

from chalicelib.domain.errors import AppError

_MAX_AGE_SECONDS = 300


class ManagedSecrets:
    def __init__(self, ingest_secret_id: str, link_secret_id: str) -> None:
        self._ingest_secret_id = ingest_secret_id
        self._link_secret_id = link_secret_id

    def ingest_secret(self) -> bytes:
        return _secret(self._ingest_secret_id, "the ingest secret")

    def link_secret(self) -> bytes:
        return _secret(self._link_secret_id, "the link-signing secret")


def _secret(secret_id: str, what: str) -> bytes:
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_secret(secret_id, max_age=_MAX_AGE_SECONDS)
    except parameters.exceptions.GetParameterError as error:
        raise AppError(f"{what} is not configured", [{"secret": secret_id}]) from error
    if not value:
        raise AppError(f"{what} is empty", [{"secret": secret_id}])
    return value.encode() if isinstance(value, str) else bytes(value)


def secret_text(secret_id: str) -> str:
    """A secret's text (e.g. a chat webhook URL), cached like the others; never logged."""
    return _secret(secret_id, "an integration secret").decode()
