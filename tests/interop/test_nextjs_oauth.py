"""A session made by an OAuth sign-in opens the other side: Python to Next.js and the reverse.

Three real servers: the oidc-provider, ``next start`` serving ``tests/node/nextjs`` with
next-auth 4's generic OAuth provider on (``wellKnown``, ``idToken: true``, PKCE and state) and
authsession's app under uvicorn, with the OIDC provider ``local`` and the v4 format. Both apps
run on 127.0.0.1, so one cookie jar carries the session between them, as a browser would
between two ports of one host. The user signs in through the provider's own login and consent
pages on one side, and the other side's ``/profile`` must greet them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from authsession import jwt
from authsession.providers import OIDC
from oauth.app import LiveServer, UserAgent, build_app, build_options

from .peers import LOGGED_OUT, SECRET, WELCOME, OIDCInterop, page, signed_in_through

pytestmark = pytest.mark.node

SESSION_COOKIE = "next-auth.session-token"


@pytest.fixture(scope="module")
def python_app(nextjs_oidc: OIDCInterop) -> Iterator[str]:
    """authsession's app (v4, the interop secret) on the socket the provider knows; its URL."""
    op = nextjs_oidc.op
    provider = OIDC(
        id="local",
        name="Local OIDC",
        issuer=op.issuer,
        client_id=op.confidential.client_id,
        client_secret=op.confidential.client_secret,
    )
    options = build_options("v4", op, secret=SECRET, providers=[provider])
    site = LiveServer(build_app(options), nextjs_oidc.python_socket).start()
    try:
        yield site.url
    finally:
        site.stop()


@pytest.fixture
def browser(nextjs_oidc: OIDCInterop) -> Iterator[UserAgent]:
    """One cookie jar for both apps; relative URLs go to Next.js."""
    agent = UserAgent(nextjs_oidc.nextjs_url)
    yield agent
    agent.close()


def test_a_python_oauth_session_opens_the_nextjs_profile(
    browser: UserAgent, python_app: str, nextjs_oidc: OIDCInterop
) -> None:
    assert LOGGED_OUT in page(browser, f"{nextjs_oidc.nextjs_url}/profile")
    signed_in_through(browser, python_app)

    html = page(browser, f"{nextjs_oidc.nextjs_url}/profile")
    assert WELCOME in html
    assert "Your email is alice@example.com" in html
    session = browser.request("GET", f"{nextjs_oidc.nextjs_url}/api/auth/session").json()
    # The provider has no picture: null, as for a user next-auth signed in itself.
    assert session["user"] == {"name": "Alice Liddell", "email": "alice@example.com", "image": None}


def test_a_nextjs_oauth_session_opens_the_python_profile(
    browser: UserAgent, python_app: str, nextjs_oidc: OIDCInterop
) -> None:
    assert LOGGED_OUT in page(browser, f"{python_app}/profile")
    signed_in_through(browser, nextjs_oidc.nextjs_url)

    # next-auth 4 made this token: its claims are the OAuth user's, under the v4 salt.
    claims = jwt.decode(token=browser.cookie(SESSION_COOKIE), secret=SECRET, format="v4")
    assert claims is not None
    assert (claims["sub"], claims["name"], claims["email"]) == ("alice", "Alice Liddell", "alice@example.com")

    html = page(browser, f"{python_app}/profile")
    assert WELCOME in html
    assert "Your email is alice@example.com" in html
    session = browser.request("GET", f"{python_app}/api/auth/session").json()
    assert session["user"]["name"] == "Alice Liddell"
    assert session["user"]["email"] == "alice@example.com"
