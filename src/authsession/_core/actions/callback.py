"""GET|POST /callback/<provider>: finish a sign-in and start the session."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from authsession._core.context import Context, redirect_callback
from authsession._core.http import AuthResponse
from authsession._core.sync import fire
from authsession.errors import AccessDenied, ConfigurationError, CredentialsSignin, MissingCSRF
from authsession.providers.credentials import CredentialsProvider
from authsession.sessions import strategy_for
from authsession.types import Account, User

logger = logging.getLogger("authsession")


async def handle(ctx: Context) -> AuthResponse:
    provider = ctx.options.provider(ctx.provider_id)
    if provider is None:
        if ctx.v4:
            return ctx.respond(
                AuthResponse(
                    status=400,
                    body=f"Error: This action with HTTP {ctx.request.method} is not supported by NextAuth.js",
                    headers={"Content-Type": "text/plain"},
                )
            )
        raise ConfigurationError(f"Callback for an unknown provider {ctx.provider_id!r}")
    if isinstance(provider, CredentialsProvider):
        return await credentials(ctx, provider)
    finish = getattr(provider, "finish_sign_in", None)
    if finish is None:
        raise ConfigurationError(f"Provider {provider.id!r} of type {provider.type!r} has no callback")
    response: AuthResponse = await finish(ctx)
    return response


async def credentials(ctx: Context, provider: CredentialsProvider) -> AuthResponse:
    if ctx.request.method != "POST":
        if ctx.v4:
            return ctx.respond(
                AuthResponse(
                    status=500,
                    body="Error: Callback for provider type credentials not supported",
                    headers={"Content-Type": "text/plain"},
                )
            )
        raise ConfigurationError("The credentials callback only accepts POST")
    if not ctx.csrf_verified:
        if ctx.v4:
            return ctx.redirect(ctx.url("signin", csrf="true"))
        raise MissingCSRF("Credentials sign-in without a valid csrfToken")
    body = dict(ctx.body)
    try:
        user = await provider.call_authorize(body, ctx.request)
    except CredentialsSignin as exc:
        return credentials_refused(ctx, provider, exc.code)
    if not user:
        return credentials_refused(ctx, provider, "credentials")
    if not isinstance(user, Mapping):
        raise ConfigurationError(f"authorize must return a user dict or None, not {type(user).__name__}")
    user_dict: User = dict(user)  # type: ignore[assignment]
    if not user_dict.get("id"):
        user_dict["id"] = str(uuid.uuid4())
    user_dict["id"] = str(user_dict["id"])
    account: Account = {"providerAccountId": user_dict["id"], "type": "credentials", "provider": provider.id}
    return await complete_sign_in(ctx, user=user_dict, account=account, credentials=body)


async def complete_sign_in(
    ctx: Context,
    *,
    user: User,
    account: Account,
    profile: Any = None,
    credentials: dict[str, Any] | None = None,
    is_new_user: bool = False,
) -> AuthResponse:
    """What every provider's callback ends with: ``sign_in`` callback, session, event, redirect."""
    params: dict[str, Any] = {"user": user, "account": account, "profile": profile}
    if credentials is not None:
        params["credentials"] = credentials
    denied = await sign_in_callback(ctx, **params)
    if denied is not None:
        return denied
    if account.get("type") in ("oauth", "oidc") and not ctx.v4 and ctx.options.adapter is None:
        # Auth.js gives a user without a database a fresh id; the provider's id stays in the account.
        user = {**user, "id": str(uuid.uuid4())}
    await strategy_for(ctx).create(ctx, user=user, account=account, profile=profile, is_new_user=is_new_user)
    await fire(ctx.options.events.get("sign_in"), user=user, account=account, profile=profile, is_new_user=is_new_user)
    new_user_page = ctx.options.pages.new_user
    if is_new_user and new_user_page:
        return ctx.redirect(ctx.page_url(new_user_page, "signin", callbackUrl=ctx.callback_url))
    return ctx.redirect(ctx.callback_url)


def credentials_refused(ctx: Context, provider: CredentialsProvider, code: str) -> AuthResponse:
    logger.info("CredentialsSignin: authorize refused a sign-in with provider %r", provider.id)
    if ctx.v4:
        return ctx.redirect(ctx.url("error", error="CredentialsSignin", provider=provider.id), status=401)
    raise CredentialsSignin("authorize returned no user", code=code)


async def sign_in_callback(ctx: Context, **params: Any) -> AuthResponse | None:
    """Run ``callbacks.sign_in``: ``None`` to go on, else the response that stops the sign-in."""
    callback = ctx.options.callbacks.get("sign_in")
    if callback is None:
        return None
    try:
        allowed = await callback(**params)
    except Exception as exc:
        logger.exception("The sign_in callback raised")
        raise AccessDenied("The sign_in callback raised") from exc
    if allowed is True:
        return None
    if isinstance(allowed, str):
        target = allowed if ctx.v4 else await redirect_callback(ctx, allowed)
        return ctx.redirect(target)
    if ctx.v4:
        return ctx.redirect(ctx.url("error", error="AccessDenied"), status=403)
    raise AccessDenied("The sign_in callback returned False")
