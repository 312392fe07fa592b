"""Every way an OAuth/OIDC callback can go wrong ends in NextAuth's error code and no session.

Each case drives the real provider as far as it needs, then breaks one thing: a check
(state, PKCE, nonce, their cookies), the ID token (from the provider's defective token
endpoint, see ``tests/node/oidc/server.mjs``), the code (replayed), the authorization
response (``iss``, ``error``) or the provider id. The expected codes are what next-auth 4.24
and @auth/core 0.41 answer when they drive the same provider through the same cases, with
one deliberate difference: @auth/core does not verify the signature of an ID token from the
token endpoint (oauth4webapi trusts TLS there), so it signs in with an ID token signed by a
stranger's key. We verify it against the JWKS and answer as for any other bad ID token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx2
import pytest

from oidc_provider import OpenIDProvider

from .app import Format, LiveServer, UserAgent, query_of, with_query

pytestmark = pytest.mark.node

Scenario = Callable[[UserAgent, OpenIDProvider, Format], httpx2.Response]

# Where the browser is sent, relative to the site.
V4_OAUTH_CALLBACK = "/api/auth/error?error=OAuthCallback"
V4_CALLBACK = "/api/auth/error?error=Callback"
V5_CONFIGURATION = "/api/auth/error?error=Configuration"
V5_OAUTH_CALLBACK = "/api/auth/signin?error=OAuthCallbackError"
#: next-auth 4 answers a callback for an unknown provider with a plain-text 400.
V4_BAD_REQUEST = 400
V4_OAUTH_SIGNIN = "/api/auth/error?error=OAuthSignin"


def check_cookie(format: Format, check: str) -> str:
    stem = "next-auth" if format == "v4" else "authjs"
    return {"state": f"{stem}.state", "pkce": f"{stem}.pkce.code_verifier", "nonce": f"{stem}.nonce"}[check]


def flip_a_character(jwe: str) -> str:
    """Change one character of a compact JWE's ciphertext, so its tag no longer matches."""
    parts = jwe.split(".")
    assert len(parts) == 5, jwe
    middle = len(parts[3]) // 2
    old = parts[3][middle]
    parts[3] = parts[3][:middle] + ("A" if old != "A" else "B") + parts[3][middle + 1 :]
    return ".".join(parts)


# --- the cases ----------------------------------------------------------------------------------


def wrong_state(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    callback = agent.authorize(agent.start_sign_in("local"))
    return agent.request("GET", with_query(callback, state="a-state-we-never-sent"))


def missing_state(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    callback = agent.authorize(agent.start_sign_in("local"))
    return agent.request("GET", with_query(callback, state=None))


def missing_pkce_cookie(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    callback = agent.authorize(agent.start_sign_in("local"))
    agent.drop_cookie(check_cookie(format, "pkce"))
    return agent.request("GET", callback)


def missing_nonce_cookie(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    callback = agent.authorize(agent.start_sign_in("local"))
    agent.drop_cookie(check_cookie(format, "nonce"))
    return agent.request("GET", callback)


def tampered(check: str) -> Scenario:
    def scenario(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
        callback = agent.authorize(agent.start_sign_in("local"))
        name = check_cookie(format, check)
        value = agent.cookie(name)
        assert value is not None
        agent.set_cookie(name, flip_a_character(value))
        return agent.request("GET", callback)

    return scenario


def nonce_of_another_sign_in(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    """Valid state and PKCE cookies, but the nonce cookie of a second sign-in: the real ID
    token carries the first sign-in's nonce."""
    first = agent.start_sign_in("local")
    kept = {check: agent.cookie(check_cookie(format, check)) for check in ("state", "pkce")}
    agent.start_sign_in("local")
    for check, value in kept.items():
        assert value is not None
        agent.set_cookie(check_cookie(format, check), value)
    return agent.request("GET", agent.authorize(first))


def defective_id_token(defect: str) -> Scenario:
    def scenario(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
        return agent.request("GET", agent.authorize(agent.start_sign_in(f"defect-{defect}")))

    return scenario


def replayed_code(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    """Someone else signs in; their callback URL and check cookies are then sent again."""
    first = UserAgent(agent.app)
    try:
        callback = first.authorize(first.start_sign_in("local"))
        cookies = {check: first.cookie(check_cookie(format, check)) for check in ("state", "pkce", "nonce")}
        assert first.request("GET", callback).headers["location"] == f"{agent.app}/profile"
    finally:
        first.close()
    for check, value in cookies.items():
        assert value is not None
        agent.set_cookie(check_cookie(format, check), value)
    return agent.request("GET", callback)


def user_cancels_at_the_provider(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    callback = agent.authorize(agent.start_sign_in("local"), deny=True)
    assert query_of(callback)["error"] == "access_denied"
    return agent.request("GET", callback)


def crafted_access_denied(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    state = query_of(agent.start_sign_in("local"))["state"]
    query = urlencode({"error": "access_denied", "state": state, "iss": op.issuer})
    return agent.request("GET", f"/api/auth/callback/local?{query}")


def provider_refuses_a_public_client_without_pkce(
    agent: UserAgent, op: OpenIDProvider, format: Format
) -> httpx2.Response:
    callback = agent.authorize(agent.start_sign_in("local-public-nopkce"))
    assert query_of(callback)["error"] == "invalid_request"
    return agent.request("GET", callback)


def wrong_iss_parameter(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    callback = agent.authorize(agent.start_sign_in("local"))
    return agent.request("GET", with_query(callback, iss="http://127.0.0.1:1"))


def missing_iss_parameter(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    """The provider advertises ``authorization_response_iss_parameter_supported`` (RFC 9207)."""
    callback = agent.authorize(agent.start_sign_in("local"))
    return agent.request("GET", with_query(callback, iss=None))


def unknown_provider(agent: UserAgent, op: OpenIDProvider, format: Format) -> httpx2.Response:
    agent.start_sign_in("local")
    return agent.request("GET", "/api/auth/callback/nobody?code=abc&state=xyz")


@dataclass(frozen=True)
class Case:
    name: str
    scenario: Scenario
    v4: str | int
    v5: str | int


CASES = [
    Case("wrong state", wrong_state, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("missing state", missing_state, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("missing PKCE verifier cookie", missing_pkce_cookie, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("missing nonce cookie", missing_nonce_cookie, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("tampered state cookie", tampered("state"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("tampered PKCE cookie", tampered("pkce"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("tampered nonce cookie", tampered("nonce"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("nonce cookie of another sign-in", nonce_of_another_sign_in, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("ID token with another nonce", defective_id_token("nonce"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    # @auth/core signs these two in (see the module docstring); we refuse them.
    Case("ID token signed with another key", defective_id_token("key"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("ID token with an unknown kid", defective_id_token("kid"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("unsigned ID token (alg none)", defective_id_token("none"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("ID token with a wrong iss", defective_id_token("iss"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("ID token with a wrong aud", defective_id_token("aud"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("expired ID token", defective_id_token("expired"), V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("replayed authorization code", replayed_code, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("user cancels at the provider", user_cancels_at_the_provider, V4_CALLBACK, V5_OAUTH_CALLBACK),
    Case("crafted error=access_denied", crafted_access_denied, V4_CALLBACK, V5_OAUTH_CALLBACK),
    Case("public client without PKCE", provider_refuses_a_public_client_without_pkce, V4_CALLBACK, V5_OAUTH_CALLBACK),
    Case("wrong iss parameter", wrong_iss_parameter, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("missing iss parameter", missing_iss_parameter, V4_OAUTH_CALLBACK, V5_CONFIGURATION),
    Case("unknown provider id", unknown_provider, V4_BAD_REQUEST, V5_CONFIGURATION),
]


def assert_outcome(response: httpx2.Response, expected: str | int, site: str) -> None:
    if isinstance(expected, int):
        assert response.status_code == expected, response.text
        assert "location" not in response.headers
        return
    assert response.status_code == 302, response.text
    assert response.headers["location"] == f"{site}{expected}"


def assert_no_session(agent: UserAgent, format: Format) -> None:
    for response in agent.history:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if "session-token" in name:
                assert rest.startswith(";"), f"a session cookie was set: {header[:80]}"
    assert not [name for name in agent.http.cookies if "session-token" in name]
    assert agent.session() == ({} if format == "v4" else None)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_failed_callback_gives_the_error_code_and_no_session(
    case: Case, agent: UserAgent, site: LiveServer, op: OpenIDProvider, format: Format
) -> None:
    response = case.scenario(agent, op, format)
    assert_outcome(response, case.v4 if format == "v4" else case.v5, site.url)
    assert_no_session(agent, format)


def test_a_failed_callback_does_not_end_an_existing_session(
    agent: UserAgent, op: OpenIDProvider, format: Format
) -> None:
    """Someone already signed in who then fails a second sign-in keeps their session."""
    agent.sign_in("local")
    wrong_state(agent, op, format)
    assert agent.session()["user"]["name"] == "Alice Liddell"


@pytest.mark.parametrize("provider_id", ["broken-discovery", "unreachable"])
def test_a_sign_in_that_cannot_reach_the_provider_gives_the_error_code(
    agent: UserAgent, site: LiveServer, format: Format, provider_id: str
) -> None:
    response = agent.request(
        "POST", f"/api/auth/signin/{provider_id}", data={"csrfToken": agent.csrf_token(), "callbackUrl": "/profile"}
    )
    assert_outcome(response, V4_OAUTH_SIGNIN if format == "v4" else V5_CONFIGURATION, site.url)
    assert agent.cookie(check_cookie(format, "state")) is None
    assert_no_session(agent, format)
