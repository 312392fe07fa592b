"""Starlette (and so FastAPI) integration: a pure ASGI middleware and ``get_server_session``.

The middleware answers ``<base_path>/*`` itself and adds the session cookies that
``get_server_session`` refreshed to whatever response the page returns. It is plain ASGI,
not ``BaseHTTPMiddleware``, so it costs almost nothing on other routes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authsession._core.cookies import parse_cookie_header
from authsession._core.handler import handle
from authsession._core.http import AuthRequest, AuthResponse, Cookie
from authsession._core.server_session import get_session
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")

MAX_BODY = 1024 * 1024
_PENDING = "authsession.cookies"


def to_auth_request(scope: Scope, options: AuthOptions, body: dict[str, Any] | None = None) -> AuthRequest:
    headers: dict[str, str] = {}
    cookie_header = []
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name == "cookie":
            cookie_header.append(value)
        headers[name] = value
    scheme: str = scope.get("scheme") or "http"
    host = headers.get("host")
    if options.trust_host:
        scheme = (headers.get("x-forwarded-proto") or scheme).split(",")[0].strip() or scheme
        host = (headers.get("x-forwarded-host") or host or "").split(",")[0].strip() or host
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    query_string = scope.get("query_string", b"").decode("latin-1")
    url = f"{scheme}://{host}{scope.get('path', '/')}" + (f"?{query_string}" if query_string else "")
    return AuthRequest(
        method=scope.get("method", "GET"),
        url=url,
        headers=headers,
        cookies=parse_cookie_header("; ".join(cookie_header)) if cookie_header else {},
        query=dict(parse_qsl(query_string, keep_blank_values=True)) if query_string else {},
        body=body,
    )


def parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """A POST body as a flat dict: form-encoded or JSON; anything else is empty."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        if kind == "application/json":
            data = json.loads(raw or b"{}")
            return data if isinstance(data, dict) else {}
    except (UnicodeDecodeError, ValueError):
        logger.info("Ignoring a malformed %s request body", kind)
    return {}


def response_headers(response: AuthResponse) -> list[tuple[bytes, bytes]]:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    if response.redirect is not None:
        headers.append((b"location", response.redirect.encode("latin-1")))
    headers.extend((b"set-cookie", c.serialize().encode("latin-1")) for c in response.cookies)
    return headers


class AuthSessionMiddleware:
    """Serve the auth API under ``options.base_path`` and flush refreshed session cookies."""

    def __init__(self, app: ASGIApp, options: AuthOptions) -> None:
        self.app = app
        self.options = options
        self.prefix = options.base_path + "/"

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
        body = None
        if scope["method"] == "POST":
            raw = await _read_body(receive)
            if raw is None:
                await _send(send, AuthResponse(status=413, body="Request body too large"))
                return
            content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
            body = parse_body(content_type, raw)
        response = await handle(to_auth_request(scope, self.options, body), self.options)
        await _send(send, response)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
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
    session, cookies = await get_session(to_auth_request(request.scope, options), options)
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

    ctx = build_context(to_auth_request(request.scope, options), options, "csrf", None)
    init_csrf(ctx)
    assert ctx.csrf is not None
    _hand_over(request.scope.setdefault("state", {}), response, ctx.response_cookies)
    return ctx.csrf.token


def install(app: Any, options: AuthOptions) -> None:
    """Add the auth middleware to a Starlette or FastAPI app (before it starts)."""
    app.add_middleware(AuthSessionMiddleware, options=options)


__all__ = ["AuthSessionMiddleware", "Request", "get_csrf_token", "get_server_session", "install"]
