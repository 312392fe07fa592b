"""``get_server_session`` without the HTTP round trip: the GET /session logic, run in-process.

This is what NextAuth's ``getServerSession`` does (protocol §9): the same session read and
refresh, its cookies handed back for the caller's response. Unlike next-auth 4, it mints no CSRF
token and resolves no callback URL: a page that only reads the session sets no cookie but the
session's own, so an anonymous page view sets none and stays cacheable. A page with a form asks
for the CSRF token itself (``get_csrf_token``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal

from authsession._core import session_management
from authsession._core.actions.session import read
from authsession._core.context import Context, CoreOptions, build_context
from authsession._core.http import AuthRequest, Cookie
from authsession._core.request_data import bearer_token
from authsession.errors import ConfigurationError
from authsession.types import Session


async def get_session(
    request: AuthRequest, options: CoreOptions, *, now: float | None = None
) -> tuple[Session | None, list[Cookie]]:
    """The session of ``request`` (or ``None``) and the cookies to set on its response."""
    ctx = build_context(request, options, "session", None, now)
    if options.bearer_sessions and (token := session_bearer_token(ctx)) is not None:
        # An API client's token: read it as the session cookie, and set no cookie in return.
        ctx.read_session_from(token)
        return await read(ctx), []
    session = await read(ctx)
    return session, ctx.response_cookies


async def second_factor_used(request: AuthRequest, options: CoreOptions, *, now: float | None = None) -> bool:
    """Whether the session cookie of ``request`` records a second factor (``AuthOptions.two_factor``).

    Reads only the cookie (a JWT's ``amr`` claim, a database token's mark): it neither checks that
    the session is still valid nor refreshes it, so ask ``get_session`` first.
    """
    ctx = build_context(request, options, "session", None, now)
    return await options.strategy.has_second_factor(ctx)


def reads_without_waiting(options: CoreOptions) -> bool:
    """Whether :func:`get_session` with ``options`` finishes without ever waiting on I/O.

    True for JWT sessions whose user code on the read path (the ``jwt`` and ``session``
    callbacks, a custom ``jwt.encode``/``decode``) is plain ``def`` functions, with
    no ``session`` event (events run in a worker thread). A sync face can then run the read on
    its own thread, without an event loop; a database read always waits on its store, and so
    does a revocable JWT read (``SessionManagement(revoke_jwt=True)`` asks the adapter for the
    user's session generation when its cache has none).
    """
    if options.session.strategy != "jwt" or "session" in options.events:
        return False
    if session_management.revokes_jwt_with(options):
        return False
    callbacks = options.callbacks
    user_code = [callbacks[name].fn for name in ("jwt", "session") if name in callbacks]
    user_code += [fn for fn in (options.jwt.encode, options.jwt.decode) if fn is not None]
    return all(_plain(fn) for fn in user_code)


def _plain(fn: Callable[..., Any]) -> bool:
    # A ``def`` function or method; anything else (a callable object, a partial) may hand back an awaitable.
    return (inspect.isfunction(fn) or inspect.ismethod(fn)) and not inspect.iscoroutinefunction(fn)


async def update_session(
    request: AuthRequest, options: CoreOptions, data: Any, *, now: float | None = None
) -> tuple[Session | None, list[Cookie]]:
    """Change the session from the server: Auth.js 5's ``unstable_update(data)``.

    What ``POST <base>/session`` does for a client, without its CSRF check (the caller is the
    server): the ``jwt`` callback (JWT sessions) or the ``session`` callback (database sessions)
    runs with ``trigger="update"`` and ``session=data`` / ``new_session=data``, and the session
    cookie is written again. ``None`` when nobody is signed in; then nothing changes.
    """
    ctx = build_context(request, options, "session", None, now)
    session = await read(ctx, is_update=True, new_session=data)
    return session, ctx.response_cookies


async def manage_sessions(
    request: AuthRequest,
    options: CoreOptions,
    action: Literal["list", "one", "others", "all"],
    session_id: str | None = None,
    *,
    now: float | None = None,
) -> tuple[Any, list[Cookie]]:
    """ "Your sessions" from server code: the signed-in user's sessions (``"list"``), or end one of
    them, all others, or all (the count, ``-1`` for JWT sessions). ``None`` when nobody is signed in.
    Needs ``AuthOptions(session_management=...)``."""
    if options.session_management is None:
        raise ConfigurationError("Managing sessions needs AuthOptions(session_management=SessionManagement(...))")
    ctx = build_context(request, options, "sessions", None, now)
    user = await ctx.strategy.current_user(ctx)
    if user is None:
        return None, []
    if action == "list":
        return await session_management.list_sessions(ctx, user), []
    return await session_management.revoke(ctx, user, action, session_id), ctx.response_cookies


def session_bearer_token(ctx: Context) -> str | None:
    """With ``AuthOptions(bearer_sessions=True)``: the ``Authorization: Bearer`` token of a request
    that carries no session cookie (a cookie, when there is one, wins as in ``getToken``)."""
    if ctx.session_store.value:
        return None
    return bearer_token(ctx.request.headers.get("authorization"))
