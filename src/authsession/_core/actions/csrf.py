"""GET /csrf: the double-submit token; the cookie is set only when it was missing or bad."""

from __future__ import annotations

from authsession._core.context import NO_CACHE_JSON, Context
from authsession._core.http import AuthResponse


async def get(ctx: Context) -> AuthResponse:
    assert ctx.csrf is not None
    return ctx.json({"csrfToken": ctx.csrf.token}, headers=NO_CACHE_JSON)
