"""The double-submit CSRF cookie, protocol §3."""

from __future__ import annotations

import hashlib
import re

import pytest

from authsession._core.csrf import check_csrf, csrf_hash, csrf_secret
from authsession._core.handler import handle
from helpers import BASE, NOW, SECRET, CoreClient, json_body, make_options, make_request, response_cookies

pytestmark = pytest.mark.usefixtures("clean_auth_env")

CSRF_NAME = {"v4": "next-auth.csrf-token", "v5": "authjs.csrf-token"}
HOST_CSRF_NAME = {"v4": "__Host-next-auth.csrf-token", "v5": "__Host-authjs.csrf-token"}


def valid_cookie(token: str = "a" * 64, secret: str = SECRET) -> str:
    return f"{token}|{hashlib.sha256((token + secret).encode()).hexdigest()}"


# --- the token itself -------------------------------------------------------------------------------


def test_hash_is_sha256_of_token_and_secret() -> None:
    assert csrf_hash("abc", "s3cret") == hashlib.sha256(b"abcs3cret").hexdigest()


def test_secret_list_is_joined_with_commas_like_javascript() -> None:
    assert csrf_secret(("one",)) == "one"
    assert csrf_secret(("one", "two")) == "one,two"


def test_new_token_is_64_hex_chars_with_its_hash() -> None:
    check = check_csrf(None, SECRET, body_token=None, is_post=False)
    assert re.fullmatch(r"[0-9a-f]{64}", check.token)
    assert check.new_cookie_value == valid_cookie(check.token)
    assert check.verified is False


def test_new_tokens_differ() -> None:
    tokens = {check_csrf(None, SECRET, body_token=None, is_post=False).token for _ in range(20)}
    assert len(tokens) == 20


def test_valid_cookie_is_reused_and_verifies_a_matching_post() -> None:
    check = check_csrf(valid_cookie(), SECRET, body_token="a" * 64, is_post=True)
    assert (check.token, check.new_cookie_value, check.verified) == ("a" * 64, None, True)


@pytest.mark.parametrize("body_token", [None, "", "b" * 64, "a" * 63, ["a" * 64], 1])
def test_post_without_the_matching_token_is_not_verified(body_token: object) -> None:
    check = check_csrf(valid_cookie(), SECRET, body_token=body_token, is_post=True)
    assert check.new_cookie_value is None
    assert check.verified is False


def test_get_is_never_verified() -> None:
    assert check_csrf(valid_cookie(), SECRET, body_token="a" * 64, is_post=False).verified is False


@pytest.mark.parametrize(
    "cookie",
    [
        "a" * 64,
        "a" * 64 + "|",
        "a" * 64 + "|" + "0" * 64,
        valid_cookie(secret="another secret"),
        valid_cookie() + "|extra",
        "|" + csrf_hash("", SECRET)[:10],
        "ü|ü",
    ],
)
def test_cookie_with_a_bad_hash_mints_a_new_token(cookie: str) -> None:
    check = check_csrf(cookie, SECRET, body_token="a" * 64, is_post=True)
    assert check.token != "a" * 64
    assert check.new_cookie_value == valid_cookie(check.token)
    assert check.verified is False


# --- through the handler ----------------------------------------------------------------------------


async def test_get_csrf_sets_the_cookie_only_when_new(format: str) -> None:
    options = make_options(format=format)
    first = await handle(make_request("GET", "csrf"), options, now=NOW)
    token = json_body(first)["csrfToken"]
    assert first.status == 200
    assert first.headers == {
        "Content-Type": "application/json",
        "Cache-Control": "private, no-cache, no-store",
        "Pragma": "no-cache",
        "Expires": "0",
    }
    cookie = response_cookies(first)[CSRF_NAME[format]]
    assert cookie.value == valid_cookie(token)
    assert (
        cookie.serialize()
        == f"{CSRF_NAME[format]}={token}%7C{csrf_hash(token, SECRET)}; Path=/; HttpOnly; SameSite=Lax"
    )

    again = await handle(make_request("GET", "csrf", cookies={cookie.name: cookie.value}), options, now=NOW)
    assert json_body(again) == {"csrfToken": token}
    assert CSRF_NAME[format] not in response_cookies(again)


async def test_get_csrf_replaces_a_forged_cookie(format: str) -> None:
    options = make_options(format=format)
    forged = valid_cookie(secret="attacker")
    response = await handle(make_request("GET", "csrf", cookies={CSRF_NAME[format]: forged}), options)
    token = json_body(response)["csrfToken"]
    assert token != "a" * 64
    assert response_cookies(response)[CSRF_NAME[format]].value == valid_cookie(token)


async def test_csrf_cookie_over_https_uses_the_host_prefix(format: str) -> None:
    response = await handle(make_request("GET", "csrf", https=True), make_options(format=format))
    cookie = response_cookies(response)[HOST_CSRF_NAME[format]]
    assert cookie.secure is True
    assert cookie.path == "/"
    assert cookie.domain is None  # __Host- cookies must not name a domain
    assert cookie.serialize().endswith("; Path=/; HttpOnly; Secure; SameSite=Lax")


async def test_host_cookie_is_read_over_https_and_plain_one_ignored(format: str) -> None:
    options = make_options(format=format)
    cookies = {CSRF_NAME[format]: valid_cookie("b" * 64), HOST_CSRF_NAME[format]: valid_cookie()}
    response = await handle(make_request("GET", "csrf", cookies=cookies, https=True), options)
    assert json_body(response) == {"csrfToken": "a" * 64}


async def test_csrf_uses_the_joined_secret_list(format: str) -> None:
    options = make_options(format=format, secret=["new", "old"])
    response = await handle(make_request("GET", "csrf"), options)
    token = json_body(response)["csrfToken"]
    assert response_cookies(response)[CSRF_NAME[format]].value == f"{token}|{csrf_hash(token, 'new,old')}"


# --- actions that require it -------------------------------------------------------------------------

MISSING = {
    "signin/credentials": {"v4": f"{BASE}/signin?csrf=true", "v5": f"{BASE}/signin?error=MissingCSRF"},
    "callback/credentials": {"v4": f"{BASE}/signin?csrf=true", "v5": f"{BASE}/signin?error=MissingCSRF"},
    "signout": {"v4": f"{BASE}/signout?csrf=true", "v5": f"{BASE}/signin?error=MissingCSRF"},
}


def bodies(token: str) -> dict[str, dict[str, str] | None]:
    return {
        "no body": None,
        "no token": {"username": "ada"},
        "empty token": {"csrfToken": ""},
        "wrong token": {"csrfToken": "f" * 64},
        "token with a suffix": {"csrfToken": token + "x"},
    }


@pytest.mark.parametrize("path", list(MISSING))
@pytest.mark.parametrize("case", ["no body", "no token", "empty token", "wrong token", "token with a suffix"])
async def test_post_without_a_valid_token_is_refused(client: CoreClient, format: str, path: str, case: str) -> None:
    token = await client.csrf_token()
    response = await client.request("POST", path, body=bodies(token)[case])
    assert response.status == 302
    assert response.redirect == MISSING[path][format]
    assert not client.session_cookie_names()


@pytest.mark.parametrize("path", list(MISSING))
async def test_post_without_the_cookie_is_refused(format: str, path: str) -> None:
    options = make_options(format=format)
    token = json_body(await handle(make_request("GET", "csrf"), options))["csrfToken"]
    response = await handle(make_request("POST", path, body={"csrfToken": token}), options)
    assert response.redirect == MISSING[path][format]
    if format == "v4":
        # A fresh cookie is minted for the next try.
        assert CSRF_NAME[format] in response_cookies(response)
    else:
        # @auth/core answers an error with a fresh response: no Set-Cookie; the sign-in page mints one.
        assert response.cookies == []


async def test_token_in_the_query_is_ignored(client: CoreClient, format: str) -> None:
    token = await client.csrf_token()
    response = await client.request(
        "POST", "callback/credentials", body={"username": "ada", "password": "x"}, query={"csrfToken": token}
    )
    assert response.redirect == MISSING["callback/credentials"][format]


async def test_token_from_another_cookie_is_refused(format: str) -> None:
    options = make_options(format=format)
    cookie = valid_cookie("a" * 64)
    request = make_request("POST", "signout", cookies={CSRF_NAME[format]: cookie}, body={"csrfToken": "b" * 64})
    response = await handle(request, options)
    assert response.redirect == MISSING["signout"][format]


async def test_session_update_without_token_is_400(client: CoreClient, format: str) -> None:
    await client.sign_in()
    response = await client.request("POST", "session", body={"data": {"name": "x"}})
    assert response.status == 400
    assert json_body(response) == ({} if format == "v4" else None)


async def test_valid_token_passes(client: CoreClient, format: str) -> None:
    token = await client.csrf_token()
    response = await client.request("POST", "signout", body={"csrfToken": token})
    assert response.status == 302
    assert "csrf=true" not in (response.redirect or "")
    assert "error" not in (response.redirect or "")


async def test_oauth_style_get_callback_does_not_need_csrf(format: str) -> None:
    """GET requests never check CSRF: GET /session works without any cookie."""
    response = await handle(make_request("GET", "session"), make_options(format=format))
    assert response.status == 200
