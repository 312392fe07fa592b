"""Calls that start from an ASGI request (Starlette's, or Litestar's), as an endpoint would make them.

Each call builds a fresh ASGI scope (so nothing is memoised between calls) from a fixed
``Cookie`` header: what a browser that already holds the session sends on every page view.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from authsession import AuthOptions, get_server_session, jwt

Call = Callable[[], Awaitable[Any]]


#: What Chromium sends besides Host and Cookie when it navigates to a page of the same site.
BROWSER_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"connection", b"keep-alive"),
    (b"sec-ch-ua", b'"Chromium";v="156", "Not-A.Brand";v="24"'),
    (b"sec-ch-ua-mobile", b"?0"),
    (b"sec-ch-ua-platform", b'"Linux"'),
    (b"upgrade-insecure-requests", b"1"),
    (
        b"user-agent",
        b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    ),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"),
    (b"sec-fetch-site", b"same-origin"),
    (b"sec-fetch-mode", b"navigate"),
    (b"sec-fetch-user", b"?1"),
    (b"sec-fetch-dest", b"document"),
    (b"referer", b"http://localhost:8000/"),
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"accept-language", b"en-US,en;q=0.9"),
    (b"priority", b"u=0, i"),
)


def _scope(cookie_header: str, extra_headers: Sequence[tuple[bytes, bytes]] = ()) -> dict[str, Any]:
    headers = [(b"host", b"localhost:8000"), *extra_headers, (b"cookie", cookie_header.encode())]
    return {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}


def starlette_session_call(
    options: AuthOptions, cookie_header: str, extra_headers: Sequence[tuple[bytes, bytes]] = ()
) -> Call:
    """``get_server_session(request, response, options)``, as a page handler calls it."""
    headers = _scope(cookie_header, extra_headers)["headers"]

    async def call() -> Any:
        scope = {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}
        session = await get_server_session(Request(scope), Response(), options)
        assert session is not None
        return session

    return call


def rotating_session_call(options: AuthOptions, cookie_headers: Sequence[str]) -> Call:
    """Like :func:`starlette_session_call`, each call with the next of many users' cookies."""
    scopes = [_scope(header)["headers"] for header in cookie_headers]
    position = 0

    async def call() -> Any:
        nonlocal position
        headers = scopes[position]
        position = (position + 1) % len(scopes)
        scope = {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}
        session = await get_server_session(Request(scope), Response(), options)
        assert session is not None
        return session

    return call


def get_token_call(secret: str, format: str, cookie_header: str) -> Call:
    """``authsession.jwt.get_token(request)``, the twin of next-auth's ``getToken``."""
    headers = _scope(cookie_header)["headers"]

    async def call() -> Any:
        scope = {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}
        token = jwt.get_token(Request(scope), secret=secret, format=format)  # type: ignore[call-overload]
        assert token is not None
        return token

    return call


def nextauth_jwt_call(secret: str, format: str, cookie_header: str) -> Call:
    """``fastapi-nextauth-jwt``: its dependency object called with the request, as FastAPI does."""
    from fastapi_nextauth_jwt import NextAuthJWT, NextAuthJWTv4

    if format == "v4":
        dependency = NextAuthJWTv4(secret=secret, secure_cookie=False, csrf_prevention_enabled=False)
    else:
        dependency = NextAuthJWT(secret=secret, secure_cookie=False, csrf_prevention_enabled=False)
    headers = _scope(cookie_header)["headers"]

    async def call() -> Any:
        scope = {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}
        token = dependency(Request(scope))
        assert token["email"]
        return token

    return call


async def starlette_session_middleware_call(secret: str, claims: dict[str, Any]) -> Call:
    """Starlette's ``SessionMiddleware`` loading an itsdangerous-signed cookie of ``claims``."""
    from starlette.middleware.sessions import SessionMiddleware

    async def store(scope: Any, receive: Any, send: Any) -> None:
        scope["session"].update(claims)
        await Response()(scope, receive, send)

    set_cookie: list[str] = []

    async def capture(message: Any) -> None:
        if message["type"] == "http.response.start":
            set_cookie.extend(v.decode() for k, v in message["headers"] if k == b"set-cookie")

    async def nothing() -> Any:
        return {"type": "http.request", "body": b""}

    await SessionMiddleware(store, secret_key=secret)(_scope("x=1"), nothing, capture)
    cookie = set_cookie[0].split(";", 1)[0]
    seen: list[Any] = []

    async def load(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["session"])

    middleware = SessionMiddleware(load, secret_key=secret)
    headers = _scope(cookie)["headers"]

    async def call() -> Any:
        scope = {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}
        await middleware(scope, nothing, capture)
        session = seen.pop()
        assert session["email"]
        return session

    return call


def litestar_session_call(options: AuthOptions, cookie_header: str) -> Call:
    """``await get_server_session(request, options)`` in a Litestar handler."""
    from litestar import Litestar
    from litestar import Request as LitestarRequest

    from authsession.integrations.litestar import AuthSession
    from authsession.integrations.litestar import get_server_session as litestar_session

    app = Litestar(plugins=[AuthSession(options)])
    headers = _scope(cookie_header)["headers"]

    async def call() -> Any:
        scope = {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}
        scope.update(app=app, litestar_app=app, state={})
        session = await litestar_session(LitestarRequest(scope), options)  # type: ignore[arg-type]
        assert session is not None
        return session

    return call
