"""The Starlette integration: the shared suite on a plain Starlette app, plus what is Starlette-only."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from authsession import AuthOptions, get_server_session, jwt
from authsession.integrations.starlette import (
    AuthSessionMiddleware,
    get_csrf_token,
    install,
    parse_body,
    to_auth_request,
)
from helpers import SECRET, SESSION, USER, make_options

from .session_suite import SessionSuite, cookie_names, sign_in


def routes(options: AuthOptions) -> list[Route]:
    async def me(request: Request) -> Response:
        return JSONResponse(await get_server_session(request, None, options))

    async def page(request: Request) -> Response:
        session = await get_server_session(request, None, options)
        name = session["user"]["name"] if session else "stranger"
        return HTMLResponse(f"<p>Hello {name}</p>")

    async def go(request: Request) -> Response:
        await get_server_session(request, None, options)
        return RedirectResponse("/")

    async def twice(request: Request) -> Response:
        first = await get_server_session(request, None, options)
        second = await get_server_session(request, None, options)
        return JSONResponse({"same": first is second, "signed_in": first is not None})

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return [
        Route("/me", me),
        Route("/page", page),
        Route("/go", go),
        Route("/twice", twice),
        Route("/health", health),
    ]


class TestStarlette(SessionSuite):
    framework = "starlette"

    def build_app(self, options: AuthOptions) -> Any:
        app = Starlette(routes=routes(options))
        install(app, options)
        return app


# --- Starlette-only ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_auth_env")
def test_middleware_in_the_constructor(format: str) -> None:
    options = make_options(format=format)
    app = Starlette(routes=routes(options), middleware=[Middleware(AuthSessionMiddleware, options=options)])
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client)
        assert client.get("/me").json()["user"]["name"] == USER["name"]


@pytest.mark.usefixtures("clean_auth_env")
def test_without_the_middleware_cookies_go_on_the_given_response(format: str) -> None:
    # Every read re-encrypts (NextAuth's way), so the page has a refreshed cookie to hand over.
    options = make_options(format=format, session={"refresh_threshold": None})

    async def me(request: Request) -> Response:
        response = JSONResponse(None)
        session = await get_server_session(request, response, options)
        response.body = response.render(session)
        response.headers["content-length"] = str(len(response.body))
        return response

    signed_in = Starlette(routes=routes(options))
    install(signed_in, options)
    bare = Starlette(routes=[Route("/me", me)])
    with TestClient(signed_in) as auth_client:
        sign_in(auth_client)
        cookie = auth_client.cookies[SESSION[format]]
    with TestClient(bare) as client:
        client.cookies.set(SESSION[format], cookie)
        response = client.get("/me")
        assert response.json()["user"]["name"] == USER["name"]
        assert cookie_names(response).count(SESSION[format]) == 1


@pytest.mark.usefixtures("clean_auth_env")
def test_get_csrf_token_for_a_custom_form(format: str) -> None:
    options = make_options(format=format)

    async def form(request: Request) -> Response:
        token = await get_csrf_token(request, None, options)
        return HTMLResponse(f'<input name="csrfToken" value="{token}">')

    app = Starlette(routes=[Route("/form", form)])
    install(app, options)
    with TestClient(app) as client:
        first = client.get("/form")
        token = first.text.split('value="')[1].split('"')[0]
        assert len(token) == 64
        csrf = "next-auth.csrf-token" if format == "v4" else "authjs.csrf-token"
        assert cookie_names(first) == [csrf]
        assert client.get("/form").text == first.text
        # The token is the one the API accepts.
        signed_out = client.post("/api/auth/signout", data={"csrfToken": token}, follow_redirects=False)
        assert "csrf=true" not in signed_out.headers["location"]
        assert "MissingCSRF" not in signed_out.headers["location"]


async def test_get_server_session_needs_a_starlette_request() -> None:
    with pytest.raises(TypeError, match="Starlette/FastAPI request"):
        await get_server_session(object(), None, make_options())  # type: ignore[arg-type]


@pytest.mark.usefixtures("clean_auth_env")
def test_to_auth_request() -> None:
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/api/auth/signin/credentials",
        "query_string": b"callbackUrl=%2Fx&a=1&a=2",
        "headers": [
            (b"Host", b"localhost:8080"),
            (b"cookie", b"a=1; b=x%7Cy"),
            (b"cookie", b"c=3"),
            (b"X-Forwarded-Proto", b"https"),
        ],
        "server": ("127.0.0.1", 8000),
    }
    request = to_auth_request(scope, make_options(), {"k": "v"})
    assert request.method == "POST"
    assert request.url == "http://localhost:8080/api/auth/signin/credentials?callbackUrl=%2Fx&a=1&a=2"
    assert request.headers["host"] == "localhost:8080"
    assert request.cookies == {"a": "1", "b": "x|y", "c": "3"}
    assert request.query == {"callbackUrl": "/x", "a": "2"}
    assert request.body == {"k": "v"}
    trusted = to_auth_request(scope, make_options(trust_host=True))
    assert trusted.url.startswith("https://localhost:8080/")


class _Undecodable(bytes):
    """A header value that fails the test if anything decodes it."""

    def decode(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError(f"decoded {bytes(self)!r}")


@pytest.mark.usefixtures("clean_auth_env")
async def test_a_session_read_decodes_no_header_but_the_cookie() -> None:
    options = make_options(url="http://localhost:8080")
    token = jwt.encode(token={"sub": "1", "name": "Ada"}, secret=SECRET, salt=SESSION["v5"])
    browser = [
        (b"host", _Undecodable(b"localhost:8080")),
        (b"user-agent", _Undecodable(b"Mozilla/5.0")),
        (b"accept", _Undecodable(b"text/html")),
        (b"Cookie", f"{SESSION['v5']}={token}".encode()),
        (b"sec-fetch-mode", _Undecodable(b"navigate")),
    ]
    scope = {"type": "http", "method": "GET", "path": "/profile", "headers": browser, "query_string": b""}
    session = await get_server_session(Request(scope), Response(), options)
    assert session is not None
    assert session["user"] == {"name": "Ada"}
    # Looked up, they are decoded after all: lazily, not skipped.
    request = to_auth_request(scope, options)
    with pytest.raises(AssertionError, match="decoded"):
        request.headers.get("user-agent")


@pytest.mark.usefixtures("clean_auth_env")
def test_request_headers_by_lower_case_name_and_no_value_in_their_repr() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"Accept", b"a"), (b"X-Thing", b"1"), (b"x-thing", b"2"), (b"COOKIE", b"secret-value=1")],
        "server": ("127.0.0.1", 8000),
    }
    request = to_auth_request(scope, make_options(url="http://localhost:8080"))
    assert dict(request.headers) == {"accept": "a", "x-thing": "2", "cookie": "secret-value=1"}
    assert "x-thing" in request.headers
    assert request.headers.get("X-Thing") is None  # names are looked up in lower case, as before
    assert request.cookies == {"secret-value": "1"}
    assert repr(request.headers) == "RequestHeaders(['accept', 'x-thing', 'cookie'])"
    assert "=1" not in repr(request)


@pytest.mark.usefixtures("clean_auth_env")
def test_to_auth_request_without_a_host_header() -> None:
    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "server": ("10.0.0.1", 8000)}
    assert to_auth_request(scope, make_options()).url == "http://10.0.0.1:8000/x"
    scope["server"] = ("10.0.0.1", 80)
    assert to_auth_request(scope, make_options()).url == "http://10.0.0.1/x"


@pytest.mark.parametrize(
    ("content_type", "raw", "expected"),
    [
        ("application/x-www-form-urlencoded", b"a=1&b=x%7Cy&c=", {"a": "1", "b": "x|y", "c": ""}),
        ("application/x-www-form-urlencoded; charset=utf-8", b"a=%C3%A9", {"a": "é"}),
        ("application/json", b'{"a": 1, "b": {"c": 2}}', {"a": 1, "b": {"c": 2}}),
        ("Application/JSON", b'{"a": 1}', {"a": 1}),
        ("application/json", b"", {}),
        ("application/json", b"[1]", {}),
        ("application/json", b"{", {}),
        ("application/json", b"NaN", {}),
        ("text/plain", b"a=1", {}),
        ("", b"a=1", {}),
    ],
)
def test_parse_body(content_type: str, raw: bytes, expected: dict[str, Any]) -> None:
    assert parse_body(content_type, raw) == expected
