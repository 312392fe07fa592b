"""GET /signin (the page, or a redirect to yours) and POST /signin/<provider>."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from authsession._core import ratelimit
from authsession._core.actions.callback import sign_in_callback
from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.pages import CredentialField, PageProvider, render_signin
from authsession._core.pages.signin import SIGNIN_HEADERS_WITH_PASSKEYS
from authsession._core.provider import EmailConfig, OAuthConfig, Provider
from authsession._core.user_code import call
from authsession._core.verification import hash_token, normalize_email, recently_sent, user_or_placeholder
from authsession.errors import ConfigurationError, EmailSignInError, MissingCSRF, OAuthSignInError
from authsession.types import Account

logger = logging.getLogger("authsession")


def page_provider(ctx: Context, provider: Provider) -> PageProvider:
    fields: tuple[CredentialField, ...] = ()
    if provider.type == "credentials":
        fields = tuple(
            CredentialField(
                name=name,
                label=str(spec.get("label", name)),
                type=str(spec.get("type", "text")),
                placeholder=spec.get("placeholder"),
                required=bool(spec.get("required", False)),
            )
            for name, spec in provider.credentials.items()
        )
    return PageProvider(
        id=provider.id,
        name=provider.name,
        type=provider.type,
        signin_url=ctx.url(f"signin/{provider.id}"),
        callback_url=ctx.url(f"callback/{provider.id}"),
        fields=fields,
        style=provider.style,
        base_url=ctx.base_url,
        links=_account_links(ctx, provider),
    )


def _account_links(ctx: Context, provider: Provider) -> tuple[tuple[str, str], ...]:
    """A ``Password`` provider's own pages, so a visitor can make an account or recover one."""
    if provider is not ctx.options.password_provider:
        return ()
    return (
        ("Forgot your password?", ctx.url("password/forgot")),
        ("No account yet? Sign up", ctx.url("password/sign-up")),
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
        format=ctx.options.format,
        email=ctx.request.query.get("email"),
    )
    if any(p.type == "webauthn" for p in ctx.options.providers):
        return ctx.html(html, headers=SIGNIN_HEADERS_WITH_PASSKEYS)
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
    if provider.type == "email":
        return await send_link(ctx, provider)
    return await to_provider(ctx, provider)


async def to_provider(ctx: Context, provider: OAuthConfig) -> AuthResponse:
    """Send the browser to the provider's authorization endpoint (protocol §6.1)."""
    try:
        url = await provider.authorization_url(ctx)
    except OAuthSignInError as exc:
        logger.error("OAUTH_SIGNIN_ERROR for provider %r: %s", provider.id, str(exc))
        if ctx.v4:
            return ctx.redirect(ctx.url("error", error="OAuthSignin"))
        # Auth.js lets this error through unwrapped: the error page, as Configuration.
        raise ConfigurationError(f"OAuthSignInError: {exc}") from exc
    return ctx.redirect(url)


async def send_link(ctx: Context, provider: EmailConfig) -> AuthResponse:
    """Store a hashed, single-use token and have the provider mail the link (protocol §6.3)."""
    adapter = ctx.options.adapter
    try:
        raw = str(ctx.body.get("email", ""))
        normalize = provider.normalize_identifier
        identifier = normalize(raw) if normalize else normalize_email(raw, ctx.v4)
    except ValueError as exc:
        logger.info("EmailSignin: %s", str(exc))
        return email_failed(ctx, "invalid email address")
    if (limited := await ratelimit.check_email_request(ctx, identifier)) is not None:
        return limited
    user = await user_or_placeholder(ctx, identifier)
    account: Account = {"providerAccountId": identifier, "userId": user["id"], "type": "email", "provider": provider.id}
    denied = await sign_in_callback(ctx, user=user, account=account, email={"verificationRequest": True})
    if denied is not None:
        return denied
    expires = datetime.fromtimestamp(ctx.now, UTC) + timedelta(seconds=provider.max_age)
    verify_request = ctx.url("verify-request", provider=provider.id, type="email")
    if await recently_sent(ctx, provider, identifier, expires):
        logger.info("EmailSignin: a link was sent to this address less than %s s ago", provider.rate_limit)
        return ctx.redirect(verify_request)
    generate = provider.generate_verification_token
    token = (await call(generate) if generate else None) or secrets.token_hex(32)
    query = urlencode({"callbackUrl": ctx.callback_url, "token": token, "email": identifier})
    url = ctx.url(f"callback/{provider.id}") + "?" + query
    hashed = hash_token(ctx, provider, token)
    await call(adapter.create_verification_token, {"identifier": identifier, "token": hashed, "expires": expires})
    try:
        await provider.send_verification(
            identifier=identifier, url=url, expires=expires, token=token, request=ctx.request
        )
    except Exception:
        logger.exception("EmailSignin: sending the sign-in email failed")
        # Drop the token nobody received, so the rate limit lets the user try again at once.
        try:
            await call(adapter.use_verification_token, identifier, hashed)
        except Exception:
            logger.exception("EmailSignin: could not delete the token of the failed email")
        return email_failed(ctx, "sending failed")
    return ctx.redirect(verify_request)


def email_failed(ctx: Context, reason: str) -> AuthResponse:
    if ctx.v4:
        return ctx.redirect(ctx.url("error", error="EmailSignin"))
    raise EmailSignInError(reason)
