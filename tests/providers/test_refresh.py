"""``refresh_access_token``: when it refreshes, what it sends, what it keeps, how it fails.

The provider is an ``httpx2.MockTransport``; ``tests/oauth/test_refresh_real.py`` runs the same
helper against the real oidc-provider.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import pytest

from authsession.providers import (
    OIDC,
    REFRESH_ACCESS_TOKEN_ERROR,
    Credentials,
    OAuth,
    OAuthProvider,
    refresh_access_token,
)
from authsession.providers import oauth as oauth_module

NOW = 1_700_000_000.0
TOKEN_URL = "https://op.example/token"
OLD_ACCESS = "old-access-token-value"
OLD_REFRESH = "old-refresh-token-value"
NEW_ACCESS = "new-access-token-value"
NEW_REFRESH = "new-refresh-token-value"


@dataclass
class FakeProvider:
    """The token endpoint (and, for OIDC, discovery) of a provider; records what it was sent."""

    answer: Callable[[httpx2.Request], httpx2.Response]
    requests: list[httpx2.Request] = field(default_factory=list)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.url.path == "/.well-known/openid-configuration":
            return httpx2.Response(200, json={"issuer": "https://op.example", "token_endpoint": TOKEN_URL})
        assert str(request.url) == TOKEN_URL
        return self.answer(request)

    @property
    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self)

    @property
    def token_requests(self) -> list[httpx2.Request]:
        return [r for r in self.requests if str(r.url) == TOKEN_URL]

    def form(self, index: int = -1) -> dict[str, str]:
        return dict(parse_qsl(self.token_requests[index].content.decode()))


def tokens(**body: Any) -> Callable[[httpx2.Request], httpx2.Response]:
    return lambda request: httpx2.Response(200, json=body)


def refreshed(**extra: Any) -> Callable[[httpx2.Request], httpx2.Response]:
    return tokens(access_token=NEW_ACCESS, token_type="Bearer", expires_in=3600, **extra)


def must_not_be_called(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"unexpected request to {request.url}")


def provider(**overrides: Any) -> OAuthProvider:
    params: dict[str, Any] = {
        "id": "example",
        "name": "Example",
        "client_id": "client-id",
        "client_secret": "client-secret",
        "authorization": "https://op.example/authorize",
        "token": TOKEN_URL,
    }
    params.update(overrides)
    return OAuth(**params)


def session_token(expires_at: Any = NOW - 10, **extra: Any) -> dict[str, Any]:
    """A JWT session token as the documented ``jwt`` callback stores it at sign-in."""
    token = {
        "name": "Ada",
        "sub": "user-1",
        "access_token": OLD_ACCESS,
        "expires_at": expires_at,
        "refresh_token": OLD_REFRESH,
    }
    token.update(extra)
    return token


@pytest.fixture(autouse=True)
def fresh_metadata_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oauth_module, "_metadata_cache", {})


async def test_a_fresh_token_comes_back_unchanged_without_a_request() -> None:
    fake = FakeProvider(must_not_be_called)
    token = session_token(expires_at=int(NOW) + 3600)
    assert await refresh_access_token(provider(), token, now=NOW, http_transport=fake.transport) == token
    assert fake.requests == []


async def test_a_token_that_does_not_expire_comes_back_unchanged() -> None:
    fake = FakeProvider(must_not_be_called)
    token = session_token()
    del token["expires_at"]
    assert await refresh_access_token(provider(), token, now=NOW, http_transport=fake.transport) == token


@pytest.mark.parametrize(
    ("expires_in", "leeway", "refreshes"),
    [(30, 60, True), (61, 60, False), (30, 0, False), (0, 0, True), (-10, 0, True)],
)
async def test_the_leeway_refreshes_a_token_before_it_expires(expires_in: int, leeway: int, refreshes: bool) -> None:
    fake = FakeProvider(refreshed())
    token = session_token(expires_at=int(NOW) + expires_in)
    result = await refresh_access_token(provider(), token, now=NOW, leeway=leeway, http_transport=fake.transport)
    assert (result["access_token"] == NEW_ACCESS) is refreshes
    assert len(fake.token_requests) == int(refreshes)


async def test_an_expired_token_is_refreshed_and_keeps_its_other_claims() -> None:
    fake = FakeProvider(refreshed())
    result = await refresh_access_token(provider(), session_token(), now=NOW, http_transport=fake.transport)
    assert result == {
        "name": "Ada",
        "sub": "user-1",
        "access_token": NEW_ACCESS,
        "expires_at": int(NOW) + 3600,
        "refresh_token": OLD_REFRESH,  # not rotated: the old one stays
    }
    assert fake.form() == {"grant_type": "refresh_token", "refresh_token": OLD_REFRESH}
    assert fake.token_requests[0].method == "POST"
    assert fake.token_requests[0].headers["accept"] == "application/json"


async def test_a_rotated_refresh_token_replaces_the_old_one() -> None:
    fake = FakeProvider(refreshed(refresh_token=NEW_REFRESH))
    result = await refresh_access_token(provider(), session_token(), now=NOW, http_transport=fake.transport)
    assert result["refresh_token"] == NEW_REFRESH
    assert result["access_token"] == NEW_ACCESS


@pytest.mark.parametrize("answer", [refreshed(refresh_token=None), refreshed(refresh_token="")])
async def test_an_empty_refresh_token_in_the_answer_keeps_the_old_one(answer: Any) -> None:
    fake = FakeProvider(answer)
    result = await refresh_access_token(provider(), session_token(), now=NOW, http_transport=fake.transport)
    assert result["refresh_token"] == OLD_REFRESH


async def test_a_previous_error_is_cleared_by_a_successful_refresh() -> None:
    fake = FakeProvider(refreshed())
    token = session_token(error=REFRESH_ACCESS_TOKEN_ERROR)
    result = await refresh_access_token(provider(), token, now=NOW, http_transport=fake.transport)
    assert "error" not in result
    assert result["access_token"] == NEW_ACCESS


async def test_an_answer_without_expires_in_drops_expires_at() -> None:
    fake = FakeProvider(tokens(access_token=NEW_ACCESS, token_type="Bearer"))
    result = await refresh_access_token(provider(), session_token(), now=NOW, http_transport=fake.transport)
    assert result["access_token"] == NEW_ACCESS
    assert "expires_at" not in result


async def test_the_input_token_is_not_mutated() -> None:
    fake = FakeProvider(refreshed(refresh_token=NEW_REFRESH))
    token = session_token(error=REFRESH_ACCESS_TOKEN_ERROR)
    before = dict(token)
    await refresh_access_token(provider(), token, now=NOW, http_transport=fake.transport)
    assert token == before


async def test_the_token_endpoint_is_discovered_from_the_issuer() -> None:
    fake = FakeProvider(refreshed())
    oidc = OIDC(id="op", issuer="https://op.example", client_id="client-id", client_secret="client-secret")
    result = await refresh_access_token(oidc, session_token(), now=NOW, http_transport=fake.transport)
    assert result["access_token"] == NEW_ACCESS
    assert [r.url.path for r in fake.requests] == ["/.well-known/openid-configuration", "/token"]


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post", "none"])
async def test_the_client_authenticates_as_configured(method: str) -> None:
    fake = FakeProvider(refreshed())
    secret = None if method == "none" else "s3cret:/+"
    oauth = provider(client_id="id:with/colon", client_secret=secret, client_auth_method=method)
    await refresh_access_token(oauth, session_token(), now=NOW, http_transport=fake.transport)
    request, form = fake.token_requests[0], fake.form()
    assert form["grant_type"] == "refresh_token"
    if method == "client_secret_basic":
        # RFC 6749 §2.3.1: id and secret are form-encoded before base64.
        expected = base64.b64encode(b"id%3Awith%2Fcolon:s3cret%3A%2F%2B").decode()
        assert request.headers["authorization"] == f"Basic {expected}"
        assert "client_id" not in form
        assert "client_secret" not in form
    elif method == "client_secret_post":
        assert "authorization" not in request.headers
        assert form["client_id"] == "id:with/colon"
        assert form["client_secret"] == "s3cret:/+"
    else:
        assert "authorization" not in request.headers
        assert form["client_id"] == "id:with/colon"
        assert "client_secret" not in form


def error_answer(status: int, body: Any) -> Callable[[httpx2.Request], httpx2.Response]:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if isinstance(body, str):
            return httpx2.Response(status, text=body, headers={"content-type": "text/html"})
        return httpx2.Response(status, json=body)

    return answer


def unreachable(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ConnectError("connection refused", request=request)


def read_timeout(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("timed out", request=request)


@pytest.mark.parametrize(
    ("answer", "logged"),
    [
        (
            error_answer(400, {"error": "invalid_grant", "error_description": "grant request is invalid"}),
            "invalid_grant",
        ),
        (error_answer(401, {"error": "invalid_client"}), "invalid_client"),
        (error_answer(200, {"token_type": "Bearer"}), "token endpoint answered 200"),
        (error_answer(502, "<html>Bad gateway</html>"), "token endpoint answered 502"),
        (unreachable, "ConnectError"),
        (read_timeout, "ReadTimeout"),
    ],
    ids=["invalid_grant", "invalid_client", "no-access-token", "html-502", "network-error", "timeout"],
)
async def test_a_failed_refresh_marks_the_token_and_logs_no_token(
    answer: Callable[[httpx2.Request], httpx2.Response], logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeProvider(answer)
    token = session_token()
    with caplog.at_level(logging.WARNING, logger="authsession"):
        result = await refresh_access_token(provider(), token, now=NOW, http_transport=fake.transport)
    assert result == {**token, "error": REFRESH_ACCESS_TOKEN_ERROR}
    assert len(fake.token_requests) == 1
    records = [r for r in caplog.records if r.name == "authsession"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert message.startswith("REFRESH_ACCESS_TOKEN_ERROR for provider 'example'")
    assert logged in message
    for secret in (OLD_ACCESS, OLD_REFRESH, "client-secret"):
        assert secret not in caplog.text


async def test_failed_discovery_marks_the_token(caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(404))
    oidc = OIDC(id="op", issuer="https://op.example", client_id="client-id", client_secret="client-secret")
    with caplog.at_level(logging.WARNING, logger="authsession"):
        result = await refresh_access_token(oidc, session_token(), now=NOW, http_transport=transport)
    assert result["error"] == REFRESH_ACCESS_TOKEN_ERROR
    assert "discovery" in caplog.text


async def test_a_token_without_a_refresh_token_is_marked_without_a_request(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeProvider(must_not_be_called)
    token = session_token(refresh_token=None)
    with caplog.at_level(logging.WARNING, logger="authsession"):
        result = await refresh_access_token(provider(), token, now=NOW, http_transport=fake.transport)
    assert result["error"] == REFRESH_ACCESS_TOKEN_ERROR
    assert "has no refresh_token" in caplog.text


async def test_now_defaults_to_the_real_clock() -> None:
    fake = FakeProvider(refreshed())
    # Expired in 2023 by the real clock: refreshed, and the new expiry is an hour from now.
    result = await refresh_access_token(provider(), session_token(), http_transport=fake.transport)
    assert result["expires_at"] > NOW + 3600


async def test_only_oauth_providers_can_refresh() -> None:
    credentials = Credentials(authorize=lambda credentials: None)
    with pytest.raises(TypeError, match="OAuth or OIDC provider"):
        await refresh_access_token(credentials, session_token(), now=NOW)  # type: ignore[arg-type]
