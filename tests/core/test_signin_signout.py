"""GET/POST ``/signin`` and GET/POST ``/signout``, protocol §4.4 and §4.5."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from authsession._core.handler import handle
from helpers import (
    BASE,
    NOW,
    ORIGIN,
    SESSION,
    USER,
    CoreClient,
    make_credentials,
    make_options,
    make_request,
    response_cookies,
)

pytestmark = pytest.mark.usefixtures("clean_auth_env")

CSRF = {"v4": "next-auth.csrf-token", "v5": "authjs.csrf-token"}


def hidden(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', html)
    assert match is not None, name
    return match.group(1)


# --- GET /signin ---------------------------------------------------------------------------------------


async def test_signin_page(client: CoreClient, format: str) -> None:
    response = await client.request("GET", "signin", query={"callbackUrl": "/after"})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html"
    html = response.body
    assert f'action="{BASE}/callback/credentials"' in html
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert hidden(html, "callbackUrl") == f"{ORIGIN}/after"
    csrf = (client.jar or {})[CSRF[format]]
    assert hidden(html, "csrfToken") == csrf.split("|")[0]
    assert "__next-auth-theme-auto" in html


async def test_signin_page_shows_the_error(client: CoreClient) -> None:
    response = await client.request("GET", "signin", query={"error": "CredentialsSignin"})
    assert "Sign in failed. Check the details you provided are correct." in response.body


async def test_signin_page_reuses_the_csrf_cookie(client: CoreClient, format: str) -> None:
    token = await client.csrf_token()
    response = await client.request("GET", "signin")
    assert CSRF[format] not in response_cookies(response)
    assert hidden(response.body, "csrfToken") == token


async def test_signin_page_escapes_the_callback_url(client: CoreClient) -> None:
    response = await client.request("GET", "signin", query={"callbackUrl": '/"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in response.body


async def test_custom_signin_page(format: str) -> None:
    options = make_options(format=format, pages={"sign_in": "/login"})
    response = await handle(make_request("GET", "signin", query={"callbackUrl": "/dash"}), options)
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/login?callbackUrl=http%3A%2F%2Flocalhost%3A3000%2Fdash"


async def test_custom_signin_page_with_error_and_query(format: str) -> None:
    options = make_options(format=format, pages={"sign_in": "/login?lang=en"})
    response = await handle(make_request("GET", "signin", query={"error": "SessionRequired"}), options)
    assert (
        response.redirect == f"{ORIGIN}/login?lang=en&callbackUrl=http%3A%2F%2Flocalhost%3A3000&error=SessionRequired"
    )


async def test_custom_absolute_signin_page(format: str) -> None:
    options = make_options(format=format, pages={"sign_in": "https://accounts.example.com/login"})
    response = await handle(make_request("GET", "signin"), options)
    assert response.redirect == "https://accounts.example.com/login?callbackUrl=http%3A%2F%2Flocalhost%3A3000"


async def test_custom_signin_page_with_a_provider_segment(format: str) -> None:
    options = make_options(format=format, pages={"sign_in": "/login"})
    response = await handle(make_request("GET", "signin/github"), options)
    assert response.status == 302
    if format == "v4":
        # next-auth 4 reads the path segment as the error: a quirk kept on purpose.
        assert response.redirect == f"{ORIGIN}/login?callbackUrl=http%3A%2F%2Flocalhost%3A3000&error=github"
    else:
        assert response.redirect == f"{BASE}/error?error=Configuration"


# --- POST /signin/<provider> -------------------------------------------------------------------------------


async def test_post_signin_for_credentials_goes_back_to_the_form(client: CoreClient) -> None:
    response = await client.request("POST", "signin/credentials", body={"csrfToken": await client.csrf_token()})
    assert response.status == 302
    assert response.redirect == f"{BASE}/signin"
    assert client.session_cookie_names() == []


async def test_post_signin_without_csrf(client: CoreClient, format: str) -> None:
    response = await client.request("POST", "signin/credentials", body={"callbackUrl": "/x"})
    assert response.status == 302
    expected = {"v4": f"{BASE}/signin?csrf=true", "v5": f"{BASE}/signin?error=MissingCSRF"}
    assert response.redirect == expected[format]


async def test_post_signin_without_csrf_goes_to_the_custom_signin_page_in_v5(format: str) -> None:
    client = CoreClient(make_options(format=format, pages={"sign_in": "/login"}))
    response = await client.request("POST", "signin/credentials", body={})
    expected = {"v4": f"{BASE}/signin?csrf=true", "v5": f"{ORIGIN}/login?error=MissingCSRF"}
    assert response.redirect == expected[format]


async def test_post_signin_without_provider(client: CoreClient, format: str) -> None:
    response = await client.request("POST", "signin", body={"csrfToken": await client.csrf_token()})
    assert response.status == 302
    assert response.redirect == (f"{BASE}/signin?csrf=true" if format == "v4" else f"{BASE}/signin")


async def test_post_signin_json_mode(client: CoreClient, format: str) -> None:
    body = {"csrfToken": await client.csrf_token()}
    headers = {}
    if format == "v4":
        body["json"] = "true"
    else:
        headers["X-Auth-Return-Redirect"] = "1"
    response = await client.request("POST", "signin/credentials", body=body, headers=headers)
    assert response.status == 200
    assert response.body == f'{{"url": "{BASE}/signin"}}'


# --- GET /signout ------------------------------------------------------------------------------------------


async def test_signout_page(client: CoreClient, format: str) -> None:
    await client.sign_in()
    response = await client.request("GET", "signout", query={"callbackUrl": "/bye"})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html"
    assert f'action="{BASE}/signout"' in response.body
    assert hidden(response.body, "csrfToken") == (client.jar or {})[CSRF[format]].split("|")[0]
    assert hidden(response.body, "callbackUrl") == f"{ORIGIN}/bye"
    # Showing the page signs nobody out.
    assert client.session_cookie_names() == [SESSION[format]]


async def test_custom_signout_page(format: str) -> None:
    options = make_options(format=format, pages={"sign_out": "/goodbye"})
    response = await handle(make_request("GET", "signout"), options)
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/goodbye"


# --- POST /signout -----------------------------------------------------------------------------------------


async def test_signout_clears_the_session_and_redirects(client: CoreClient, format: str) -> None:
    await client.sign_in()
    token = await client.csrf_token()
    response = await client.request("POST", "signout", body={"csrfToken": token, "callbackUrl": "/bye"})
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/bye"
    cleared = response_cookies(response)[SESSION[format]]
    assert cleared.serialize() == f"{SESSION[format]}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
    assert client.session_cookie_names() == []
    assert await client.session() == ({} if format == "v4" else None)


async def test_signout_clears_every_chunk(format: str) -> None:
    def jwt_callback(token: dict[str, Any]) -> dict[str, Any]:
        return {**token, "big": "x" * 6000}

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt_callback}))
    await client.sign_in()
    chunks = client.session_cookie_names()
    assert len(chunks) >= 2
    assert client.jar is not None
    client.jar[SESSION[format]] = "stale plain cookie"
    response = await client.request("POST", "signout", body={"csrfToken": await client.csrf_token()})
    deleted = sorted(c.name for c in response.cookies if c.max_age == 0)
    assert deleted == sorted([SESSION[format], *chunks])
    assert all(c.value == "" for c in response.cookies if c.max_age == 0)
    assert client.session_cookie_names() == []


async def test_signout_event_gets_the_token(format: str) -> None:
    seen: list[Any] = []
    client = CoreClient(make_options(format=format, events={"sign_out": lambda token: seen.append(token)}))
    await client.sign_in()
    await client.request("POST", "signout", body={"csrfToken": await client.csrf_token()})
    assert len(seen) == 1
    assert seen[0]["sub"] == USER["id"]
    assert seen[0]["email"] == USER["email"]
    assert seen[0]["iat"] == int(NOW)


async def test_signout_without_a_session_just_redirects(client: CoreClient, format: str) -> None:
    seen: list[Any] = []
    client.options = make_options(format=format, events={"sign_out": lambda token: seen.append(token)})
    response = await client.request("POST", "signout", body={"csrfToken": await client.csrf_token()})
    assert response.status == 302
    assert response.redirect == ORIGIN
    assert not any(c.name.startswith(SESSION[format]) for c in response.cookies)
    assert seen == []


async def test_signout_with_a_bad_token_clears_it_without_the_event(
    format: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Any] = []
    client = CoreClient(make_options(format=format, events={"sign_out": lambda token: seen.append(token)}))
    token = await client.csrf_token()
    assert client.jar is not None
    client.jar[SESSION[format]] = "not a token"
    with caplog.at_level(logging.INFO, logger="authsession"):
        response = await client.request("POST", "signout", body={"csrfToken": token})
    assert response.status == 302
    assert response_cookies(response)[SESSION[format]].max_age == 0
    # Both packages skip events.signOut when the token does not decode.
    assert seen == []


async def test_signout_without_csrf_keeps_the_session(client: CoreClient, format: str) -> None:
    await client.sign_in()
    response = await client.request("POST", "signout", body={"callbackUrl": "/bye"})
    assert response.status == 302
    expected = {"v4": f"{BASE}/signout?csrf=true", "v5": f"{BASE}/signin?error=MissingCSRF"}
    assert response.redirect == expected[format]
    assert client.session_cookie_names() == [SESSION[format]]


async def test_signin_then_signout_with_two_providers(format: str) -> None:
    options = make_options(format=format, providers=[make_credentials(), make_credentials(id="otp", name="OTP")])
    client = CoreClient(options)
    response = await client.sign_in(provider="otp")
    assert response.redirect == ORIGIN
    assert (await client.session())["user"]["email"] == USER["email"]
