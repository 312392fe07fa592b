"""The provider interface the core calls (``authsession._core.provider``): a provider written
against it, with no HTTP and nothing from ``authsession.providers``, signs in through ``handle()``,
and the core alone picks the v4/v5 answer to each typed error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.provider import OAuthConfig, ProviderCallbackError, SignInResult
from authsession.adapters.memory import MemoryAdapter
from authsession.errors import OAuthSignInError
from authsession.theme import ProviderStyle
from helpers import BASE, CoreClient, make_options

pytestmark = pytest.mark.usefixtures("clean_auth_env")

AUTHORIZE = "https://idp.test/authorize?client_id=c"
ADA = {"id": "idp-ada", "name": "Ada", "email": "ada@example.com"}


@dataclass(frozen=True, slots=True, kw_only=True)
class FakeIdP:
    """An OAuth provider as the core sees it; ``fail`` makes its hook raise the typed error."""

    id: str = "idp"
    name: str = "IdP"
    type: Literal["oauth", "oidc"] = "oauth"
    style: ProviderStyle | None = None
    allow_dangerous_email_account_linking: bool = False
    fail: Literal["start", "provider", "check"] | None = None

    async def authorization_url(self, ctx: Context) -> str:
        if self.fail == "start":
            raise OAuthSignInError("discovery answered 500")
        return AUTHORIZE

    async def callback(self, ctx: Context) -> SignInResult:
        if self.fail in ("provider", "check"):
            raise ProviderCallbackError("it failed", provider_error=self.fail == "provider")
        account = {"provider": self.id, "type": self.type, "providerAccountId": ADA["id"]}
        return SignInResult(user=dict(ADA), account=account, profile={"sub": ADA["id"]})  # type: ignore[arg-type]


def client(provider: OAuthConfig, **options: object) -> CoreClient:
    return CoreClient(make_options(providers=[provider], **options))


async def start(browser: CoreClient) -> AuthResponse:
    return await browser.request("POST", "signin/idp", body={"csrfToken": await browser.csrf_token()})


async def test_the_sign_in_goes_where_the_provider_says(format: str) -> None:
    response = await start(client(FakeIdP(), format=format))
    assert (response.status, response.redirect) == (302, AUTHORIZE)


async def test_a_start_error_is_answered_by_the_core(format: str) -> None:
    response = await start(client(FakeIdP(fail="start"), format=format))
    expected = "OAuthSignin" if format == "v4" else "Configuration"
    assert response.redirect == f"{BASE}/error?error={expected}"


async def test_the_callback_result_becomes_a_session(format: str) -> None:
    browser = client(FakeIdP(), format=format, adapter=MemoryAdapter(), session={"strategy": "jwt"})
    response = await browser.request("GET", "callback/idp", query={"code": "x"})
    assert response.status == 302
    session = await browser.session()
    assert (session["user"]["name"], session["user"]["email"]) == ("Ada", "ada@example.com")


@pytest.mark.parametrize(
    ("fail", "v4", "v5"),
    [
        ("provider", "error?error=Callback", "signin?error=OAuthCallbackError"),
        ("check", "error?error=OAuthCallback", "error?error=Configuration"),
    ],
)
async def test_a_callback_error_is_answered_by_the_core(format: str, fail: str, v4: str, v5: str) -> None:
    browser = client(FakeIdP(fail=fail), format=format)  # type: ignore[arg-type]
    response = await browser.request("GET", "callback/idp", query={"error": "access_denied"})
    assert response.redirect == f"{BASE}/{v4 if format == 'v4' else v5}"
    assert (await browser.session()) in ({}, None)
