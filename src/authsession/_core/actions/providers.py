"""GET /providers: the configured providers and their URLs. Like NextAuth, it sets no cookie."""

from __future__ import annotations

import json

from authsession._core.context import JSON, Context
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
    # Not ctx.json: that would send the CSRF and callback-url cookies, which next-auth leaves out here.
    return AuthResponse(status=200, body=json.dumps(body), headers=dict(JSON))
