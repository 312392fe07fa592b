"""GET /session (read and refresh) and POST /session (update, CSRF-protected)."""

from __future__ import annotations

import logging
from typing import Any

from authsession._core.context import NO_CACHE_JSON, Context
from authsession._core.http import AuthResponse
from authsession.errors import AuthError, MissingCSRF
from authsession.types import Session

logger = logging.getLogger("authsession")


async def read(ctx: Context, *, is_update: bool = False, new_session: Any = None) -> Session | None:
    """The session, or ``None``; a failing callback or store logs ``SESSION_ERROR`` and clears it."""
    try:
        return await ctx.strategy.read(ctx, is_update=is_update, new_session=new_session)
    except AuthError:
        raise
    except Exception:
        logger.exception("SESSION_ERROR: reading the session failed; answering with no session")
        ctx.set_cookies(ctx.session_store.clean())
        return None


async def get(ctx: Context) -> AuthResponse:
    session = await read(ctx)
    return ctx.json(session if session is not None else ctx.dialect.empty_session(), headers=NO_CACHE_JSON)


async def post(ctx: Context) -> AuthResponse:
    if not ctx.csrf_verified:
        # Answered 400 with the empty session by the error handler: next-auth 4 keeps the CSRF and
        # callback-url cookies on it, Auth.js sends none (checked against both packages).
        raise MissingCSRF("POST /session without a valid csrfToken")
    session = await read(ctx, is_update=True, new_session=ctx.body.get("data"))
    return ctx.json(session if session is not None else ctx.dialect.empty_session())
