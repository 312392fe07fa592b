"""POST /_log (v4): the browser client's log sink, forwarded to ``AuthOptions(logger=...)``; sets no cookie."""

from __future__ import annotations

import logging

from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.limits import MAX_LOG_TEXT, log_safe

_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "debug": logging.DEBUG}


async def post(ctx: Context) -> AuthResponse:
    body = ctx.body
    level = _LEVELS.get(str(body.get("level", "")), logging.INFO)
    code = log_safe(body.get("code", ""), 100)
    # Anyone can post here: one line per record (control characters escaped), of bounded size.
    rest = log_safe({k: v for k, v in body.items() if k not in ("code", "level")}, MAX_LOG_TEXT)
    ctx.options.logger.log(level, "[client] %s %s", code, rest)
    return AuthResponse(status=200, body="")  # without the CSRF and callback-url cookies, as next-auth
