"""Sign in through a real OpenID Provider (panva's oidc-provider) with a real HTTP client.

The app runs under uvicorn; httpx2 plays the browser: the sign-in POST, the provider's own
login and consent forms, the callback, then the seed's ``/profile`` page and the session.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx2
import pytest

from authsession.providers import oauth as oauth_provider
from oidc_provider import MakeProvider, OpenIDProvider

from .app import (
    MUST_LOG_IN,
    Format,
    LiveServer,
    UserAgent,
    build_app,
    build_options,
    listening_socket,
    origin_of,
    query_of,
    redirect_uris,
)

pytestmark = pytest.mark.node


def cookie_names(format: Format) -> dict[str, str]:
    stem = "next-auth" if format == "v4" else "authjs"
    return {
        "state": f"{stem}.state",
        "pkce": f"{stem}.pkce.code_verifier",
        "nonce": f"{stem}.nonce",
        "session": f"{stem}.session-token",
    }


def set_cookies(response: httpx2.Response) -> dict[str, SimpleCookie]:
    """The response's ``Set-Cookie`` headers, parsed, by cookie name."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name in parsed:
            found[name] = parsed
    return found


@pytest.mark.parametrize("provider_id", ["local", "local-public"])
def test_sign_in_lands_on_the_callback_url_with_a_session(
    agent: UserAgent, site: LiveServer, op: OpenIDProvider, format: Format, provider_id: str
) -> None:
    names = cookie_names(format)
    assert MUST_LOG_IN in agent.request("GET", "/profile").text

    authorization = agent.start_sign_in(provider_id)
    assert authorization.startswith(f"{op.issuer}/auth?")
    params = query_of(authorization)
    client = op.confidential if provider_id == "local" else op.public
    assert params["client_id"] == client.client_id
    assert params["redirect_uri"] == f"{site.url}/api/auth/callback/{provider_id}"
    assert params["response_type"] == "code"
    assert params["scope"] == "openid profile email"
    assert params["code_challenge_method"] == "S256"
    assert params["state"]
    assert params["nonce"]
    # Auth.js sends an encrypted state (a JWE); next-auth 4 a random string.
    assert params["state"].count(".") == (4 if format == "v5" else 0)
    for check in ("state", "pkce", "nonce"):
        assert agent.cookie(names[check]), f"no {check} cookie after the sign-in POST"

    callback_url = agent.authorize(authorization)
    assert callback_url.startswith(f"{site.url}/api/auth/callback/{provider_id}?")
    returned = query_of(callback_url)
    assert returned["state"] == params["state"]
    assert returned["iss"] == op.issuer  # RFC 9207
    assert returned["code"]

    callback = agent.request("GET", callback_url)
    assert callback.status_code == 302, callback.text
    assert callback.headers["location"] == f"{site.url}/profile"
    cookies = set_cookies(callback)
    for check in ("state", "pkce", "nonce"):
        deleted = cookies[names[check]][names[check]]
        assert deleted.value == ""
        assert deleted["max-age"] == "0"
        assert agent.cookie(names[check]) is None
    assert cookies[names["session"]][names["session"]].value

    profile = agent.request("GET", "/profile")
    assert "Welcome, Alice Liddell!" in profile.text
    # NextAuth lower-cases the provider's email.
    assert "Your email is alice@example.com" in profile.text

    session = agent.session()
    assert session["user"]["name"] == "Alice Liddell"
    assert session["user"]["email"] == "alice@example.com"
    assert session["expires"]


def test_a_second_user_gets_their_own_session(site: LiveServer) -> None:
    bob = UserAgent(site.url, login="bob")
    try:
        assert bob.sign_in("local").status_code == 302
        assert bob.session()["user"] == {"name": "Bob Tables", "email": "bob@example.com", "image": None}
    finally:
        bob.close()


def test_sign_out_ends_the_session(agent: UserAgent) -> None:
    agent.sign_in("local")
    assert agent.session()
    response = agent.request("POST", "/api/auth/signout", data={"csrfToken": agent.csrf_token()})
    assert response.status_code == 302
    assert agent.session() in ({}, None)
    assert MUST_LOG_IN in agent.request("GET", "/profile").text


def test_a_rotated_signing_key_is_fetched_from_the_jwks(
    provider_process: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider restarts with a new key: the app's cached JWKS lacks its ``kid``, so the
    app fetches the JWKS again and the next sign-in works."""
    sock = listening_socket()
    process = provider_process(redirect_uris(origin_of(sock)))
    first = process.start()
    site = LiveServer(build_app(build_options("v5", first)), sock).start()
    try:
        before = UserAgent(site.url)
        assert before.sign_in("local").headers["location"] == f"{site.url}/profile"
        before.close()

        process.stop()
        second = process.start(port=first.port)
        assert second.issuer == first.issuer
        assert second.kid != first.kid
        # The app refetches at most every few seconds; no need to wait that long here.
        monkeypatch.setattr(oauth_provider, "_JWKS_REFETCH_AFTER", 0.0)

        after = UserAgent(site.url)
        assert after.sign_in("local").headers["location"] == f"{site.url}/profile"
        assert "Welcome, Alice Liddell!" in after.request("GET", "/profile").text
        after.close()
    finally:
        site.stop()
