"""``InProcessOIDCProvider``: a whole OIDC sign-in through a ``TestClient`` ends with a session,
and the provider refuses what a real one refuses (protocol §6.1 is the sign-in it serves)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx2
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from starlette.testclient import TestClient

from authsession import AuthOptions
from authsession.adapters import MemoryAdapter
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Keycloak
from authsession.testing import AuthorizationRefused, InProcessOIDCProvider
from helpers import SECRET

pytestmark = pytest.mark.usefixtures("clean_auth_env")

ADA = {"sub": "ada-1", "name": "Ada Lovelace", "email": "ada@example.com", "picture": "https://example.com/ada.png"}
CALLBACK = "http://testserver/api/auth/callback/oidc"


def build_client(options: AuthOptions) -> TestClient:
    from fastapi import FastAPI

    app = FastAPI()
    AuthSession(app, options)
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def provider() -> InProcessOIDCProvider:
    return InProcessOIDCProvider(user=ADA)


@pytest.fixture
def client(provider: InProcessOIDCProvider, format: str) -> Iterator[TestClient]:
    options = AuthOptions(
        secret=SECRET,
        url="http://testserver",
        format=format,  # type: ignore[arg-type]
        providers=[provider.oidc()],
        http_transport=provider.transport,
    )
    with build_client(options) as client:
        yield client


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def session_of(client: TestClient) -> Any:
    return client.get("/api/auth/session").json()


# --- through authsession -----------------------------------------------------------------------------------


def test_a_sign_in_ends_with_a_session(client: TestClient, provider: InProcessOIDCProvider) -> None:
    response = provider.sign_in(client, callback_url="/welcome")
    assert response.status_code == 302
    assert response.headers["location"] == "http://testserver/welcome"
    assert session_of(client)["user"] == {k: ADA[k] for k in ("name", "email")} | {"image": ADA["picture"]}


def test_another_user_signs_in_when_asked(client: TestClient, provider: InProcessOIDCProvider) -> None:
    provider.sign_in(client, user={"sub": "grace", "name": "Grace", "email": "grace@example.com"})
    assert session_of(client)["user"]["email"] == "grace@example.com"


def test_the_authorization_request_is_answered_like_a_provider(
    client: TestClient, provider: InProcessOIDCProvider
) -> None:
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]
    location = client.post("/api/auth/signin/oidc", data={"csrfToken": csrf}).headers["location"]
    sent = query(location)
    assert {"code_challenge", "nonce", "state"} <= set(sent)
    back = provider.authorize(location)
    assert back.startswith(CALLBACK + "?")
    answer = query(back)
    assert set(answer) == {"code", "state", "iss"}
    assert (answer["state"], answer["iss"]) == (sent["state"], provider.issuer)


def test_a_refusal_by_the_user_gives_no_session(client: TestClient, provider: InProcessOIDCProvider) -> None:
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]
    location = client.post("/api/auth/signin/oidc", data={"csrfToken": csrf}).headers["location"]
    response = client.get(provider.authorize(location, error="access_denied"))
    assert "error=" in response.headers["location"]
    assert not session_of(client)


def test_a_wrong_code_gives_no_session(client: TestClient, provider: InProcessOIDCProvider) -> None:
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]
    location = client.post("/api/auth/signin/oidc", data={"csrfToken": csrf}).headers["location"]
    back = urlsplit(provider.authorize(location))
    forged = {**dict(parse_qsl(back.query)), "code": "not-a-code"}
    response = client.get(f"{CALLBACK}?{urlencode(forged)}")
    assert "error=" in response.headers["location"]
    assert not session_of(client)


def test_a_preset_configured_by_issuer_signs_in(provider: InProcessOIDCProvider) -> None:
    keycloak = InProcessOIDCProvider(user=ADA, redirect_uris=["http://testserver/api/auth/callback/keycloak"])
    options = AuthOptions(
        secret=SECRET,
        url="http://testserver",
        providers=[
            Keycloak(issuer=keycloak.issuer, client_id=keycloak.client_id, client_secret=keycloak.client_secret)
        ],
        http_transport=keycloak.transport,
    )
    with build_client(options) as client:
        keycloak.sign_in(client, provider_id="keycloak")
        assert session_of(client)["user"]["email"] == ADA["email"]


def test_a_public_client_with_a_database_session() -> None:
    public = InProcessOIDCProvider(user=ADA, client_secret=None, require_pkce=True)
    adapter = MemoryAdapter()
    options = AuthOptions(
        secret=SECRET,
        url="http://testserver",
        providers=[public.oidc()],
        adapter=adapter,
        http_transport=public.transport,
    )
    with build_client(options) as client:
        public.sign_in(client)
        assert session_of(client)["user"]["email"] == ADA["email"]
    assert [account["provider"] for account in adapter.accounts.values()] == ["oidc"]


async def test_an_async_client(provider: InProcessOIDCProvider) -> None:
    from fastapi import FastAPI

    options = AuthOptions(
        secret=SECRET, url="http://app.test", providers=[provider.oidc()], http_transport=provider.transport
    )
    provider.redirect_uris = ("http://app.test/api/auth/callback/oidc",)
    app = FastAPI()
    AuthSession(app, options)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://app.test") as client:
        await provider.asign_in(client)
        assert (await client.get("/api/auth/session")).json()["user"]["email"] == ADA["email"]


# --- the provider on its own: what it refuses ----------------------------------------------------------------


class Flow:
    """The client side of the code flow, done by hand against the provider's transport."""

    def __init__(self, provider: InProcessOIDCProvider) -> None:
        self.provider = provider
        self.http = httpx2.Client(transport=provider.transport)
        self.verifier = secrets.token_urlsafe(48)
        self.nonce = secrets.token_urlsafe(16)

    def authorization_url(self, **overrides: str) -> str:
        params = {
            "client_id": self.provider.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid email profile",
            "state": "st",
            "nonce": self.nonce,
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return f"{self.provider.issuer}/authorize?{urlencode({k: v for k, v in params.items() if v})}"

    def code(self, **overrides: str) -> str:
        return query(self.provider.authorize(self.authorization_url(**overrides)))["code"]

    def exchange(self, code: str, *, auth: tuple[str, str] | None = None, **overrides: str) -> httpx2.Response:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
        form["code_verifier"] = self.verifier
        form.update(overrides)
        form = {k: v for k, v in form.items() if v}
        basic = auth or (self.provider.client_id, self.provider.client_secret or "")
        return self.http.post(f"{self.provider.issuer}/token", data=form, auth=basic)


@pytest.fixture
def flow(provider: InProcessOIDCProvider) -> Iterator[Flow]:
    flow = Flow(provider)
    yield flow
    flow.http.close()


def test_the_tokens_and_the_id_token(flow: Flow, provider: InProcessOIDCProvider) -> None:
    response = flow.exchange(flow.code())
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    keys = KeySet.import_key_set(flow.http.get(provider.metadata["jwks_uri"]).json())
    token = jose_jwt.decode(body["id_token"], keys, algorithms=["RS256"])
    claims = token.claims
    assert (claims["iss"], claims["aud"], claims["sub"], claims["nonce"]) == (
        provider.issuer,
        provider.client_id,
        ADA["sub"],
        flow.nonce,
    )
    assert claims["exp"] - claims["iat"] == 3600
    userinfo = flow.http.get(provider.metadata["userinfo_endpoint"], headers=bearer(body["access_token"]))
    assert userinfo.json() == ADA


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_discovery(flow: Flow, provider: InProcessOIDCProvider) -> None:
    metadata = flow.http.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    assert metadata["issuer"] == provider.issuer
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_a_wrong_code_is_refused(flow: Flow) -> None:
    flow.code()
    response = flow.exchange("made-up")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_a_reused_code_is_refused_and_revokes_its_tokens(flow: Flow, provider: InProcessOIDCProvider) -> None:
    code = flow.code()
    first = flow.exchange(code)
    assert first.status_code == 200
    userinfo = provider.metadata["userinfo_endpoint"]
    assert flow.http.get(userinfo, headers=bearer(first.json()["access_token"])).status_code == 200
    again = flow.exchange(code)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    revoked = flow.http.get(userinfo, headers=bearer(first.json()["access_token"]))
    assert revoked.status_code == 401
    assert revoked.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_wrong_redirect_uri_is_refused(flow: Flow) -> None:
    with pytest.raises(AuthorizationRefused, match="redirect_uri"):
        flow.code(redirect_uri="http://evil.test/api/auth/callback/oidc")
    response = flow.exchange(flow.code(), redirect_uri="http://testserver/api/auth/callback/other")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "verifier",
    ["wrong-" + "v" * 50, "", "too-short"],
    ids=["wrong", "missing", "malformed"],
)
def test_a_wrong_pkce_verifier_is_refused(flow: Flow, verifier: str) -> None:
    code = flow.code()
    response = flow.exchange(code, code_verifier=verifier)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
    # The code is spent: the right verifier cannot follow a wrong guess.
    assert flow.exchange(code).status_code == 400


def test_a_verifier_without_a_challenge_is_refused(flow: Flow) -> None:
    response = flow.exchange(flow.code(code_challenge="", code_challenge_method=""))
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_pkce_can_be_required(flow: Flow, provider: InProcessOIDCProvider) -> None:
    provider.require_pkce = True
    answer = query(provider.authorize(flow.authorization_url(code_challenge="", code_challenge_method="")))
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


def test_bad_client_credentials_are_refused(flow: Flow, provider: InProcessOIDCProvider) -> None:
    code = flow.code()
    wrong = flow.exchange(code, auth=(provider.client_id, "wrong-secret"))
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert wrong.headers["www-authenticate"].startswith("Basic")
    other = flow.exchange(flow.code(), auth=("someone-else", provider.client_secret or ""))
    assert other.status_code == 401
    posted = flow.http.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": flow.code(),
            "redirect_uri": CALLBACK,
            "code_verifier": flow.verifier,
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
        },
    )
    assert posted.status_code == 200  # client_secret_post works too


def test_an_unknown_client_gets_no_redirect(flow: Flow) -> None:
    with pytest.raises(AuthorizationRefused, match="client_id"):
        flow.code(client_id="someone-else")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"response_mode": "fragment"}, "invalid_request"),
    ],
)
def test_bad_authorization_requests_come_back_with_an_error(
    flow: Flow, provider: InProcessOIDCProvider, overrides: dict[str, str], error: str
) -> None:
    answer = query(provider.authorize(flow.authorization_url(**overrides)))
    assert answer == {"error": error, "state": "st", "iss": provider.issuer}


def test_an_expired_code_and_an_expired_access_token(provider: InProcessOIDCProvider) -> None:
    now = [1_700_000_000.0]
    provider.clock = lambda: now[0]
    flow = Flow(provider)
    code = flow.code()
    now[0] += 61
    assert flow.exchange(code).json()["error"] == "invalid_grant"
    tokens = flow.exchange(flow.code()).json()
    now[0] += 3600
    assert (
        flow.http.get(provider.metadata["userinfo_endpoint"], headers=bearer(tokens["access_token"])).status_code == 401
    )


def test_other_hosts_are_not_reached(flow: Flow) -> None:
    with pytest.raises(httpx2.ConnectError, match="no network"):
        flow.http.get("https://example.com/")


def test_each_provider_has_its_own_issuer_and_key() -> None:
    one, two = InProcessOIDCProvider(), InProcessOIDCProvider()
    assert one.issuer != two.issuer
    assert one.key.as_dict(private=False)["n"] != two.key.as_dict(private=False)["n"]


def test_a_user_needs_a_sub() -> None:
    with pytest.raises(ValueError, match="sub"):
        InProcessOIDCProvider(user={"email": "ada@example.com"})
