"""``refresh_access_token`` against the real oidc-provider's refresh token grant.

The provider issues refresh tokens (``offline_access`` with ``prompt=consent``) and access
tokens that live :data:`ACCESS_TOKEN_TTL` seconds (``OIDC_ACCESS_TOKEN_TTL``). The app's
``jwt`` callback is the documented one: it stores the account's tokens at sign-in, then calls
the helper with the app's clock. Moving that clock past ``expires_at`` makes the next session
read refresh through the provider; the new access token must open the provider's userinfo.
The confidential client (``client_secret_basic``) keeps its refresh token, the public one
(``none``) gets a rotated one, as the provider's default policy says.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest

from authsession import jwt
from authsession.providers import OIDC, REFRESH_ACCESS_TOKEN_ERROR, EndpointConfig, OAuthProvider, refresh_access_token
from helpers import FakeClock
from oidc_provider import OpenIDProvider, ProviderProcess

from .app import (
    SECRET,
    Format,
    LiveServer,
    UserAgent,
    build_app,
    build_options,
    listening_socket,
    origin_of,
)

pytestmark = pytest.mark.node

ACCESS_TOKEN_TTL = 120
LEEWAY = 60
PROVIDER_IDS = ("local", "local-public")
OFFLINE: EndpointConfig = {"params": {"scope": "openid profile email offline_access", "prompt": "consent"}}


def refreshing_providers(op: OpenIDProvider) -> dict[str, OAuthProvider]:
    return {
        "local": OIDC(
            id="local",
            name="Local OIDC",
            issuer=op.issuer,
            client_id=op.confidential.client_id,
            client_secret=op.confidential.client_secret,
            authorization=OFFLINE,
        ),
        "local-public": OIDC(
            id="local-public",
            name="Local OIDC (public client)",
            issuer=op.issuer,
            client_id=op.public.client_id,
            client_auth_method="none",
            authorization=OFFLINE,
        ),
    }


@dataclass
class RefreshStack:
    op: OpenIDProvider
    providers: dict[str, OAuthProvider]
    sites: dict[Format, LiveServer]
    clock: FakeClock


@pytest.fixture(scope="module")
def refresh_stack(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RefreshStack]:
    """A provider with short-lived access tokens, and one app per format whose clock tests move."""
    formats: tuple[Format, ...] = ("v4", "v5")
    sockets = {format: listening_socket() for format in formats}
    uris = [f"{origin_of(sock)}/api/auth/callback/{pid}" for sock in sockets.values() for pid in PROVIDER_IDS]
    log = tmp_path_factory.mktemp("oidc-refresh") / "provider.log"
    process = ProviderProcess(oidc_node, uris, log, env={"OIDC_ACCESS_TOKEN_TTL": str(ACCESS_TOKEN_TTL)})
    clock = FakeClock(time.time())
    sites: dict[Format, LiveServer] = {}
    try:
        op = process.start()
        providers = refreshing_providers(op)

        # The jwt callback of the refresh_access_token docstring, with the app's clock.
        async def jwt_callback(token: dict[str, Any], account: dict[str, Any] | None = None) -> dict[str, Any]:
            if account:
                return {
                    **token,
                    "provider": account["provider"],
                    "access_token": account["access_token"],
                    "expires_at": account["expires_at"],
                    "refresh_token": account.get("refresh_token"),
                }
            provider = providers[token["provider"]]
            return await refresh_access_token(provider, token, now=clock(), leeway=LEEWAY)

        def session_callback(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
            if token.get("error"):
                session["error"] = token["error"]
            return session

        for format, sock in sockets.items():
            options = build_options(
                format,
                op,
                providers=list(providers.values()),
                callbacks={"jwt": jwt_callback, "session": session_callback},
                clock=clock,
            )
            sites[format] = LiveServer(build_app(options), sock).start()
        yield RefreshStack(op, providers, sites, clock)
    finally:
        for site in sites.values():
            site.stop()
        process.stop()
        for sock in sockets.values():
            sock.close()


def session_claims(agent: UserAgent, format: Format) -> dict[str, Any]:
    """The decrypted session token in the agent's cookie jar."""
    name = "next-auth.session-token" if format == "v4" else "authjs.session-token"
    claims = jwt.decode(token=agent.cookie(name), secret=SECRET, format=format)
    assert claims is not None
    return claims


def userinfo(op: OpenIDProvider, access_token: str) -> httpx2.Response:
    endpoint = httpx2.get(f"{op.issuer}/.well-known/openid-configuration").json()["userinfo_endpoint"]
    return httpx2.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})


@pytest.mark.parametrize("provider_id", PROVIDER_IDS)
async def test_an_expired_access_token_is_refreshed_by_the_provider(
    refresh_stack: RefreshStack, format: Format, provider_id: str
) -> None:
    stack = refresh_stack
    stack.clock.now = time.time()  # the ID token is checked against the real time at sign-in
    agent = UserAgent(stack.sites[format].url)
    try:
        landed = agent.sign_in(provider_id)
        assert landed.status_code == 302
        assert landed.headers["location"].endswith("/profile")
        first = session_claims(agent, format)
        assert first["expires_at"] == int(stack.clock.now) + ACCESS_TOKEN_TTL
        assert first["refresh_token"]  # offline_access with prompt=consent: the provider issued one
        assert userinfo(stack.op, first["access_token"]).status_code == 200

        # Still fresh: a session read keeps the token as it is.
        stack.clock.advance(ACCESS_TOKEN_TTL - LEEWAY - 1)
        assert "error" not in agent.session()
        assert session_claims(agent, format)["access_token"] == first["access_token"]

        # Inside the leeway: the next read refreshes through the provider's token endpoint.
        stack.clock.advance(2)
        session = agent.session()
        assert session["user"]["name"] == "Alice Liddell"
        assert "error" not in session
        second = session_claims(agent, format)
        assert second["access_token"] != first["access_token"]
        assert second["expires_at"] == int(stack.clock.now) + ACCESS_TOKEN_TTL
        if provider_id == "local-public":  # the provider rotates a public client's refresh token
            assert second["refresh_token"] != first["refresh_token"]
        else:
            assert second["refresh_token"] == first["refresh_token"]
        info = userinfo(stack.op, second["access_token"])
        assert info.status_code == 200, info.text
        assert info.json()["sub"] == "alice"
        assert "Welcome, Alice Liddell!" in agent.request("GET", "/profile").text
    finally:
        agent.close()


async def test_a_refresh_token_the_provider_refuses_marks_the_session(
    refresh_stack: RefreshStack, format: Format
) -> None:
    stack = refresh_stack
    stack.clock.now = time.time()
    agent = UserAgent(stack.sites[format].url)
    try:
        agent.sign_in("local-public")
        first = session_claims(agent, format)
        stack.clock.advance(ACCESS_TOKEN_TTL)
        assert "error" not in agent.session()
        rotated = session_claims(agent, format)
        assert rotated["refresh_token"] != first["refresh_token"]

        # The spent refresh token again: the provider answers invalid_grant (and revokes the grant).
        replayed = await refresh_access_token(
            stack.providers["local-public"], {**first, "expires_at": 0}, now=stack.clock()
        )
        assert replayed["error"] == REFRESH_ACCESS_TOKEN_ERROR
        assert replayed["access_token"] == first["access_token"]

        # The session's own refresh token went with the grant: its next refresh fails too.
        stack.clock.advance(ACCESS_TOKEN_TTL)
        session = agent.session()
        assert session["error"] == REFRESH_ACCESS_TOKEN_ERROR
        assert session["user"]["name"] == "Alice Liddell"
        assert userinfo(stack.op, rotated["access_token"]).status_code == 401
    finally:
        agent.close()
