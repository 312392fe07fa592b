"""Starlette (and so FastAPI) integration: a pure ASGI middleware and ``get_server_session``.

The middleware answers ``<base_path>/*`` itself and adds the session cookies that
``get_server_session`` refreshed to whatever response the page returns. It is plain ASGI,
not ``BaseHTTPMiddleware``, so it costs almost nothing on other routes.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authsession._core.limits import DEFAULT_MAX_BODY_SIZE, RequestRefused
from authsession._core.request_data import parse_body
from authsession.integrations._asgi import (
    SetCookie,
    add_pending_cookies,
    csrf_token,
    manage_sessions,
    read_session,
    second_factor_passed,
    send_response,
    serve,
    start_pending,
    to_auth_request,
    update_session,
)
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")


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
            await send_response(send, await serve(scope, receive, self.options, self.max_body_size))
            return
        pending = start_pending(scope)

        async def send_with_cookies(message: Message) -> None:
            await send(add_pending_cookies(message, pending))

        await self.app(scope, receive, send_with_cookies)


async def get_server_session(
    request: HTTPConnection, response: Response | None, options: AuthOptions, *, fresh: bool = False
) -> Session | None:
    """The signed-in user's session, or ``None``; refreshed cookies go on ``response``.

    Call it from any endpoint before you render. It never raises for a missing, expired,
    tampered or foreign cookie (that is ``None``, logged on the ``authsession`` logger); it
    does raise :class:`~authsession.errors.ConfigurationError` for broken options.
    The result is memoised per request, and each cookie is written at most once.

    ``request`` may be a WebSocket: its handshake carries the cookies. A WebSocket lives long
    after them, so to learn that its session ended (signed out, revoked, expired), ask again
    with ``fresh=True``, which skips the memo, before acting on a message.
    """
    session, cookies = await read_session(request.scope, options, fresh=fresh)
    _put_on(response, cookies)
    return session


async def update_server_session(
    request: HTTPConnection, response: Response | None, options: AuthOptions, data: Any
) -> Session | None:
    """Change what the session holds from a view, as Auth.js 5's ``unstable_update(data)`` does.

    Your ``jwt`` callback (JWT sessions) or ``session`` callback (database sessions) runs with
    ``trigger="update"`` and ``data`` as ``session`` / ``new_session``; the rewritten cookie goes
    on ``response`` (and on the page's response through the middleware). Returns the updated
    session, which later :func:`get_server_session` calls in this request see, or ``None`` when
    nobody is signed in (with ``format="v4"``, as next-auth 4's update does, its ``user`` is the
    one read before the callback; the next request sees the change). Unlike
    ``POST <base>/session`` there is no CSRF check: only your server code calls this.
    """
    session, cookies = await update_session(request.scope, options, data)
    _put_on(response, cookies)
    return session


async def list_user_sessions(request: HTTPConnection, options: AuthOptions) -> list[dict[str, Any]] | None:
    """The signed-in user's sessions (``AuthOptions(session_management=...)``), each a dict with
    ``id``, ``current``, ``createdAt``, ``lastSeenAt``, ``expires``, ``userAgent``, ``ip``; with JWT
    sessions only the current one. ``None`` when nobody is signed in."""
    listed, _ = await manage_sessions(request.scope, options, "list", None)
    return listed  # type: ignore[no-any-return]


async def end_sessions(
    request: HTTPConnection,
    response: Response | None,
    options: AuthOptions,
    which: Literal["one", "others", "all"] = "others",
    session_id: str | None = None,
) -> int | None:
    """End sessions of the signed-in user: the one whose ``id`` (from :func:`list_user_sessions`)
    is ``session_id``, all ``others`` (sign out everywhere else), or ``all``. How many ended (``-1``
    for JWT sessions, ended as a group with ``SessionManagement(revoke_jwt=True)``); ``None``
    when nobody is signed in. Cookies it changes go on ``response``."""
    ended, cookies = await manage_sessions(request.scope, options, which, session_id)
    _put_on(response, cookies)
    return ended  # type: ignore[no-any-return]


async def has_second_factor(request: HTTPConnection, options: AuthOptions) -> bool:
    """Whether the request's session passed a second factor (two-factor sign-in or a step-up).

    Only meaningful for a request :func:`get_server_session` found a session for.
    """
    return await second_factor_passed(request.scope, options)


def _put_on(response: Response | None, cookies: list[SetCookie]) -> None:
    if response is not None and cookies:  # most reads refresh nothing
        response.raw_headers.extend((b"set-cookie", value) for _, value in cookies)


async def get_csrf_token(request: HTTPConnection, response: Response | None, options: AuthOptions) -> str:
    """The CSRF token for a custom sign-in or sign-out form; sets its cookie when new."""
    try:
        token, cookies = csrf_token(request.scope, options)
    except RequestRefused as exc:
        logger.info("No CSRF token for a refused request: %s", str(exc))
        raise HTTPException(exc.status) from None
    _put_on(response, cookies)
    return token


def install(app: Any, options: AuthOptions, *, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
    """Add the auth middleware to a Starlette or FastAPI app (before it starts)."""
    app.add_middleware(AuthSessionMiddleware, options=options, max_body_size=max_body_size)


__all__ = [
    "AuthSessionMiddleware",
    "Request",
    "end_sessions",
    "get_csrf_token",
    "get_server_session",
    "has_second_factor",
    "install",
    "list_user_sessions",
    "parse_body",
    "to_auth_request",
    "update_server_session",
]
