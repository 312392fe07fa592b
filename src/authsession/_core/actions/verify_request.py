"""GET /verify-request: "check your email" after an email sign-in."""

from __future__ import annotations

from urllib.parse import urlencode

from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.pages import render_verify_request


async def get(ctx: Context) -> AuthResponse:
    page = ctx.options.pages.verify_request
    if page is not None:
        target = ctx.page_url(page, "verify-request")
        if not ctx.v4 and ctx.request.query:
            target += ("&" if "?" in target else "?") + urlencode(dict(ctx.request.query))
        return ctx.redirect(target)
    return ctx.html(render_verify_request(site_url=ctx.origin, theme=ctx.options.theme))
