"""GET /signin (the page, or a redirect to yours) and POST /signin/<provider>."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.pages import CredentialField, PageProvider, render_signin
from authsession.errors import ConfigurationError, MissingCSRF

if TYPE_CHECKING:  # the core never imports the providers package (it loads httpx)
    from authsession.providers.base import Provider


def page_provider(ctx: Context, provider: Provider) -> PageProvider:
    fields: tuple[CredentialField, ...] = ()
    if provider.type == "credentials":
        inputs = getattr(provider, "credentials", {})
        fields = tuple(
            CredentialField(
                name=name,
                label=str(spec.get("label", name)),
                type=str(spec.get("type", "text")),
                placeholder=spec.get("placeholder"),
                required=bool(spec.get("required", False)),
            )
            for name, spec in inputs.items()
        )
    return PageProvider(
        id=provider.id,
        name=provider.name,
        type=provider.type,
        signin_url=ctx.url(f"signin/{provider.id}"),
        callback_url=ctx.url(f"callback/{provider.id}"),
        fields=fields,
        style=getattr(provider, "style", None),
    )


async def get(ctx: Context) -> AuthResponse:
    error = ctx.request.query.get("error")
    if ctx.v4 and error is None:
        error = ctx.provider_id  # NextAuth 4 reads the path segment as the error (a quirk kept on purpose)
    page = ctx.options.pages.sign_in
    if page is not None:
        return ctx.redirect(ctx.page_url(page, "signin", callbackUrl=ctx.callback_url, error=error))
    assert ctx.csrf is not None
    html = render_signin(
        providers=[page_provider(ctx, p) for p in ctx.options.providers],
        csrf_token=ctx.csrf.token,
        callback_url=ctx.callback_url,
        error=ctx.request.query.get("error"),
        theme=ctx.options.theme,
        email=ctx.request.query.get("email"),
    )
    return ctx.html(html)


async def post(ctx: Context) -> AuthResponse:
    provider = ctx.options.provider(ctx.provider_id)
    if not ctx.csrf_verified:
        if ctx.v4:
            return ctx.redirect(ctx.url("signin", csrf="true"))
        raise MissingCSRF(f"POST /signin/{ctx.provider_id} without a valid csrfToken")
    if provider is None:
        if ctx.v4:
            return ctx.redirect(ctx.url("signin", csrf="true"))
        if ctx.provider_id is None:
            return ctx.redirect(ctx.url("signin"))
        raise ConfigurationError(f"Sign-in with an unknown provider {ctx.provider_id!r}")
    if provider.type == "credentials":
        # Credentials post straight to /callback/<id>; this route only sends the browser to the form.
        return ctx.redirect(ctx.url("signin"))
    start = getattr(provider, "start_sign_in", None)
    if start is None:
        raise ConfigurationError(f"Provider {provider.id!r} of type {provider.type!r} cannot start a sign-in")
    response: AuthResponse = await start(ctx)
    return response
