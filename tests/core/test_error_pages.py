"""GET ``/error`` and GET ``/verify-request``, protocol §4.4, §4.5 and §8."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from authsession._core.handler import handle
from authsession._core.http import AuthResponse
from helpers import BASE, ORIGIN, SECRET, NodeOracle, make_options, make_request

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SIGNIN_CODES = [
    "Signin",
    "OAuthSignin",
    "OAuthCallback",
    "OAuthCreateAccount",
    "EmailCreateAccount",
    "Callback",
    "OAuthAccountNotLinked",
    "EmailSignin",
    "CredentialsSignin",
    "SessionRequired",
]
PAGE_CODES = [
    ("Configuration", 500, "Server error"),
    ("AccessDenied", 403, "Access Denied"),
    ("Verification", 403, "Unable to sign in"),
    ("Default", 200, "Error"),
    ("SomethingElse", 200, "Error"),
]


async def get_error(format: str, error: str | None, **options: Any) -> AuthResponse:
    query = {"error": error} if error is not None else None
    return await handle(make_request("GET", "error", query=query), make_options(format=format, **options))


@pytest.mark.parametrize("code", SIGNIN_CODES)
async def test_sign_in_codes(format: str, code: str) -> None:
    response = await get_error(format, code)
    if format == "v4":
        assert response.status == 302
        assert response.redirect == f"{BASE}/signin?error={code}"
    else:
        # Auth.js never bounces to the sign-in page from here: the generic page.
        assert response.status == 200
        assert "<h1>Error</h1>" in response.body


@pytest.mark.parametrize(("code", "status", "heading"), PAGE_CODES)
async def test_error_page_codes(format: str, code: str, status: int, heading: str) -> None:
    response = await get_error(format, code)
    assert response.status == status
    assert response.headers["Content-Type"] == "text/html"
    assert f"<h1>{heading}</h1>" in response.body


@pytest.mark.parametrize(("code", "status"), [("configuration", 500), ("ACCESSDENIED", 403), ("verification", 403)])
async def test_v4_matches_codes_ignoring_case(format: str, code: str, status: int) -> None:
    response = await get_error(format, code)
    assert response.status == (status if format == "v4" else 200)


async def test_no_error_is_the_generic_page(format: str) -> None:
    response = await get_error(format, None)
    assert response.status == 200
    assert "<h1>Error</h1>" in response.body


async def test_error_value_is_not_reflected(format: str) -> None:
    response = await get_error(format, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in response.body
    assert "alert(1)" not in response.body


async def test_error_page_links(format: str) -> None:
    denied = await get_error(format, "AccessDenied")
    assert f'href="{BASE}/signin"' in denied.body
    config = await get_error(format, "Configuration")
    assert f'href="{ORIGIN}"' in config.body


@pytest.mark.parametrize("code", ["Configuration", "AccessDenied", "Verification", "Anything"])
async def test_custom_error_page(format: str, code: str) -> None:
    response = await get_error(format, code, pages={"error": "/oops"})
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/oops?error={code}"


async def test_custom_error_page_with_a_query(format: str) -> None:
    response = await get_error(format, "AccessDenied", pages={"error": "https://example.com/e?lang=en"})
    assert response.redirect == "https://example.com/e?lang=en&error=AccessDenied"


async def test_v4_sign_in_codes_go_to_signin_even_with_a_custom_error_page(format: str) -> None:
    response = await get_error(format, "CredentialsSignin", pages={"error": "/oops"})
    expected = {"v4": f"{BASE}/signin?error=CredentialsSignin", "v5": f"{ORIGIN}/oops?error=CredentialsSignin"}
    assert response.redirect == expected[format]


@pytest.mark.parametrize("format", ["v4"], indirect=True)
async def test_v4_reads_the_error_from_the_path(format: str) -> None:
    response = await handle(make_request("GET", "error/AccessDenied"), make_options(format=format))
    assert response.status == 403
    signin = await handle(make_request("GET", "error/SessionRequired"), make_options(format=format))
    assert signin.redirect == f"{BASE}/signin?error=SessionRequired"


@pytest.mark.parametrize("format", ["v5"], indirect=True)
async def test_v5_error_with_a_path_segment_is_a_bad_request(format: str) -> None:
    response = await handle(make_request("GET", "error/AccessDenied"), make_options(format=format))
    assert response.status == 400


# --- GET /verify-request --------------------------------------------------------------------------------------


async def test_verify_request_page(format: str) -> None:
    response = await handle(make_request("GET", "verify-request"), make_options(format=format))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html"
    assert "Check your email" in response.body
    assert f'href="{ORIGIN}"' in response.body


async def test_custom_verify_request_page(format: str) -> None:
    options = make_options(format=format, pages={"verify_request": "/check-email"})
    query = {"provider": "email", "type": "email"}
    response = await handle(make_request("GET", "verify-request", query=query), options)
    assert response.status == 302
    if format == "v4":
        assert response.redirect == f"{ORIGIN}/check-email"
    else:
        assert response.redirect == f"{ORIGIN}/check-email?provider=email&type=email"


async def test_custom_verify_request_page_without_query(format: str) -> None:
    options = make_options(format=format, pages={"verify_request": "/check-email"})
    response = await handle(make_request("GET", "verify-request"), options)
    assert response.redirect == f"{ORIGIN}/check-email"


# --- the sign-in page's error texts, against the real packages -------------------------------

#: Every code either package's sign-in page explains, the v5-only MissingCSRF, and two it does not.
SIGNIN_PAGE_CODES = [*SIGNIN_CODES, "OAuthCallbackError", "MissingCSRF", "Default", "Nope"]
_ALERT = re.compile(r'<div class="(?:error|alert)"[^>]*><p>(.*?)</p>', re.DOTALL)


def signin_alert(body: str) -> str | None:
    """The message in a sign-in page's error box (NextAuth's ``.error``, ours ``.alert``)."""
    found = _ALERT.search(body)
    return html.unescape(found.group(1)) if found else None


def oracle_signin_alerts(oracle: NodeOracle) -> list[str | None]:
    if oracle.format == "v4":
        ops = [
            {"op": "handler", "action": "signin", "query": {"error": code}, "secret": SECRET, "fullBody": True}
            for code in SIGNIN_PAGE_CODES
        ]
    else:
        ops = [
            {"op": "auth", "url": f"{ORIGIN}/auth/signin?error={code}", "secret": SECRET, "fullBody": True}
            for code in SIGNIN_PAGE_CODES
        ]
    return [signin_alert(result["body"]) for result in oracle.run(ops)]


async def test_signin_error_texts_match_the_package(node_oracle: NodeOracle) -> None:
    """Each dialect explains only its own codes: v4's page has no text for v5's OAuthCallbackError,
    nor v5's for v4's OAuthCallback, and neither for MissingCSRF."""
    options = make_options(format=node_oracle.format)
    ours = []
    for code in SIGNIN_PAGE_CODES:
        response = await handle(make_request("GET", "signin", query={"error": code}), options)
        ours.append(signin_alert(response.body))
    assert dict(zip(SIGNIN_PAGE_CODES, ours, strict=True)) == dict(
        zip(SIGNIN_PAGE_CODES, oracle_signin_alerts(node_oracle), strict=True)
    )
