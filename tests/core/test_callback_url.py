"""callbackUrl resolution and the open-redirect guard, protocol §4.3.

Whatever a visitor puts in ``callbackUrl`` (form body, query string or the callback-url cookie),
the redirect that follows must stay on the site's origin, or the request must end in a clean
configuration error; it must never point at another host.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import pytest

from authsession._core.callback_url import default_redirect, is_http_url, origin_of
from authsession._core.handler import handle
from helpers import BASE, ORIGIN, CoreClient, json_body, make_options, make_request, response_cookies

pytestmark = pytest.mark.usefixtures("clean_auth_env")

CALLBACK_COOKIE = {"v4": "next-auth.callback-url", "v5": "authjs.callback-url"}

HOSTILE = [
    "https://evil.com",
    "http://evil.com/path?x=1",
    "HTTPS://EVIL.COM",
    "//evil.com",
    "///evil.com",
    "////evil.com/x",
    "/\\evil.com",
    "\\/evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "http://localhost@evil.com",
    "http://localhost:3000@evil.com",
    "https://evil.com%2F@localhost",
    "http://evil.com%2F@localhost:3000",
    "http://evil.com%2F%2F@localhost:3000/",
    "http://user:pass@localhost:3000/x",
    "http://localhost:3000.evil.com",
    "http://localhost:3000\\@evil.com",
    "http://evil.com\\@localhost:3000",
    "http:evil.com",
    "http:/evil.com",
    "https:/\\evil.com",
    "%2F%2Fevil.com",
    "%2f%2fevil.com",
    "/%2F%2Fevil.com",
    "%5C%5Cevil.com",
    " //evil.com",
    "  https://evil.com",
    "\t//evil.com",
    "\n//evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r\n/evil.com",
    "\x00//evil.com",
    "//evil.com\r\nSet-Cookie: pwned=1",
    "/ok\r\nLocation: http://evil.com",
    "/ok\x00evil",
    "ftp://evil.com",
    "mailto:a@evil.com",
    "http://[::1]:3000/",
    "http://127.0.0.1:3000/",
    "http://localhost:3001/",
    "https://localhost:3000/",
]


def assert_on_origin(url: str) -> None:
    """``url`` is the origin itself or a path under it, with nothing a browser could re-parse as a host."""
    assert url == ORIGIN or url.startswith(ORIGIN + "/"), url
    assert not any(c in url for c in "\r\n\t\x00"), url
    # Browsers read ``\`` as ``/`` in http(s) URLs: the host must survive that too.
    assert urlsplit(url.replace("\\", "/")).hostname == "localhost", url


def assert_safe(response: Any) -> None:
    """Either a redirect on the origin or a clean 400 refusal, never a foreign host."""
    if response.status == 400:
        if response.headers["Content-Type"] == "application/json":
            assert "message" in json.loads(response.body)
        else:
            assert "Server error" in response.body
        assert response.redirect is None
        return
    assert response.status == 302, response
    assert response.redirect is not None
    assert_on_origin(response.redirect)
    assert response.redirect.isascii()
    assert " " not in response.redirect
    for cookie in response.cookies:
        if "callback-url" in cookie.name:
            assert_on_origin(cookie.value)
            assert "\r" not in cookie.serialize()
            assert "\n" not in cookie.serialize()


# --- default_redirect ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/dashboard", f"{ORIGIN}/dashboard"),
        ("/", f"{ORIGIN}/"),
        ("/a?b=c#d", f"{ORIGIN}/a?b=c#d"),
        (f"{ORIGIN}/x", f"{ORIGIN}/x"),
        (ORIGIN, ORIGIN),
        ("http://LOCALHOST:3000/x", "http://LOCALHOST:3000/x"),
        ("relative/path", ORIGIN),
        ("", ORIGIN),
    ],
)
def test_default_redirect(url: str, expected: str) -> None:
    assert default_redirect(url, ORIGIN) == expected


@pytest.mark.parametrize("url", HOSTILE)
def test_default_redirect_never_leaves_the_origin(url: str) -> None:
    assert_on_origin(default_redirect(url, ORIGIN))


def test_default_port_is_the_same_origin() -> None:
    assert default_redirect("https://example.com:443/x", "https://example.com") == "https://example.com:443/x"
    assert default_redirect("https://example.com:8443/x", "https://example.com") == "https://example.com"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.com", "http://a.com"),
        ("HTTP://A.COM:80/x", "http://a.com"),
        ("https://a.com:443", "https://a.com"),
        ("https://a.com:8443/", "https://a.com:8443"),
        ("http://[::1]:3000/", "http://[::1]:3000"),
        ("ftp://a.com", None),
        ("http://", None),
        ("http://a.com:99999", None),
        ("http://a\\b.com", None),
        ("/relative", None),
    ],
)
def test_origin_of(url: str, expected: str | None) -> None:
    assert origin_of(url) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("/x", True),
        ("//evil.com", True),  # relative to the base: still http(s), the redirect keeps it on the origin
        ("https://evil.com", True),  # http(s): allowed through to the redirect callback, which refuses it
        ("javascript:alert(1)", False),
        ("data:x", False),
        ("mailto:x", False),
        ("x", False),
        # WHATWG URL parsing drops tabs and newlines and escapes the rest: still http(s).
        ("/x\r\ny", True),
        ("/x\x00", True),
    ],
)
def test_is_http_url(url: str, ok: bool) -> None:
    assert is_http_url(url, BASE) is ok


# --- through the handler: body, query and cookie --------------------------------------------------


async def signout(client: CoreClient, **kwargs: Any) -> Any:
    body = {"csrfToken": await client.csrf_token(), **kwargs.pop("body", {})}
    return await client.request("POST", "signout", body=body, **kwargs)


@pytest.mark.parametrize("url", HOSTILE)
async def test_hostile_callback_url_in_the_body(client: CoreClient, url: str) -> None:
    response = await signout(client, body={"callbackUrl": url})
    assert_safe(response)
    # The body is not asserted by NextAuth; it goes through the redirect callback, which refuses it.
    assert response.status == 302


@pytest.mark.parametrize("url", HOSTILE)
async def test_hostile_callback_url_in_the_query(client: CoreClient, url: str) -> None:
    assert_safe(await signout(client, query={"callbackUrl": url}))


@pytest.mark.parametrize("url", HOSTILE)
async def test_hostile_callback_url_in_the_cookie(client: CoreClient, format: str, url: str) -> None:
    token = await client.csrf_token()
    assert client.jar is not None
    client.jar[CALLBACK_COOKIE[format]] = url
    assert_safe(await client.request("POST", "signout", body={"csrfToken": token}))


@pytest.mark.parametrize("url", HOSTILE)
async def test_hostile_callback_url_on_credentials_sign_in(client: CoreClient, url: str) -> None:
    response = await client.sign_in(callbackUrl=url)
    assert_safe(response)


@pytest.mark.parametrize("url", HOSTILE)
async def test_hostile_callback_url_on_the_signin_page_redirect(format: str, url: str) -> None:
    options = make_options(format=format, pages={"sign_in": "/login"})
    response = await handle(make_request("GET", "signin", query={"callbackUrl": url}), options)
    if response.status == 400:
        return assert_safe(response)
    assert response.status == 302
    assert response.redirect is not None
    assert response.redirect.startswith(f"{ORIGIN}/login?callbackUrl=")
    cookie = response_cookies(response).get(CALLBACK_COOKIE[format])
    assert cookie is not None
    assert_on_origin(cookie.value)
    return None


@pytest.mark.parametrize("url", HOSTILE)
async def test_hostile_callback_url_in_json_mode(client: CoreClient, format: str, url: str) -> None:
    body = {"callbackUrl": url}
    headers = {}
    if format == "v4":
        body["json"] = "true"
    else:
        headers["X-Auth-Return-Redirect"] = "1"
    response = await signout(client, body=body, headers=headers)
    assert response.status == 200
    assert_on_origin(json_body(response)["url"])


async def test_invalid_callback_url_in_the_query_is_refused_as_bad_input(client: CoreClient) -> None:
    # NextAuth answers 500 here; the request is at fault, so authsession answers 400 with the same body.
    response = await signout(client, query={"callbackUrl": "javascript:alert(1)"})
    assert response.status == 400
    assert "javascript" not in response.body


@pytest.mark.parametrize("planted", ["javascript:alert(1)", "https://evil.com/" + "x" * 5000, "/" * 5000])
@pytest.mark.parametrize(("method", "action"), [("GET", "session"), ("GET", "signin"), ("GET", "csrf")])
async def test_invalid_callback_url_cookie_is_ignored_cleared_and_logged(
    client: CoreClient, format: str, planted: str, method: str, action: str, caplog: pytest.LogCaptureFixture
) -> None:
    # NextAuth answers 500 to every request of a browser holding such a cookie (issue 9 item 3),
    # and never clears it: one planted cookie would lock that browser out of the auth routes.
    assert client.jar is not None
    client.jar[CALLBACK_COOKIE[format]] = planted
    with caplog.at_level(logging.INFO, logger="authsession"):
        response = await client.request(method, action)
    assert response.status in (200, 302)
    assert client.jar[CALLBACK_COOKIE[format]] == ORIGIN
    assert "Ignoring an invalid callback-url cookie" in caplog.text
    again = await client.request(method, action)
    assert again.status == response.status


# --- normal resolution ---------------------------------------------------------------------------


async def test_without_any_callback_url_the_origin_is_used(client: CoreClient, format: str) -> None:
    response = await signout(client)
    assert response.redirect == ORIGIN
    assert client.jar is not None
    assert client.jar[CALLBACK_COOKIE[format]] == ORIGIN


async def test_body_wins_over_query_wins_over_cookie(client: CoreClient, format: str) -> None:
    assert client.jar is not None
    client.jar[CALLBACK_COOKIE[format]] = f"{ORIGIN}/from-cookie"
    both = await signout(client, body={"callbackUrl": "/from-body"}, query={"callbackUrl": "/from-query"})
    assert both.redirect == f"{ORIGIN}/from-body"
    client.jar[CALLBACK_COOKIE[format]] = f"{ORIGIN}/from-cookie"
    query = await signout(client, query={"callbackUrl": "/from-query"})
    assert query.redirect == f"{ORIGIN}/from-query"
    client.jar[CALLBACK_COOKIE[format]] = f"{ORIGIN}/from-cookie"
    cookie = await signout(client)
    assert cookie.redirect == f"{ORIGIN}/from-cookie"


async def test_callback_url_cookie_is_set_when_it_changes(format: str) -> None:
    options = make_options(format=format)
    request = make_request("GET", "session", query={"callbackUrl": "/dash?x=1&y=a b"})
    cookie = response_cookies(await handle(request, options))[CALLBACK_COOKIE[format]]
    assert cookie.value == f"{ORIGIN}/dash?x=1&y=a b"
    assert cookie.serialize() == (
        f"{CALLBACK_COOKIE[format]}=http%3A%2F%2Flocalhost%3A3000%2Fdash%3Fx%3D1%26y%3Da%20b; "
        "Path=/; HttpOnly; SameSite=Lax"
    )
    same = make_request("GET", "session", query={"callbackUrl": "/dash?x=1&y=a b"}, cookies={cookie.name: cookie.value})
    assert CALLBACK_COOKIE[format] not in response_cookies(await handle(same, options))


async def test_non_ascii_callback_url_gives_an_ascii_location(client: CoreClient) -> None:
    response = await signout(client, body={"callbackUrl": "/café/日本?q=ü ü"})
    assert response.redirect is not None
    assert response.redirect.isascii()
    assert response.redirect == f"{ORIGIN}/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC%20%C3%BC"


# --- the redirect callback -----------------------------------------------------------------------


async def test_custom_redirect_callback_is_honoured(format: str) -> None:
    seen: list[dict[str, str]] = []

    async def redirect(url: str, base_url: str) -> str:
        seen.append({"url": url, "base_url": base_url})
        return "https://partner.example.com/welcome"

    client = CoreClient(make_options(format=format, callbacks={"redirect": redirect}))
    response = await signout(client, body={"callbackUrl": "/next"})
    assert response.redirect == "https://partner.example.com/welcome"
    assert {"url": "/next", "base_url": ORIGIN} in seen


async def test_sync_redirect_callback_returning_a_path(format: str) -> None:
    def redirect(url: str, base_url: str) -> str:
        return "/always-here"

    client = CoreClient(make_options(format=format, callbacks={"redirect": redirect}))
    response = await signout(client, body={"callbackUrl": "https://evil.com"})
    assert response.redirect == f"{ORIGIN}/always-here"


@pytest.mark.parametrize("result", ["javascript:alert(1)", "/x\r\nSet-Cookie: a=b", None, 42])
async def test_redirect_callback_returning_garbage_is_a_configuration_error(format: str, result: object) -> None:
    client = CoreClient(make_options(format=format, callbacks={"redirect": lambda url, base_url: result}))
    response = await signout(client, body={"callbackUrl": "/next"})
    assert response.status == 500
    assert response.redirect is None
