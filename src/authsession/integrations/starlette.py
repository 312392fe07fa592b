"""Starlette (and so FastAPI) integration: a pure ASGI middleware and ``get_server_session``.

The middleware answers ``<base_path>/*`` itself and adds the session cookies that
``get_server_session`` refreshed to whatever response the page returns. It is plain ASGI,
not ``BaseHTTPMiddleware``, so it costs almost nothing on other routes.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authsession._core.handler import handle
from authsession._core.http import AuthRequest, AuthResponse, Cookie
from authsession._core.limits import DEFAULT_MAX_BODY_SIZE, RequestRefused, log_safe
from authsession._core.request_data import (
    build_auth_request,
    check_body_size,
    check_declared_body_size,
    parse_body,
    refusal,
)
from authsession._core.server_session import get_session
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")

_PENDING = "authsession.cookies"


def to_auth_request(scope: Scope, options: AuthOptions, body: dict[str, Any] | None = None) -> AuthRequest:
    """The :class:`AuthRequest` of an ASGI ``scope``.

    Raises :class:`~authsession._core.limits.RequestRefused` for a request that breaks a bound
    (header count, query fields) or whose host cannot be used (``authsession._core.origin``).
    """
    return build_auth_request(
        options,
        method=scope.get("method", "GET"),
        scheme=scope.get("scheme") or "http",
        path=scope.get("path", "/"),
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=((name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]),
        server=scope.get("server"),
        body=body,
        client=peer[0] if (peer := scope.get("client")) else None,
    )


def response_headers(response: AuthResponse) -> list[tuple[bytes, bytes]]:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    if response.redirect is not None:
        headers.append((b"location", response.redirect.encode("latin-1")))
    headers.extend((b"set-cookie", c.serialize().encode("latin-1")) for c in response.cookies)
    return headers


class AuthSessionMiddleware:
    """Serve the auth API under ``options.base_path`` and flush refreshed session cookies.

    ``max_body_size`` caps a POST body to the auth routes (default 64 KiB): a larger one is
    answered 413 as soon as its ``Content-Length`` or its first bytes past the cap arrive.
    """

    def __init__(self, app: ASGIApp, options: AuthOptions, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
        self.app = app
        self.options = options
        self.prefix = options.base_path + "/"
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(self.prefix):
            await self.serve(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        # (name, serialised Set-Cookie value): each cookie is serialised once, here or on ``response``.
        pending: list[tuple[bytes, bytes]] = []
        state[_PENDING] = pending

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and pending:
                headers = list(message.get("headers", []))
                present = {_cookie_name(v) for k, v in headers if k.lower() == b"set-cookie"}
                headers.extend((b"set-cookie", value) for name, value in pending if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = None
            if scope["method"] == "POST":
                raw = await _read_body(scope, receive, self.max_body_size)
                content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
                body = parse_body(content_type, raw)
            request = to_auth_request(scope, self.options, body)
        except RequestRefused as exc:
            logger.info("Refused %s %s: %s", scope["method"], log_safe(scope["path"], 200), exc)
            await _send(send, refusal(exc))
            return
        await _send(send, await handle(request, self.options))


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The request body, read chunk by chunk; :class:`RequestRefused` (413) past ``limit`` bytes."""
    check_declared_body_size(dict(scope["headers"]).get(b"content-length", b"").decode("latin-1"), limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        check_body_size(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, response: AuthResponse) -> None:
    body = response.body.encode("utf-8")
    headers = response_headers(response)
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _cookie_name(header_value: bytes) -> bytes:
    return header_value.split(b"=", 1)[0].strip()


async def get_server_session(
    request: HTTPConnection, response: Response | None, options: AuthOptions
) -> Session | None:
    """The signed-in user's session, or ``None``; refreshed cookies go on ``response``.

    Call it from any endpoint before you render. It never raises for a missing, expired,
    tampered or foreign cookie (that is ``None``, logged on the ``authsession`` logger); it
    does raise :class:`~authsession.errors.ConfigurationError` for broken options.
    The result is memoised per request, and each cookie is written at most once.
    """
    state: MutableMapping[str, Any] = request.scope.setdefault("state", {})
    key = f"authsession.session.{id(options)}"
    if key in state:
        session: Session | None = state[key]
        return session
    try:
        auth_request = to_auth_request(request.scope, options)
    except RequestRefused as exc:
        logger.info("No session for a refused request: %s", exc)
        state[key] = None
        return None
    session, cookies = await get_session(auth_request, options)
    state[key] = session
    _hand_over(state, response, cookies)
    return session


def _hand_over(state: MutableMapping[str, Any], response: Response | None, cookies: list[Cookie]) -> None:
    """Put ``cookies`` on ``response`` and queue them for the middleware, serialised once."""
    if not cookies:
        return
    serialised = [(c.name.encode("latin-1"), c.serialize().encode("latin-1")) for c in cookies]
    if response is not None:
        response.raw_headers.extend((b"set-cookie", value) for _, value in serialised)
    pending = state.get(_PENDING)
    if pending is not None:
        pending.extend(serialised)


async def get_csrf_token(request: HTTPConnection, response: Response | None, options: AuthOptions) -> str:
    """The CSRF token for a custom sign-in or sign-out form; sets its cookie when new."""
    from authsession._core.context import build_context, init_csrf

    try:
        auth_request = to_auth_request(request.scope, options)
    except RequestRefused as exc:
        logger.info("No CSRF token for a refused request: %s", exc)
        raise HTTPException(exc.status) from None
    ctx = build_context(auth_request, options, "csrf", None)
    init_csrf(ctx)
    assert ctx.csrf is not None
    _hand_over(request.scope.setdefault("state", {}), response, ctx.response_cookies)
    return ctx.csrf.token


def install(app: Any, options: AuthOptions, *, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
    """Add the auth middleware to a Starlette or FastAPI app (before it starts)."""
    app.add_middleware(AuthSessionMiddleware, options=options, max_body_size=max_body_size)


__all__ = [
    "AuthSessionMiddleware",
    "Request",
    "get_csrf_token",
    "get_server_session",
    "install",
    "parse_body",
    "to_auth_request",
]
