"""What every ASGI integration shares (Starlette, Litestar), in plain ASGI and no framework.

* The auth API: :func:`serve` reads a bounded body from ``receive``, hands the core an
  :class:`AuthRequest` and sends its :class:`AuthResponse` back.
* The page's session: :func:`read_session` memoises the session in the scope's ``state`` and
  queues the cookies it refreshed there; :func:`add_pending_cookies` writes them on the response
  start message, unless the page set a cookie of the same name itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal

from authsession._core.context import build_context, init_csrf
from authsession._core.handler import handle
from authsession._core.http import AuthRequest, AuthResponse, Cookie
from authsession._core.limits import RequestRefused, log_safe
from authsession._core.request_data import (
    build_auth_request,
    check_body_size,
    check_declared_body_size,
    parse_body,
    refusal,
)
from authsession._core.server_session import get_session, second_factor_used
from authsession._core.server_session import manage_sessions as core_manage_sessions
from authsession._core.server_session import update_session as core_update_session
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
# Loose on purpose: Starlette types messages as mappings, Litestar as unions of TypedDicts.
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
#: (cookie name, serialised ``Set-Cookie`` value): each cookie is serialised once.
SetCookie = tuple[bytes, bytes]

PENDING = "authsession.cookies"


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
        headers=scope["headers"],
        server=scope.get("server"),
        body=body,
        client=peer[0] if (peer := scope.get("client")) else None,
    )


async def serve(scope: Scope, receive: Receive, options: AuthOptions, max_body_size: int) -> AuthResponse:
    """The core's answer to an auth API request; a refusal (400, 413 ...) for one that breaks a bound."""
    try:
        body = None
        if scope["method"] == "POST":
            raw = await read_body(scope, receive, max_body_size)
            body = parse_body(_header(scope, b"content-type"), raw)
        request = to_auth_request(scope, options, body)
    except RequestRefused as exc:
        logger.info("Refused %s %s: %s", scope["method"], log_safe(scope["path"], 200), str(exc))
        return refusal(exc)
    return await handle(request, options)


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The request body, read chunk by chunk; :class:`RequestRefused` (413) past ``limit`` bytes."""
    check_declared_body_size(_header(scope, b"content-length"), limit)
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


def _header(scope: Scope, name: bytes) -> str:
    value: bytes = dict(scope["headers"]).get(name, b"")
    return value.decode("latin-1")


def response_headers(response: AuthResponse) -> list[tuple[bytes, bytes]]:
    """The raw ASGI headers of ``response``: its own, ``Location`` and one ``Set-Cookie`` per cookie."""
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    if response.redirect is not None:
        headers.append((b"location", response.redirect.encode("latin-1")))
    headers.extend((b"set-cookie", c.serialize().encode("latin-1")) for c in response.cookies)
    return headers


async def send_response(send: Send, response: AuthResponse) -> None:
    body = response.body.encode("utf-8")
    headers = response_headers(response)
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def start_pending(scope: Scope) -> list[SetCookie]:
    """A fresh list, in the scope's state, for the cookies this request's pages refresh."""
    pending: list[SetCookie] = []
    scope.setdefault("state", {})[PENDING] = pending
    return pending


def add_pending_cookies(message: Message, pending: list[SetCookie]) -> Message:
    """``message`` with the ``pending`` cookies added if it starts a response; a page's own cookie wins."""
    if message["type"] != "http.response.start" or not pending:
        return message
    headers = list(message.get("headers", []))
    present = {value.split(b"=", 1)[0].strip() for name, value in headers if name.lower() == b"set-cookie"}
    headers.extend((b"set-cookie", value) for name, value in pending if name not in present)
    return {**message, "headers": headers}


async def read_session(
    scope: Scope, options: AuthOptions, *, fresh: bool = False
) -> tuple[Session | None, list[SetCookie]]:
    """The session of the request in ``scope`` (memoised in its state) and the cookies it refreshed.

    The cookies are also queued for :func:`add_pending_cookies`; a second call returns none.
    ``fresh=True`` reads again instead of answering from the memo (a long-lived WebSocket).
    """
    state = scope.setdefault("state", {})
    key = f"authsession.session.{id(options)}"
    if key in state and not fresh:
        session: Session | None = state[key]
        return session, []
    try:
        auth_request = to_auth_request(scope, options)
    except RequestRefused as exc:
        logger.info("No session for a refused request: %s", str(exc))
        state[key] = None
        return None, []
    session, cookies = await get_session(auth_request, options)
    state[key] = session
    return session, queue_cookies(scope, cookies)


async def second_factor_passed(scope: Scope, options: AuthOptions) -> bool:
    """Whether the session of the request in ``scope`` passed a second factor (two-factor sign-in
    or a step-up); ``False`` for a request too malformed to read."""
    try:
        auth_request = to_auth_request(scope, options)
    except RequestRefused:
        return False
    return await second_factor_used(auth_request, options)


async def update_session(scope: Scope, options: AuthOptions, data: Any) -> tuple[Session | None, list[SetCookie]]:
    """Run a server-side session update for the request in ``scope``: the updated session (which
    later reads of this request see) and the rewritten cookies (queued as well)."""
    try:
        auth_request = to_auth_request(scope, options)
    except RequestRefused as exc:
        logger.info("No session to update for a refused request: %s", str(exc))
        return None, []
    session, cookies = await core_update_session(auth_request, options, data)
    scope.setdefault("state", {})[f"authsession.session.{id(options)}"] = session
    return session, queue_cookies(scope, cookies)


async def manage_sessions(
    scope: Scope, options: AuthOptions, action: Literal["list", "one", "others", "all"], session_id: str | None
) -> tuple[Any, list[SetCookie]]:
    """:func:`authsession._core.server_session.manage_sessions` for the request in ``scope``."""
    try:
        auth_request = to_auth_request(scope, options)
    except RequestRefused as exc:
        logger.info("No sessions to manage for a refused request: %s", str(exc))
        return None, []
    result, cookies = await core_manage_sessions(auth_request, options, action, session_id)
    return result, queue_cookies(scope, cookies)


def csrf_token(scope: Scope, options: AuthOptions) -> tuple[str, list[SetCookie]]:
    """The CSRF token for the request in ``scope`` and its cookie when new (queued as well).

    Raises :class:`~authsession._core.limits.RequestRefused` for a request that breaks a bound.
    """
    ctx = build_context(to_auth_request(scope, options), options, "csrf", None)
    init_csrf(ctx)
    assert ctx.csrf is not None
    return ctx.csrf.token, queue_cookies(scope, ctx.response_cookies)


def queue_cookies(scope: Scope, cookies: list[Cookie]) -> list[SetCookie]:
    """``cookies`` serialised, and queued for :func:`add_pending_cookies` when the request has a queue."""
    if not cookies:  # most session reads refresh nothing
        return []
    serialised = [(c.name.encode("latin-1"), c.serialize().encode("latin-1")) for c in cookies]
    pending = scope.get("state", {}).get(PENDING)
    if pending is not None:
        pending.extend(serialised)
    return serialised
