"""Secrets from AWS Secrets Manager through Powertools Parameters, cached briefly in the function."""

from __future__ import annotations

from chalicelib.domain.errors import AppError

_MAX_AGE_SECONDS = 300


class ManagedSecrets:
    def __init__(self, ingest_secret_id: str) -> None:
        self._ingest_secret_id = ingest_secret_id

    def ingest_secret(self) -> bytes:
        from aws_lambda_powertools.utilities import parameters

        try:
            value = parameters.get_secret(self._ingest_secret_id, max_age=_MAX_AGE_SECONDS)
        except parameters.exceptions.GetParameterError as error:
            raise AppError(
                "the ingest secret is not configured", [{"secret": self._ingest_secret_id}]
            ) from error
        if not value:
            raise AppError("the ingest secret is empty", [{"secret": self._ingest_secret_id}])
        return value.encode() if isinstance(value, str) else bytes(value)
