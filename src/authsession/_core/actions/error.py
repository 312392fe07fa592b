"""GET /error: NextAuth's error page, or a redirect to yours."""

from __future__ import annotations

from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.pages import render_error

# v4 sends these on to the sign-in page, which explains them there.
V4_SIGNIN_ERRORS = frozenset(
    {
        "Signin",
        "OAuthSignin",
        "OAuthCallback",
        "OAuthCreateAccount",
        "EmailCreateAccount",
        "Callback",
        "OAuthAccountNotLinked",
        "EmailSignin",
        "CredentialsSignin",
        "SessionRequired",
    }
)


async def get(ctx: Context) -> AuthResponse:
    error = ctx.request.query.get("error")
    if ctx.v4:
        error = error or ctx.provider_id
        if error in V4_SIGNIN_ERRORS:
            return ctx.redirect(ctx.url("signin", error=error))
    page = ctx.options.pages.error
    if page is not None:
        return ctx.redirect(ctx.page_url(page, "error", error=error))
    status, html = render_error(
        error=error,
        signin_url=ctx.url("signin"),
        site_url=ctx.origin,
        theme=ctx.options.theme,
        format=ctx.options.format,
    )
    return ctx.html(html, status=status)
