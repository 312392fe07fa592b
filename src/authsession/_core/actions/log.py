"""POST /_log (v4): the browser client's log sink, forwarded to ``AuthOptions(logger=...)``."""

from __future__ import annotations

import logging

from authsession._core.context import Context
from authsession._core.http import AuthResponse

_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "debug": logging.DEBUG}


async def post(ctx: Context) -> AuthResponse:
    body = ctx.body
    level = _LEVELS.get(str(body.get("level", "")), logging.INFO)
    code = str(body.get("code", ""))[:100]
    ctx.options.logger.log(level, "[client] %s %s", code, {k: v for k, v in body.items() if k not in ("code", "level")})
    return ctx.respond(AuthResponse(status=200, body=""))
