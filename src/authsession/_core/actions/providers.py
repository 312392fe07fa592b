"""GET /providers: the configured providers and their URLs."""

from __future__ import annotations

from authsession._core.context import Context
from authsession._core.http import AuthResponse


async def get(ctx: Context) -> AuthResponse:
    body = {
        p.id: {
            "id": p.id,
            "name": p.name,
            # next-auth 4 lists OIDC providers as "oauth".
            "type": "oauth" if ctx.v4 and p.type == "oidc" else p.type,
            "signinUrl": f"{ctx.base_url}/signin/{p.id}",
            "callbackUrl": f"{ctx.base_url}/callback/{p.id}",
        }
        for p in ctx.options.providers
    }
    return ctx.json(body)
