"""Routing of ``handle()``: ``<base>/<action>[/<provider>]`` and the answers to what it does not serve.

Protocol §4.1, §4.2, §4.4 (v4) and §4.5 (v5).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from authsession._core.handler import handle, parse_action
from helpers import BASE, ORIGIN, CoreClient, json_body, make_options, make_request

pytestmark = pytest.mark.usefixtures("clean_auth_env")

V4_UNSUPPORTED = "Error: This action with HTTP {} is not supported by NextAuth.js"
CONFIG_MESSAGE = {
    "v4": "There is a problem with the server configuration. Check the server logs for more information.",
    "v5": "There was a problem with the server configuration. Check the server logs for more information.",
}


def assert_bad_request(response: Any, format: str, method: str) -> None:
    assert response.status == 400
    assert response.redirect is None
    if format == "v4":
        assert response.headers["Content-Type"] == "text/plain"
        assert response.body == V4_UNSUPPORTED.format(method)
    else:
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.body) == "Bad request."


# --- parse_action ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/auth/session", ("session", None)),
        ("/api/auth/session/", ("session", None)),
        ("/api/auth/signin/github", ("signin", "github")),
        ("/api/auth/signin/github/", ("signin", "github")),
        ("/api/auth/callback/credentials", ("callback", "credentials")),
        ("/api/auth/a/b/c", None),
        ("/api/auth", None),
        ("/api/authsession", None),
        ("/other/session", None),
    ],
)
def test_parse_action(path: str, expected: tuple[str, str | None] | None) -> None:
    assert parse_action(path, "/api/auth") == expected


# --- GET /providers ----------------------------------------------------------------------------


async def test_providers_lists_every_provider_with_its_urls(format: str) -> None:
    from helpers import make_credentials

    options = make_options(format=format, providers=[make_credentials(), make_credentials(id="otp", name="One-time")])
    response = await handle(make_request("GET", "providers"), options)
    assert response.status == 200
    assert response.headers == {"Content-Type": "application/json"}
    assert json_body(response) == {
        "credentials": {
            "id": "credentials",
            "name": "Credentials",
            "type": "credentials",
            "signinUrl": f"{BASE}/signin/credentials",
            "callbackUrl": f"{BASE}/callback/credentials",
        },
        "otp": {
            "id": "otp",
            "name": "One-time",
            "type": "credentials",
            "signinUrl": f"{BASE}/signin/otp",
            "callbackUrl": f"{BASE}/callback/otp",
        },
    }


async def test_providers_urls_follow_the_configured_url_and_base_path(format: str) -> None:
    options = make_options(format=format, url="https://auth.example.com", base_path="/auth")
    response = await handle(make_request("GET", "/auth/providers"), options)
    provider = json_body(response)["credentials"]
    assert provider["signinUrl"] == "https://auth.example.com/auth/signin/credentials"
    assert provider["callbackUrl"] == "https://auth.example.com/auth/callback/credentials"


async def test_url_path_sets_the_base_path(format: str) -> None:
    options = make_options(format=format, url="https://example.com/custom/auth")
    assert options.base_path == "/custom/auth"
    response = await handle(make_request("GET", "/custom/auth/providers"), options)
    assert response.status == 200
    assert json_body(response)["credentials"]["signinUrl"] == "https://example.com/custom/auth/signin/credentials"


# --- unknown routes and methods ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["nope", "webauthn-option", "Session", "/api/auth/a/b/c", "/api/authx/session"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unknown_action(format: str, path: str, method: str) -> None:
    response = await handle(make_request(method, path), make_options(format=format))
    assert_bad_request(response, format, method)
    assert response.cookies == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
@pytest.mark.parametrize("action", ["session", "signin", "providers", "csrf"])
async def test_unsupported_method(format: str, method: str, action: str) -> None:
    response = await handle(make_request(method, action), make_options(format=format))
    assert_bad_request(response, format, method)


async def test_lower_case_method_is_routed(format: str) -> None:
    response = await handle(make_request("get", "csrf"), make_options(format=format))
    assert response.status == 200
    assert "csrfToken" in json_body(response)


@pytest.mark.parametrize("path", ["providers", "csrf", "error", "verify-request"])
async def test_post_to_a_get_only_action(format: str, path: str) -> None:
    response = await handle(make_request("POST", path, body={}), make_options(format=format))
    if format == "v4":
        assert_bad_request(response, "v4", "POST")
    else:
        # A known action with the wrong method is UnknownAction, reported as Configuration.
        assert response.status == 302
        assert response.redirect == f"{BASE}/error?error=Configuration"


@pytest.mark.parametrize("path", ["session/extra", "csrf/x", "providers/github", "signout/x"])
async def test_provider_segment_on_an_action_without_providers(format: str, path: str) -> None:
    response = await handle(make_request("GET", path), make_options(format=format))
    if format == "v4":
        # next-auth 4 routes on the first segment and ignores the second.
        assert response.status == 200
    else:
        assert_bad_request(response, "v5", "GET")


async def test_get_signin_with_provider_id(format: str) -> None:
    response = await handle(make_request("GET", "signin/credentials"), make_options(format=format))
    if format == "v4":
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html"
    else:
        assert response.status == 302
        assert response.redirect == f"{BASE}/error?error=Configuration"


# --- unknown providers ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_callback_of_an_unknown_provider(client: CoreClient, format: str, method: str) -> None:
    body = {"csrfToken": await client.csrf_token()} if method == "POST" else None
    response = await client.request(method, "callback/nope", body=body)
    if format == "v4":
        assert response.status == 400
        assert response.body == V4_UNSUPPORTED.format(method)
    else:
        assert response.status == 302
        assert response.redirect == f"{BASE}/error?error=Configuration"


async def test_signin_with_an_unknown_provider(client: CoreClient, format: str) -> None:
    response = await client.request("POST", "signin/nope", body={"csrfToken": await client.csrf_token()})
    assert response.status == 302
    if format == "v4":
        assert response.redirect == f"{BASE}/signin?csrf=true"
    else:
        assert response.redirect == f"{BASE}/error?error=Configuration"


# --- POST /_log ----------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["v4"], indirect=True)
async def test_log_forwards_to_the_logger(format: str, caplog: pytest.LogCaptureFixture) -> None:
    options = make_options(format=format)
    body = {"code": "CLIENT_FETCH_ERROR", "level": "error", "url": "/api/auth/session"}
    with caplog.at_level(logging.DEBUG, logger="authsession"):
        response = await handle(make_request("POST", "_log", body=body), options)
    assert response.status == 200
    assert response.body == ""
    record = next(r for r in caplog.records if "CLIENT_FETCH_ERROR" in r.getMessage())
    assert record.levelno == logging.ERROR
    assert "/api/auth/session" in record.getMessage()


@pytest.mark.parametrize("format", ["v4"], indirect=True)
async def test_log_with_unknown_level_and_no_body(format: str) -> None:
    response = await handle(make_request("POST", "_log"), make_options(format=format))
    assert response.status == 200


@pytest.mark.parametrize("format", ["v5"], indirect=True)
async def test_log_is_not_an_action_in_v5(format: str) -> None:
    response = await handle(make_request("POST", "_log", body={"code": "x"}), make_options(format=format))
    assert_bad_request(response, "v5", "POST")


# --- JSON redirect mode --------------------------------------------------------------------------


async def test_json_mode_answers_url_instead_of_redirecting(client: CoreClient, format: str) -> None:
    token = await client.csrf_token()
    body = {"csrfToken": token, "callbackUrl": "/dashboard"}
    headers = {}
    if format == "v4":
        body["json"] = "true"
    else:
        headers["X-Auth-Return-Redirect"] = "1"
    response = await client.request("POST", "signout", body=body, headers=headers)
    assert response.status == 200
    assert response.redirect is None
    assert response.headers["Content-Type"] == "application/json"
    assert json_body(response) == {"url": f"{ORIGIN}/dashboard"}


@pytest.mark.parametrize("format", ["v4"], indirect=True)
async def test_v4_json_must_be_the_string_true(client: CoreClient, format: str) -> None:
    response = await client.request("POST", "signout", body={"csrfToken": await client.csrf_token(), "json": "1"})
    assert response.status == 302


@pytest.mark.parametrize("format", ["v5"], indirect=True)
async def test_v5_ignores_json_body_field(client: CoreClient, format: str) -> None:
    response = await client.request("POST", "signout", body={"csrfToken": await client.csrf_token(), "json": "true"})
    assert response.status == 302


@pytest.mark.parametrize("format", ["v5"], indirect=True)
async def test_v5_json_mode_for_errors(client: CoreClient, format: str) -> None:
    response = await client.request("POST", "signout", body={}, headers={"X-Auth-Return-Redirect": "1"})
    assert response.status == 200
    assert json_body(response) == {"url": f"{BASE}/signin?error=MissingCSRF"}


# --- configuration errors at request time --------------------------------------------------------


@pytest.mark.parametrize("path", ["session", "csrf", "providers"])
async def test_bad_query_callback_url_on_json_actions_is_400_json(
    format: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    # NextAuth's configuration-error body, but 400: the request is at fault, not the server.
    request = make_request("GET", path, query={"callbackUrl": "ftp://example.com/x"})
    with caplog.at_level(logging.WARNING, logger="authsession"):
        response = await handle(request, make_options(format=format))
    assert response.status == 400
    assert response.headers["Content-Type"] == "application/json"
    assert json_body(response) == {"message": CONFIG_MESSAGE[format]}
    assert "ftp://example.com/x" not in response.body
    assert any("InvalidCallbackUrl" in r.getMessage() for r in caplog.records)
    # next-auth 4 refuses it before it makes any cookie (tests/node/nextjs answers with none).
    assert response.cookies == []


async def test_bad_query_callback_url_on_post_is_400_json(client: CoreClient, format: str) -> None:
    token = await client.csrf_token()
    response = await client.request("POST", "signout", body={"csrfToken": token}, query={"callbackUrl": "mailto:x"})
    assert response.status == 400
    assert json_body(response) == {"message": CONFIG_MESSAGE[format]}


@pytest.mark.parametrize("path", ["signin", "signout", "error", "verify-request"])
async def test_bad_query_callback_url_on_a_page_renders_the_error_page(format: str, path: str) -> None:
    response = await handle(make_request("GET", path, query={"callbackUrl": "mailto:x"}), make_options(format=format))
    assert response.status == 400
    assert response.headers["Content-Type"] == "text/html"
    assert "Server error" in response.body
    assert response.cookies == []


async def test_config_error_on_a_page_redirects_to_the_custom_error_page(format: str) -> None:
    options = make_options(format=format, pages={"error": "/oops"})
    response = await handle(make_request("GET", "signin", query={"callbackUrl": "mailto:x"}), options)
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/oops?error=Configuration"


async def test_a_bad_callback_url_cookie_does_not_loop(format: str) -> None:
    """The pages render (the bad cookie is ignored and overwritten), with no bounce to the error page."""
    options = make_options(format=format)
    name = options.cookie_set(False).callback_url.name
    for path in ("signin", "error"):
        response = await handle(make_request("GET", path, cookies={name: "javascript:alert(1)"}), options)
        assert response.status == 200
        assert response.redirect is None
        assert {c.name: c.value for c in response.cookies}[name] == ORIGIN


async def test_unexpected_exception_becomes_configuration(format: str, caplog: pytest.LogCaptureFixture) -> None:
    def boom(**_: Any) -> str:
        raise RuntimeError("secret detail")

    options = make_options(format=format, callbacks={"redirect": boom})
    with caplog.at_level(logging.ERROR, logger="authsession"):
        response = await handle(make_request("GET", "signin", query={"callbackUrl": "/x"}), options)
    assert "secret detail" not in response.body
    assert "secret detail" not in (response.redirect or "")
    assert response.status == 302
    assert response.redirect == f"{BASE}/error?error=Configuration"
    assert any(r.exc_info for r in caplog.records)


# --- origin ----------------------------------------------------------------------------------------


async def test_origin_comes_from_the_request_without_a_configured_url(format: str) -> None:
    response = await handle(
        make_request("GET", "providers", host="app.test:8443", https=True), make_options(format=format)
    )
    assert json_body(response)["credentials"]["signinUrl"] == "https://app.test:8443/api/auth/signin/credentials"


async def test_configured_url_wins_over_the_request(format: str) -> None:
    options = make_options(format=format, url="https://example.com")
    response = await handle(make_request("GET", "providers", host="evil.test"), options)
    assert json_body(response)["credentials"]["signinUrl"] == "https://example.com/api/auth/signin/credentials"


async def test_unusable_request_url_is_a_config_error(format: str) -> None:
    from authsession._core.http import AuthRequest

    request = AuthRequest(method="GET", url="/api/auth/session")
    response = await handle(request, make_options(format=format))
    assert response.status == 500
    assert json_body(response) == {"message": CONFIG_MESSAGE[format]}
