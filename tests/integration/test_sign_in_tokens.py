"""People sign in at the company's identity provider (Cognito, Entra ID): the API checks their ID
token against the provider's published keys, served here by a local JWKS endpoint, with tokens
signed by a key made for the test. API keys keep working beside it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import deps
from chalicelib.local.emulator import free_port
from tests.conftest import bearer

pytestmark = pytest.mark.integration

AUDIENCE = "krisenradar-test-client"


class Provider:
    """A local OpenID provider: one signing key, its JWKS on loopback."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = json.dumps(
            {"keys": [{**public, "kid": "test-key", "use": "sig", "alg": "RS256"}]}
        ).encode()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(provider.jwks)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}/pool"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": AUDIENCE, "sub": "u-123", "iat": now, "exp": now + 600, **claims}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "test-key"})


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    running = Provider()
    yield running
    running.server.shutdown()


@pytest.fixture
def signed_in_api(container: Any, provider: Provider) -> Iterator[Any]:
    from chalice.test import Client

    import app as chalice_app

    settings = container.settings.model_copy(
        update={"oidc_issuer": provider.issuer, "oidc_audience": AUDIENCE}
    )
    deps.override(deps.Container(settings, clock=container.clock))
    with Client(chalice_app.app) as client:
        yield client
    deps.override(container)


def _status(api: Any, method: str, path: str, token: str) -> int:
    response = getattr(api.http, method)(
        path, headers={**bearer(token), "Content-Type": "application/json"}, body=b"{}"
    )
    return int(response.status_code)


def test_a_team_member_signed_in_at_the_provider_acts_with_their_role(
    signed_in_api: Any, provider: Provider
) -> None:
    # Jonas (responder in the playbook) signs in with his company email
    jonas = provider.token(email="Jonas.Weber@mueller-hausgeraete.example")
    assert _status(signed_in_api, "get", "/users", jonas) == 200
    assert _status(signed_in_api, "get", "/api-keys", jonas) == 403  # admins only
    # Anna via the claim that names her user id
    anna = provider.token(**{"custom:krisenradar_user": "anna-schmidt"})
    body = json.loads(signed_in_api.http.get("/users/anna-schmidt", headers=bearer(anna)).body)
    assert body["name"] == "Anna Schmidt"


@pytest.mark.parametrize(
    "change",
    [
        {"exp": int(time.time()) - 3600},
        {"aud": "another-app"},
        {"iss": "https://login.example.com/other"},
        {"email": "stranger@example.com"},
    ],
    ids=["expired", "other-audience", "other-issuer", "not-in-the-team"],
)
def test_tokens_that_are_expired_foreign_or_of_strangers_get_401(
    signed_in_api: Any, provider: Provider, change: dict
) -> None:
    token = provider.token(**{"email": "jonas.weber@mueller-hausgeraete.example", **change})
    response = signed_in_api.http.get("/users", headers=bearer(token))
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["code"] == "unauthorized"


def test_a_token_signed_with_another_key_gets_401_and_api_keys_still_work(
    signed_in_api: Any, provider: Provider, keys: dict
) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": provider.issuer,
            "aud": AUDIENCE,
            "sub": "x",
            "iat": now,
            "exp": now + 600,
            "email": "jonas.weber@mueller-hausgeraete.example",
        },
        forger,
        algorithm="RS256",
        headers={"kid": "test-key"},
    )
    assert _status(signed_in_api, "get", "/users", forged) == 401
    assert _status(signed_in_api, "get", "/users", keys["viewer"]) == 200
