"""Credentials sign-in: POST ``/callback/<id>``, ``authorize`` and the ``sign_in`` callback
(protocol §4.4, §5.2 and §6.2)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import pytest

from authsession._core.http import AuthRequest
from authsession.errors import AuthError, CredentialsSignin
from authsession.providers import Credentials
from helpers import (
    BASE,
    ORIGIN,
    PASSWORD,
    USER,
    CoreClient,
    json_body,
    make_credentials,
    make_options,
    response_cookies,
)

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}


def json_mode(format: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    if format == "v4":
        return {**body, "json": "true"}, {}
    return body, {"X-Auth-Return-Redirect": "1"}


# --- success ----------------------------------------------------------------------------------------------


async def test_sign_in_sets_the_session_and_redirects(client: CoreClient, format: str) -> None:
    response = await client.sign_in(callbackUrl="/welcome")
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/welcome"
    assert client.session_cookie_names() == [SESSION[format]]
    session = await client.session()
    assert session["user"] == {"name": USER["name"], "email": USER["email"], "image": USER["image"]}


async def test_sign_in_in_json_mode(client: CoreClient, format: str) -> None:
    body, headers = json_mode(format, {"username": "ada", "password": PASSWORD, "callbackUrl": "/welcome"})
    body["csrfToken"] = await client.csrf_token()
    response = await client.request("POST", "callback/credentials", body=body, headers=headers)
    assert response.status == 200
    assert json_body(response) == {"url": f"{ORIGIN}/welcome"}
    assert client.session_cookie_names() == [SESSION[format]]


async def test_authorize_gets_the_whole_body_and_the_request(format: str) -> None:
    seen: dict[str, Any] = {}

    def authorize(credentials: dict[str, Any], request: AuthRequest) -> dict[str, Any]:
        seen["credentials"] = credentials
        seen["request"] = request
        return {"id": "1"}

    client = CoreClient(make_options(format=format, providers=[make_credentials(authorize=authorize)]))
    token = await client.csrf_token()
    await client.request("POST", "callback/credentials", body={"csrfToken": token, "callbackUrl": "/x", "otp": "123"})
    assert seen["credentials"] == {"csrfToken": token, "callbackUrl": "/x", "otp": "123"}
    assert isinstance(seen["request"], AuthRequest)
    assert seen["request"].method == "POST"
    assert seen["request"].url == f"{BASE}/callback/credentials"


async def test_sync_authorize_runs_in_a_worker_thread(format: str) -> None:
    threads: list[int] = []

    def authorize(credentials: dict[str, Any]) -> dict[str, Any]:
        threads.append(threading.get_ident())
        return {"id": "1"}

    client = CoreClient(make_options(format=format, providers=[make_credentials(authorize=authorize)]))
    await client.sign_in()
    assert threads
    assert threads[0] != threading.get_ident()


async def test_async_authorize(format: str) -> None:
    async def authorize(credentials: dict[str, Any]) -> dict[str, Any] | None:
        await asyncio.sleep(0)
        return {"id": 42, "name": "Async"} if credentials.get("username") == "ada" else None

    client = CoreClient(make_options(format=format, providers=[make_credentials(authorize=authorize)]))
    response = await client.sign_in()
    assert response.redirect == ORIGIN
    assert (await client.session())["user"] == {"name": "Async"}


@pytest.mark.parametrize(("given", "expected"), [(42, "42"), ("abc", "abc")])
async def test_user_id_becomes_a_string_subject(format: str, given: object, expected: str) -> None:
    seen: list[Any] = []

    def jwt_callback(token: dict[str, Any], account: Any = None) -> dict[str, Any]:
        seen.append((token, account))
        return token

    client = CoreClient(
        make_options(
            format=format,
            providers=[make_credentials(authorize=lambda c: {"id": given})],
            callbacks={"jwt": jwt_callback},
        )
    )
    await client.sign_in()
    token, account = seen[0]
    assert token["sub"] == expected
    assert account["providerAccountId"] == expected


async def test_user_without_id_gets_a_uuid(format: str) -> None:
    seen: list[Any] = []

    def jwt_callback(token: dict[str, Any]) -> dict[str, Any]:
        seen.append(token)
        return token

    client = CoreClient(
        make_options(
            format=format,
            providers=[make_credentials(authorize=lambda c: {"name": "No Id"})],
            callbacks={"jwt": jwt_callback},
        )
    )
    await client.sign_in()
    assert uuid.UUID(seen[0]["sub"])


# --- refusals ----------------------------------------------------------------------------------------------


async def test_authorize_returning_none(client: CoreClient, format: str) -> None:
    response = await client.sign_in(password="wrong")
    assert response.status == 302
    expected = {
        "v4": f"{BASE}/error?error=CredentialsSignin&provider=credentials",
        "v5": f"{BASE}/signin?error=CredentialsSignin&code=credentials",
    }
    assert response.redirect == expected[format]
    assert client.session_cookie_names() == []


async def test_authorize_returning_none_in_json_mode(client: CoreClient, format: str) -> None:
    body, headers = json_mode(format, {"username": "ada", "password": "wrong"})
    body["csrfToken"] = await client.csrf_token()
    response = await client.request("POST", "callback/credentials", body=body, headers=headers)
    if format == "v4":
        assert response.status == 401
        assert json_body(response) == {"url": f"{BASE}/error?error=CredentialsSignin&provider=credentials"}
    else:
        assert response.status == 200
        assert json_body(response) == {"url": f"{BASE}/signin?error=CredentialsSignin&code=credentials"}


async def test_v4_error_route_forwards_credentials_signin(client: CoreClient, format: str) -> None:
    if format == "v5":
        return
    response = await client.sign_in(password="wrong")
    assert response.redirect is not None
    follow = await client.request("GET", "error", query={"error": "CredentialsSignin", "provider": "credentials"})
    assert follow.redirect == f"{BASE}/signin?error=CredentialsSignin"


@pytest.mark.parametrize("falsy", [None, False, {}])
async def test_authorize_returning_falsy(format: str, falsy: object) -> None:
    client = CoreClient(make_options(format=format, providers=[make_credentials(authorize=lambda c: falsy)]))
    response = await client.sign_in()
    assert "CredentialsSignin" in (response.redirect or "")
    assert client.session_cookie_names() == []


async def test_credentials_signin_with_a_code(client: CoreClient, format: str) -> None:
    response = await client.sign_in(username="coded")
    expected = {
        "v4": f"{BASE}/error?error=CredentialsSignin&provider=credentials",
        "v5": f"{BASE}/signin?error=CredentialsSignin&code=locked",
    }
    assert response.redirect == expected[format]


async def test_credentials_signin_goes_to_the_custom_signin_page_in_v5(format: str) -> None:
    client = CoreClient(make_options(format=format, pages={"sign_in": "/login"}))
    response = await client.sign_in(password="wrong")
    if format == "v4":
        assert response.redirect == f"{BASE}/error?error=CredentialsSignin&provider=credentials"
    else:
        assert response.redirect == f"{ORIGIN}/login?error=CredentialsSignin&code=credentials"


async def test_authorize_raising_an_auth_error(format: str) -> None:
    def authorize(credentials: dict[str, Any]) -> None:
        raise AuthError("Account locked: try again later")

    client = CoreClient(make_options(format=format, providers=[make_credentials(authorize=authorize)]))
    response = await client.sign_in()
    if format == "v4":
        # next-auth 4 sends the message to the error page (documented: throw to show a message).
        assert response.status == 302
        assert response.redirect == f"{BASE}/error?error=Account+locked%3A+try+again+later"
    else:
        assert response.redirect == f"{BASE}/error?error=Configuration"
    assert client.session_cookie_names() == []


async def test_authorize_crashing_never_shows_its_message(format: str, caplog: pytest.LogCaptureFixture) -> None:
    def authorize(credentials: dict[str, Any]) -> None:
        raise ValueError("could not connect to postgres://app:hunter2@db")

    client = CoreClient(make_options(format=format, providers=[make_credentials(authorize=authorize)]))
    response = await client.sign_in()
    assert response.redirect == f"{BASE}/error?error=Configuration"
    assert "hunter2" not in (response.redirect or "")
    assert client.session_cookie_names() == []
    assert any(r.name == "authsession" and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("format", ["v4"], indirect=True)
async def test_v4_authorize_raising_in_json_mode_is_401(client: CoreClient, format: str) -> None:
    def authorize(credentials: dict[str, Any]) -> None:
        raise AuthError("nope")

    client.options = make_options(format=format, providers=[make_credentials(authorize=authorize)])
    body = {"csrfToken": await client.csrf_token(), "json": "true"}
    response = await client.request("POST", "callback/credentials", body=body)
    assert response.status == 401
    assert json_body(response) == {"url": f"{BASE}/error?error=nope"}


async def test_authorize_returning_a_non_dict(format: str) -> None:
    client = CoreClient(make_options(format=format, providers=[make_credentials(authorize=lambda c: "user-1")]))
    response = await client.sign_in()
    if format == "v4":
        assert response.status == 500
        assert "server configuration" in json_body(response)["message"]
    else:
        assert response.redirect == f"{BASE}/error?error=Configuration"
    assert client.session_cookie_names() == []


async def test_get_callback_for_credentials(client: CoreClient, format: str) -> None:
    response = await client.request("GET", "callback/credentials", query={"username": "ada", "password": PASSWORD})
    if format == "v4":  # next-auth 4's text; 400 where next-auth answers 500 (bad input is never a 500)
        assert response.status == 400
        assert response.headers["Content-Type"] == "text/plain"
        assert response.body == "Error: Callback for provider type credentials not supported"
    else:
        assert response.status == 302
        assert response.redirect == f"{BASE}/error?error=Configuration"
    assert client.session_cookie_names() == []


async def test_credentials_without_csrf(client: CoreClient, format: str) -> None:
    response = await client.request("POST", "callback/credentials", body={"username": "ada", "password": PASSWORD})
    expected = {"v4": f"{BASE}/signin?csrf=true", "v5": f"{BASE}/signin?error=MissingCSRF"}
    assert response.redirect == expected[format]
    assert client.session_cookie_names() == []


# --- the sign_in callback ----------------------------------------------------------------------------------


async def test_sign_in_callback_arguments(format: str) -> None:
    seen: dict[str, Any] = {}

    def sign_in(user: Any, account: Any, credentials: Any) -> bool:
        seen.update(user=user, account=account, credentials=credentials)
        return True

    client = CoreClient(make_options(format=format, callbacks={"sign_in": sign_in}))
    await client.sign_in()
    assert seen["user"] == USER
    assert seen["account"] == {"providerAccountId": "user-1", "type": "credentials", "provider": "credentials"}
    assert seen["credentials"]["username"] == "ada"
    assert "csrfToken" in seen["credentials"]


async def test_sign_in_callback_false_is_access_denied(format: str) -> None:
    client = CoreClient(make_options(format=format, callbacks={"sign_in": lambda **_: False}))
    response = await client.sign_in()
    assert response.status == 302
    assert response.redirect == f"{BASE}/error?error=AccessDenied"
    assert client.session_cookie_names() == []


async def test_sign_in_callback_false_in_json_mode(format: str) -> None:
    client = CoreClient(make_options(format=format, callbacks={"sign_in": lambda **_: False}))
    body, headers = json_mode(format, {"username": "ada", "password": PASSWORD})
    body["csrfToken"] = await client.csrf_token()
    response = await client.request("POST", "callback/credentials", body=body, headers=headers)
    assert response.status == (403 if format == "v4" else 200)
    assert json_body(response) == {"url": f"{BASE}/error?error=AccessDenied"}


async def test_access_denied_goes_to_the_custom_error_page(format: str) -> None:
    client = CoreClient(make_options(format=format, callbacks={"sign_in": lambda **_: False}, pages={"error": "/oops"}))
    response = await client.sign_in()
    if format == "v4":
        # next-auth 4 always goes through its own /error route, which forwards to pages.error.
        assert response.redirect == f"{BASE}/error?error=AccessDenied"
        follow = await client.request("GET", "error", query={"error": "AccessDenied"})
        assert follow.redirect == f"{ORIGIN}/oops?error=AccessDenied"
    else:
        assert response.redirect == f"{ORIGIN}/oops?error=AccessDenied"


async def test_sign_in_callback_returning_a_url(format: str) -> None:
    client = CoreClient(make_options(format=format, callbacks={"sign_in": lambda **_: "/onboarding"}))
    response = await client.sign_in()
    assert response.status == 302
    # v4 uses the string as it is; v5 passes it through the redirect callback.
    assert response.redirect == ("/onboarding" if format == "v4" else f"{ORIGIN}/onboarding")
    assert client.session_cookie_names() == []


async def test_sign_in_callback_returning_a_foreign_url_in_v5(format: str) -> None:
    if format == "v4":
        return
    client = CoreClient(make_options(format=format, callbacks={"sign_in": lambda **_: "https://evil.com"}))
    response = await client.sign_in()
    assert response.redirect == ORIGIN


async def test_sign_in_callback_raising(format: str) -> None:
    def sign_in(**_: Any) -> bool:
        raise AuthError("Blocked domain")

    def crashing(**_: Any) -> bool:
        raise RuntimeError("internal detail")

    client = CoreClient(make_options(format=format, callbacks={"sign_in": sign_in}))
    response = await client.sign_in()
    assert response.status == 302
    if format == "v4":
        assert response.redirect == f"{BASE}/error?error=Blocked+domain"
    else:  # an AuthError raised on purpose keeps its type; AuthError itself is not client-safe
        assert response.redirect == f"{BASE}/error?error=Configuration"
    assert client.session_cookie_names() == []

    client = CoreClient(make_options(format=format, callbacks={"sign_in": crashing}))
    response = await client.sign_in()
    expected = "Configuration" if format == "v4" else "AccessDenied"
    assert response.redirect == f"{BASE}/error?error={expected}"
    assert client.session_cookie_names() == []


@pytest.mark.parametrize(
    ("result", "allowed"), [(1, True), ({"ok": True}, True), (0, False), ("", False), (None, False)]
)
async def test_sign_in_callback_truthiness(format: str, result: object, allowed: bool) -> None:
    client = CoreClient(make_options(format=format, callbacks={"sign_in": lambda **_: result}))
    response = await client.sign_in()
    if allowed:
        assert response.redirect == ORIGIN
        assert client.session_cookie_names() == [SESSION[format]]
    else:
        assert response.redirect == f"{BASE}/error?error=AccessDenied"
        assert client.session_cookie_names() == []


@pytest.mark.parametrize("format", ["v5"], indirect=True)
async def test_v5_sign_in_callback_raising_an_auth_error_keeps_it(format: str) -> None:
    def sign_in(**_: Any) -> bool:
        raise CredentialsSignin("no", code="banned")

    client = CoreClient(make_options(format=format, callbacks={"sign_in": sign_in}))
    response = await client.sign_in()
    assert response.redirect == f"{BASE}/signin?error=CredentialsSignin&code=banned"


async def test_async_sign_in_callback(format: str) -> None:
    async def sign_in(user: Any) -> bool:
        return bool(user["email"].endswith("@example.com"))

    client = CoreClient(make_options(format=format, callbacks={"sign_in": sign_in}))
    assert (await client.sign_in()).redirect == ORIGIN
    assert client.session_cookie_names() == [SESSION[format]]


async def test_sign_in_replaces_an_existing_chunked_session(format: str) -> None:
    state = {"big": True}

    def jwt_callback(token: dict[str, Any]) -> dict[str, Any]:
        return {**token, "big": "x" * 6000} if state["big"] else token

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt_callback}))
    await client.sign_in()
    chunks = client.session_cookie_names()
    state["big"] = False
    response = await client.sign_in()
    cookies = response_cookies(response)
    assert all(cookies[name].max_age == 0 for name in chunks)
    assert cookies[SESSION[format]].max_age is None
    assert client.session_cookie_names() == [SESSION[format]]


# --- the provider ------------------------------------------------------------------------------------------


def test_credentials_needs_a_callable_authorize() -> None:
    with pytest.raises(TypeError, match="authorize"):
        Credentials(authorize="nope")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_id", ["", "has space", "a/b", "-leading", "x" * 65])
def test_credentials_id_must_be_url_safe(bad_id: str) -> None:
    with pytest.raises(ValueError, match="provider id"):
        Credentials(authorize=lambda c: None, id=bad_id)


def test_credentials_signin_default_code() -> None:
    assert CredentialsSignin().code == "credentials"
    assert CredentialsSignin(code="x").code == "x"
