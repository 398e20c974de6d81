"""Sign-in for people through the company's identity provider: Cognito (CDK creates a user pool), or
Entra ID / any OpenID Connect provider. The API checks the ID token itself (signature against the
provider's published keys, issuer, audience, expiry), so API keys keep working beside it."""

from __future__ import annotations

from typing import Any

import jwt

from chalicelib.domain.errors import Unauthorized

_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]
_LEEWAY_SECONDS = 30


class OidcVerifier:
    def __init__(self, *, issuer: str, audience: str, jwks_url: str) -> None:
        self._issuer = issuer
        self._audience = audience
        # The provider's keys are fetched once and kept (refetched when a token names an unknown key).
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=_ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWKClientConnectionError as error:
            raise Unauthorized(
                "the sign-in could not be checked right now", [{"header": "Authorization", "message": "jwks"}]
            ) from error
        except (jwt.PyJWTError, jwt.PyJWKClientError) as error:
            raise Unauthorized(
                "the sign-in token is not valid",
                [{"header": "Authorization", "message": type(error).__name__}],
            ) from error
        return claims
