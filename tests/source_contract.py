"""The fault behaviours every platform source shares, as one test suite each adapter plugs into.

    class TestXContract(SourceContract):
        secret_name = "x"
        credentials = {"bearer_token": "AAAA-contract"}
        path = SEARCH_PATH

        def make_source(self, fake, secrets):
            return XSource(config(fake), BRAND, httpx.Client(), secrets, sleep=lambda _: None)

The suite serves the faults on `path` of the `fake_platform` and checks what the collector relies on:
refused credentials are SourceMisconfigured and not retried blindly, missing credentials fail before
any request, 429 is RateLimited with the platform's wait, 5xx and timeouts are retried and then
SourceUnavailable, a body that is not JSON or not of the documented shape is SourceUnavailable, no
error carries a credential, and no credential travels in a query string (unless the platform wants it
there: `credentials_in_query = True`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest

from chalicelib.domain.errors import AppError, RateLimited, SourceMisconfigured, SourceUnavailable
from chalicelib.ports import Source
from tests.fakes import StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply

NOW_FOR_CONTRACT = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)


class SourceContract:
    secret_name: ClassVar[str]
    credentials: ClassVar[dict[str, str]]
    path: ClassVar[str]
    method: ClassVar[str] = "GET"
    # A session-based platform may renew its session once before it gives up (Bluesky).
    max_calls_on_refusal: ClassVar[int] = 1
    # Graph API-style platforms take the token as a query parameter; everyone else must not.
    credentials_in_query: ClassVar[bool] = False

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        raise NotImplementedError

    def serve_sign_in(self, fake: FakePlatform) -> None:
        """Routes a platform needs before `path` answers (a session); none by default."""

    def _source(self, fake: FakePlatform, credentials: dict[str, str] | None = None) -> Source:
        self.serve_sign_in(fake)
        chosen = self.credentials if credentials is None else credentials
        return self.make_source(fake, StaticSourceSecrets({self.secret_name: chosen}))

    def _fails(self, fake: FakePlatform, reply: Reply, error: type[AppError]) -> AppError:
        fake.route(self.method, self.path, reply)
        with pytest.raises(error) as caught:
            self._source(fake).fetch(None, NOW_FOR_CONTRACT)
        self._no_credentials_in(caught.value)
        return caught.value

    def _no_credentials_in(self, error: AppError) -> None:
        text = f"{error.message} {error.details!r}"
        for value in self.credentials.values():
            assert value not in text

    @pytest.mark.parametrize("status", [401, 403])
    def test_refused_credentials_are_a_configuration_error(
        self, fake_platform: FakePlatform, status: int
    ) -> None:
        self._fails(fake_platform, Reply(status, json={"error": "Unauthorized"}), SourceMisconfigured)
        assert 1 <= len(fake_platform.calls(self.path)) <= self.max_calls_on_refusal

    def test_missing_credentials_fail_before_any_request(self, fake_platform: FakePlatform) -> None:
        with pytest.raises(SourceMisconfigured):
            self.make_source(fake_platform, StaticSourceSecrets({})).fetch(None, NOW_FOR_CONTRACT)
        assert fake_platform.requests == []

    def test_a_rate_limit_carries_the_platforms_wait(self, fake_platform: FakePlatform) -> None:
        error = self._fails(fake_platform, Reply(429, json={}, headers={"Retry-After": "90"}), RateLimited)
        assert isinstance(error, RateLimited) and error.retry_after == 90.0
        assert len(fake_platform.calls(self.path)) == 1

    def test_server_errors_are_retried_then_unavailable(self, fake_platform: FakePlatform) -> None:
        error = self._fails(fake_platform, Reply(503, json={}), SourceUnavailable)
        assert type(error) is SourceUnavailable and len(fake_platform.calls(self.path)) >= 2

    def test_a_body_that_is_not_json_is_unavailable(self, fake_platform: FakePlatform) -> None:
        error = self._fails(fake_platform, Reply(body="<html>Bad gateway</html>"), SourceUnavailable)
        assert type(error) is SourceUnavailable

    def test_a_json_body_of_another_shape_is_unavailable(self, fake_platform: FakePlatform) -> None:
        error = self._fails(
            fake_platform, Reply(json=["not", "the", "documented", "object"]), SourceUnavailable
        )
        assert type(error) is SourceUnavailable

    def test_credentials_go_only_where_the_platform_expects_them(self, fake_platform: FakePlatform) -> None:
        if self.credentials_in_query:
            pytest.skip("this platform takes its token in the query")
        fake_platform.route(self.method, self.path, Reply(503, json={}))
        with pytest.raises(SourceUnavailable):
            self._source(fake_platform).fetch(None, NOW_FOR_CONTRACT)
        for request in fake_platform.calls(self.path):
            query = repr(request.query)
            assert all(value not in query for value in self.credentials.values())
