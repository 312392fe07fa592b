"""OAuth sign-in with an adapter: who the returning provider account signs in as (protocol §6.1,
``handleLoginOrRegister``). Driven end to end through ``handle()``; the provider's token and
userinfo endpoints answer through ``httpx2.MockTransport``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx2
import pytest

from authsession import AuthOptions
from authsession._core.http import AuthResponse
from authsession.adapters.memory import MemoryAdapter
from authsession.providers import OAuth, OAuthProvider
from authsession.types import Format
from helpers import BASE, EMPTY, NOW, ORIGIN, SESSION, CoreClient, make_options, response_cookies

pytestmark = pytest.mark.usefixtures("clean_auth_env")

ADA = {"id": "acme-ada", "name": "Ada Lovelace", "email": "Ada@Example.com", "picture": "https://acme.test/ada.png"}
ADA_AT_GLOBEX = {"id": "globex-7", "name": "Ada L.", "email": "ada@globex.test"}
BOB = {"id": "globex-bob", "name": "Bob", "email": "bob@example.com"}


def provider(name: str, **overrides: Any) -> OAuthProvider:
    return OAuth(
        id=name,
        name=name.title(),
        client_id=f"{name}-client",
        client_secret=f"{name}-secret",
        authorization=f"https://{name}.test/authorize",
        token=f"https://{name}.test/token",
        userinfo=f"https://{name}.test/userinfo",
        **overrides,
    )


@dataclass
class IdentityProviders:
    """Token and userinfo endpoints for ``https://<name>.test``: a code names a profile."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, provider: str, code: str, profile: dict[str, Any]) -> None:
        self.profiles[f"{provider}:{code}"] = profile

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        name = (request.url.host or "").removesuffix(".test")
        if request.method == "POST" and request.url.path == "/token":
            code = dict(parse_qsl(request.content.decode()))["code"]
            return httpx2.Response(
                200,
                json={
                    "access_token": f"{name}:{code}",
                    "token_type": "bearer",
                    "scope": "profile email",
                    "expires_in": 3600,
                    "vendor_extra": "kept by next-auth 4 only",
                },
            )
        if request.method == "GET" and request.url.path == "/userinfo":
            token = request.headers["authorization"].removeprefix("Bearer ")
            return httpx2.Response(200, json=self.profiles[token])
        pytest.fail(f"unexpected outgoing request {request.method} {request.url}")

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handler)


@dataclass
class Recorder:
    """Records events and ``jwt`` callback calls made at sign-in, in order."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def event(self, name: str) -> Any:
        def record(**kwargs: Any) -> None:
            self.calls.append((name, kwargs))

        return record

    def jwt(self, **kwargs: Any) -> dict[str, Any]:
        if "trigger" in kwargs and kwargs["trigger"] != "update":
            self.calls.append(("jwt", kwargs))
        token: dict[str, Any] = kwargs["token"]
        return token

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def last(self, name: str) -> dict[str, Any]:
        return [kwargs for n, kwargs in self.calls if n == name][-1]


@pytest.fixture(params=["jwt", "database"])
def strategy(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def idp() -> IdentityProviders:
    providers = IdentityProviders()
    providers.add("acme", "ada", ADA)
    providers.add("globex", "ada", ADA_AT_GLOBEX)
    providers.add("globex", "bob", BOB)
    return providers


@pytest.fixture
def adapter() -> MemoryAdapter:
    return MemoryAdapter()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def linking_options(
    format: Format,
    strategy: str,
    adapter: MemoryAdapter,
    idp: IdentityProviders,
    recorder: Recorder,
    *,
    providers: list[OAuthProvider] | None = None,
    **overrides: Any,
) -> AuthOptions:
    params: dict[str, Any] = {
        "format": format,
        "adapter": adapter,
        "providers": providers or [provider("acme"), provider("globex")],
        "session": {"strategy": strategy},
        "http_transport": idp.transport(),
        "events": {name: recorder.event(name) for name in ("create_user", "link_account", "sign_in")},
        "callbacks": {"jwt": recorder.jwt},
    }
    params.update(overrides)
    return make_options(**params)


def query(url: str | None) -> dict[str, str]:
    assert url is not None
    return dict(parse_qsl(urlsplit(url).query))


async def oauth_sign_in(browser: CoreClient, provider_id: str, code: str, callback_url: str = "/home") -> AuthResponse:
    """POST /signin/<id>, then come back to /callback/<id> with ``code`` (and the state, in v4)."""
    csrf = await browser.csrf_token()
    start = await browser.request(
        "POST", f"signin/{provider_id}", body={"csrfToken": csrf, "callbackUrl": callback_url}
    )
    assert start.status == 302, start.body
    params = query(start.redirect)
    back = {"code": code} | ({"state": params["state"]} if "state" in params else {})
    return await browser.request("GET", f"callback/{provider_id}", query=back)


def only_user(adapter: MemoryAdapter) -> dict[str, Any]:
    assert len(adapter.users) == 1
    return dict(next(iter(adapter.users.values())))


async def session_user_id(browser: CoreClient, adapter: MemoryAdapter, strategy: str, format: Format) -> str | None:
    """Who the browser's session cookie names: the JWT's ``sub`` or the session row's ``userId``."""
    assert browser.jar is not None
    value = browser.jar.get(SESSION[format])
    if value is None:
        return None
    if strategy == "database":
        row = adapter.sessions.get(value)
        return row["userId"] if row is not None else None
    from authsession import jwt

    salt = "" if format == "v4" else SESSION[format]
    claims = jwt.decode(token=value, secret=browser.options.secrets, salt=salt, format=format, now=browser.now)
    return None if claims is None else claims.get("sub")


# --- a new user -------------------------------------------------------------------------------------------


async def test_a_new_provider_account_creates_the_user_and_links_the_account(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    browser = CoreClient(linking_options(format, strategy, adapter, idp, recorder))
    response = await oauth_sign_in(browser, "acme", "ada")
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/home"

    user = only_user(adapter)
    assert user["id"] != ADA["id"]
    assert uuid.UUID(user["id"])
    assert user == {
        "id": user["id"],
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "image": "https://acme.test/ada.png",
        "emailVerified": None,
    }
    account = adapter.accounts[("acme", "acme-ada")]
    assert account["userId"] == user["id"]
    assert account["type"] == "oauth"
    assert account["access_token"] == "acme:ada"
    assert account["token_type"] == "bearer"
    if format == "v4":
        assert account.get("vendor_extra") == "kept by next-auth 4 only"
    else:
        assert "vendor_extra" not in account
        assert account["expires_at"] == int(NOW) + 3600

    expected = ["create_user", "link_account"] + (["jwt"] if strategy == "jwt" else []) + ["sign_in"]
    assert recorder.names() == expected
    assert recorder.last("create_user")["user"]["id"] == user["id"]
    linked = recorder.last("link_account")
    assert linked["user"]["id"] == user["id"]
    assert linked["account"]["providerAccountId"] == "acme-ada"
    assert linked["profile"]["id"] == "acme-ada"
    assert recorder.last("sign_in")["is_new_user"] is True
    if strategy == "jwt":
        jwt_call = recorder.last("jwt")
        assert jwt_call["trigger"] == "signUp"
        assert jwt_call["is_new_user"] is True
        assert jwt_call["user"]["id"] == user["id"]
        assert jwt_call["token"]["sub"] == user["id"]
        assert jwt_call["account"]["userId"] == user["id"]
        assert jwt_call["profile"]["email"] == "Ada@Example.com"
    else:
        (row,) = adapter.sessions.values()
        assert response_cookies(response)[SESSION[format]].value == row["sessionToken"]

    assert await session_user_id(browser, adapter, strategy, format) == user["id"]
    session = await browser.session()
    assert session["user"] == {"name": "Ada Lovelace", "email": "ada@example.com", "image": "https://acme.test/ada.png"}


async def test_a_new_user_goes_to_the_new_user_page(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    options = linking_options(format, strategy, adapter, idp, recorder, pages={"new_user": "/welcome"})
    browser = CoreClient(options)
    response = await oauth_sign_in(browser, "acme", "ada", callback_url="/home")
    assert response.redirect == f"{ORIGIN}/welcome?callbackUrl={quote(ORIGIN + '/home', safe='')}"
    # The second time is not a sign-up: straight to callbackUrl.
    again = CoreClient(options)
    response = await oauth_sign_in(again, "acme", "ada", callback_url="/home")
    assert response.redirect == f"{ORIGIN}/home"


# --- the same provider account again ---------------------------------------------------------------------


async def test_the_same_provider_account_signs_in_as_the_same_user(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    options = linking_options(format, strategy, adapter, idp, recorder)
    await oauth_sign_in(CoreClient(options), "acme", "ada")
    user = only_user(adapter)
    recorder.calls.clear()

    browser = CoreClient(options, now=NOW + 3600)
    response = await oauth_sign_in(browser, "acme", "ada")
    assert response.redirect == f"{ORIGIN}/home"
    assert only_user(adapter) == user
    assert list(adapter.accounts) == [("acme", "acme-ada")]
    assert recorder.names() == (["jwt"] if strategy == "jwt" else []) + ["sign_in"]
    assert recorder.last("sign_in")["is_new_user"] is False
    if strategy == "jwt":
        assert recorder.last("jwt")["trigger"] == "signIn"
        assert recorder.last("jwt")["is_new_user"] is False
    assert await session_user_id(browser, adapter, strategy, format) == user["id"]


async def test_the_sign_in_callback_sees_the_stored_user_on_a_return_visit(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    seen: list[dict[str, Any]] = []

    def sign_in(user: dict[str, Any], account: dict[str, Any], profile: dict[str, Any]) -> bool:
        seen.append(dict(user))
        return True

    options = linking_options(
        format, strategy, adapter, idp, recorder, callbacks={"sign_in": sign_in, "jwt": recorder.jwt}
    )
    await oauth_sign_in(CoreClient(options), "acme", "ada")
    await oauth_sign_in(CoreClient(options), "acme", "ada")
    stored = only_user(adapter)
    assert seen[0]["id"] == "acme-ada"  # first visit: the profile
    assert seen[1]["id"] == stored["id"]  # then the user the account is linked to
    assert seen[1]["emailVerified"] is None


# --- linking a second provider ---------------------------------------------------------------------------


async def test_a_signed_in_user_links_a_second_provider(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    browser = CoreClient(linking_options(format, strategy, adapter, idp, recorder))
    await oauth_sign_in(browser, "acme", "ada")
    user = only_user(adapter)
    recorder.calls.clear()

    response = await oauth_sign_in(browser, "globex", "ada")
    assert response.redirect == f"{ORIGIN}/home"
    assert only_user(adapter) == user  # the globex email did not create anyone
    assert adapter.accounts[("globex", "globex-7")]["userId"] == user["id"]
    assert adapter.accounts[("acme", "acme-ada")]["userId"] == user["id"]
    assert recorder.names()[0] == "link_account"
    assert recorder.last("link_account")["user"]["id"] == user["id"]
    assert recorder.last("sign_in")["is_new_user"] is False
    assert await session_user_id(browser, adapter, strategy, format) == user["id"]
    if strategy == "database":
        assert len(adapter.sessions) == 1  # the old row went with the new sign-in

    # Either provider now signs in as the same user.
    other = CoreClient(browser.options)
    await oauth_sign_in(other, "globex", "ada")
    assert await session_user_id(other, adapter, strategy, format) == user["id"]


async def test_an_account_linked_to_someone_else_is_refused_while_signed_in(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    options = linking_options(format, strategy, adapter, idp, recorder)
    await oauth_sign_in(CoreClient(options), "acme", "ada")
    bob = CoreClient(options)
    await oauth_sign_in(bob, "globex", "bob")
    assert bob.jar is not None
    cookie_before = bob.jar[SESSION[format]]
    bob_id = await session_user_id(bob, adapter, strategy, format)
    accounts_before = dict(adapter.accounts)
    sessions_before = dict(adapter.sessions)

    response = await oauth_sign_in(bob, "acme", "ada")  # Ada's acme account, in Bob's browser
    assert response.status == 302
    if format == "v4":
        assert response.redirect == f"{BASE}/error?error=OAuthAccountNotLinked"
        bounce = await bob.request("GET", "error", query={"error": "OAuthAccountNotLinked"})
        assert bounce.redirect == f"{BASE}/signin?error=OAuthAccountNotLinked"
    else:
        assert response.redirect == f"{BASE}/signin?error=OAuthAccountNotLinked"
    assert SESSION[format] not in response_cookies(response)
    assert bob.jar[SESSION[format]] == cookie_before
    assert adapter.accounts == accounts_before
    assert adapter.sessions == sessions_before
    assert await session_user_id(bob, adapter, strategy, format) == bob_id
    assert (await bob.session())["user"]["email"] == "bob@example.com"


async def test_the_refusal_goes_to_a_custom_sign_in_page(
    format: Format, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    options = linking_options(format, "jwt", adapter, idp, recorder, pages={"sign_in": "/login"})
    await adapter.create_user({"id": "u-ada", "email": "ada@example.com", "emailVerified": None})
    browser = CoreClient(options)
    response = await oauth_sign_in(browser, "acme", "ada")
    if format == "v4":
        assert response.redirect == f"{BASE}/error?error=OAuthAccountNotLinked"
        response = await browser.request("GET", "error", query={"error": "OAuthAccountNotLinked"})
        response = await browser.request("GET", "signin", query={"error": "OAuthAccountNotLinked"})
        assert response.redirect == f"{ORIGIN}/login?callbackUrl={quote(ORIGIN + '/home', safe='')}" + (
            "&error=OAuthAccountNotLinked"
        )
    else:
        assert response.redirect == f"{ORIGIN}/login?error=OAuthAccountNotLinked"


# --- an email that is taken ------------------------------------------------------------------------------


async def test_an_email_used_by_another_user_is_refused(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    await adapter.create_user({"id": "u-ada", "name": "Ada", "email": "ada@example.com", "emailVerified": None})
    browser = CoreClient(linking_options(format, strategy, adapter, idp, recorder))
    response = await oauth_sign_in(browser, "acme", "ada")  # the profile says Ada@Example.com
    expected = (
        f"{BASE}/error?error=OAuthAccountNotLinked" if format == "v4" else f"{BASE}/signin?error=OAuthAccountNotLinked"
    )
    assert response.redirect == expected
    assert list(adapter.users) == ["u-ada"]
    assert adapter.accounts == {}
    assert adapter.sessions == {}
    assert recorder.names() == []
    assert browser.session_cookie_names() == []
    assert await browser.session() == EMPTY[format]


async def test_dangerous_email_linking_reuses_the_user(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    await adapter.create_user({"id": "u-ada", "name": "Ada", "email": "ada@example.com", "emailVerified": None})
    trusting = provider("acme", allow_dangerous_email_account_linking=True)
    options = linking_options(
        format, strategy, adapter, idp, recorder, providers=[trusting, provider("globex")], pages={"new_user": "/new"}
    )
    browser = CoreClient(options)
    response = await oauth_sign_in(browser, "acme", "ada")
    assert list(adapter.users) == ["u-ada"]
    assert adapter.accounts[("acme", "acme-ada")]["userId"] == "u-ada"
    assert "create_user" not in recorder.names()
    assert recorder.last("link_account")["user"]["id"] == "u-ada"
    assert await session_user_id(browser, adapter, strategy, format) == "u-ada"
    is_new = format == "v4"  # next-auth 4 still calls it a new user; Auth.js does not
    assert recorder.last("sign_in")["is_new_user"] is is_new
    if strategy == "jwt":
        assert recorder.last("jwt")["trigger"] == ("signUp" if is_new else "signIn")
        assert recorder.last("jwt")["token"]["sub"] == "u-ada"
    new_user_page = f"{ORIGIN}/new?callbackUrl={quote(ORIGIN + '/home', safe='')}"
    assert response.redirect == (new_user_page if is_new else f"{ORIGIN}/home")


async def test_a_profile_without_email_never_matches_by_email(
    format: Format, strategy: str, adapter: MemoryAdapter, idp: IdentityProviders, recorder: Recorder
) -> None:
    await adapter.create_user({"id": "u-none", "email": None, "emailVerified": None})
    idp.add("acme", "anon", {"id": "acme-anon", "name": "Anon"})
    browser = CoreClient(linking_options(format, strategy, adapter, idp, recorder))
    response = await oauth_sign_in(browser, "acme", "anon")
    assert response.redirect == f"{ORIGIN}/home"
    assert len(adapter.users) == 2
    assert adapter.accounts[("acme", "acme-anon")]["userId"] != "u-none"


# --- without an adapter ----------------------------------------------------------------------------------


async def test_without_an_adapter_the_profile_is_the_user(
    format: Format, idp: IdentityProviders, recorder: Recorder
) -> None:
    options = make_options(
        format=format,
        providers=[provider("acme")],
        http_transport=idp.transport(),
        callbacks={"jwt": recorder.jwt},
    )
    browser = CoreClient(options)
    await oauth_sign_in(browser, "acme", "ada")
    sub = recorder.last("jwt")["token"]["sub"]
    if format == "v4":
        assert sub == "acme-ada"
    else:
        assert uuid.UUID(sub)  # Auth.js gives the user a fresh id
    assert recorder.last("jwt")["account"]["providerAccountId"] == "acme-ada"
