"""GET /signout (confirmation page) and POST /signout (CSRF-protected)."""

from __future__ import annotations

from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.pages import render_signout
from authsession.errors import MissingCSRF


async def get(ctx: Context) -> AuthResponse:
    page = ctx.options.pages.sign_out
    if page is not None:
        return ctx.redirect(ctx.page_url(page, "signout"))
    assert ctx.csrf is not None
    html = render_signout(
        csrf_token=ctx.csrf.token,
        signout_url=ctx.url("signout"),
        callback_url=ctx.callback_url,
        theme=ctx.options.theme,
    )
    return ctx.html(html)


async def post(ctx: Context) -> AuthResponse:
    if not ctx.csrf_verified:
        if ctx.v4:
            return ctx.redirect(ctx.url("signout", csrf="true"))
        raise MissingCSRF("POST /signout without a valid csrfToken")
    await ctx.strategy.destroy(ctx)
    return ctx.redirect(ctx.callback_url)
