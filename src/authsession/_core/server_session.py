"""``get_server_session`` without the HTTP round trip: the GET /session logic, run in-process.

This is what NextAuth's ``getServerSession`` does (protocol §9): the same CSRF and session
refresh, its cookies handed back for the caller's response.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from authsession._core.actions.session import read
from authsession._core.context import CoreOptions, build_context, init_callback_url, init_csrf
from authsession._core.http import AuthRequest, Cookie
from authsession.errors import InvalidCallbackUrl
from authsession.types import Session

logger = logging.getLogger("authsession")


async def get_session(
    request: AuthRequest, options: CoreOptions, *, now: float | None = None
) -> tuple[Session | None, list[Cookie]]:
    """The session of ``request`` (or ``None``) and the cookies to set on its response."""
    ctx = build_context(request, options, "session", None, now)
    init_csrf(ctx)
    try:
        await init_callback_url(ctx)
    except InvalidCallbackUrl as exc:
        logger.info("Ignoring a bad callback-url cookie: %s", exc)
    except Exception:
        # A failing redirect callback must not turn every page into a 500: the session does not
        # depend on the callback URL.
        logger.exception("The redirect callback raised while resolving the callback-url cookie")
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

    True for JWT sessions whose user code on the read path (the ``redirect``, ``jwt`` and
    ``session`` callbacks, a custom ``jwt.encode``/``decode``) is plain ``def`` functions, with
    no ``session`` event (events run in a worker thread). A sync face can then run the read on
    its own thread, without an event loop; a database read always waits on its store.
    """
    if options.session.strategy != "jwt" or "session" in options.events:
        return False
    callbacks = options.callbacks
    user_code = [callbacks[name].fn for name in ("redirect", "jwt", "session") if name in callbacks]
    user_code += [fn for fn in (options.jwt.encode, options.jwt.decode) if fn is not None]
    return all(_plain(fn) for fn in user_code)


def _plain(fn: Callable[..., Any]) -> bool:
    # A ``def`` function or method; anything else (a callable object, a partial) may hand back an awaitable.
    return (inspect.isfunction(fn) or inspect.ismethod(fn)) and not inspect.iscoroutinefunction(fn)
