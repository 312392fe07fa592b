"""GET /providers: the configured providers and their URLs."""

from __future__ import annotations

from authsession._core.context import Context
from authsession._core.http import AuthResponse


async def get(ctx: Context) -> AuthResponse:
    body = {
        p.id: {
            "id": p.id,
            "name": p.name,
            "type": p.type,
            "signinUrl": f"{ctx.base_url}/signin/{p.id}",
            "callbackUrl": f"{ctx.base_url}/callback/{p.id}",
        }
        for p in ctx.options.providers
    }
    return ctx.json(body)
