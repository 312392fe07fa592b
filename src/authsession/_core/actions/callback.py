"""GET|POST /callback/<provider>: finish a sign-in and start the session."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from authsession._core import passkeys, ratelimit, two_factor
from authsession._core.accounts import link_or_register, link_or_register_passkey, sign_in_by_email
from authsession._core.context import Context, bad_request, redirect_callback
from authsession._core.http import AuthResponse
from authsession._core.provider import (
    CredentialsConfig,
    EmailConfig,
    OAuthConfig,
    ProviderCallbackError,
    WebAuthnConfig,
)
from authsession._core.user_code import call, fire
from authsession._core.verification import hash_token, user_or_placeholder
from authsession.errors import (
    AccessDenied,
    AuthError,
    ConfigurationError,
    CredentialsSignin,
    MissingCSRF,
    OAuthAccountNotLinked,
    OAuthCallbackError,
    Verification,
)
from authsession.types import Account, Authenticator, User

logger = logging.getLogger("authsession")


async def handle(ctx: Context) -> AuthResponse:
    provider = ctx.options.provider(ctx.provider_id)
    if provider is None:
        if ctx.v4:
            return bad_request(ctx.request.method, ctx.dialect)
        raise ConfigurationError(f"Callback for an unknown provider {ctx.provider_id!r}")
    if provider.type == "credentials":
        return await credentials(ctx, provider)
    if provider.type == "email":
        return await email(ctx, provider)
    if provider.type == "webauthn":
        return await webauthn(ctx, provider)
    return await oauth(ctx, provider)


async def oauth(ctx: Context, provider: OAuthConfig) -> AuthResponse:
    """GET|POST /callback/<id> from an OAuth/OIDC provider (protocol §6.1)."""
    try:
        result = await provider.callback(ctx)
    except ProviderCallbackError as exc:
        logger.warning("OAUTH_CALLBACK_ERROR for provider %r: %s", provider.id, str(exc))
        # next-auth 4: the provider's error response is `Callback`, any other failure `OAuthCallback`.
        # Auth.js: the former is `OAuthCallbackError` (sign-in page); a failed check, token request
        # or ID token is a CallbackRouteError, which reaches the browser as `Configuration`.
        if ctx.v4:
            return ctx.redirect(ctx.url("error", error="Callback" if exc.provider_error else "OAuthCallback"))
        if exc.provider_error:
            raise OAuthCallbackError("The provider answered the authorization request with an error") from exc
        raise ConfigurationError("CallbackRouteError: the OAuth callback failed") from exc
    return await complete_sign_in(
        ctx,
        user=result.user,
        account=result.account,
        profile=result.profile,
        allow_email_linking=provider.allow_dangerous_email_account_linking,
    )


async def email(ctx: Context, provider: EmailConfig) -> AuthResponse:
    """GET /callback/<id>?token=...&email=...: use the token once and sign the user in (§6.3)."""
    token = ctx.request.query.get("token")
    identifier = ctx.request.query.get("email")
    if not token:
        if ctx.v4:
            return ctx.redirect(ctx.url("error", error="configuration"))
        raise ConfigurationError("Email callback without a token")
    used = ctx.options.adapter.use_verification_token
    record = await call(used, identifier or "", hash_token(ctx, provider, token))
    now = datetime.fromtimestamp(ctx.now, UTC)
    if record is None or record["expires"] < now or (identifier and identifier != record["identifier"]):
        logger.info("Verification: the email link is unknown, used or expired")
        if ctx.v4:
            return ctx.redirect(ctx.url("error", error="Verification"))
        raise Verification("Invalid or expired email link")
    address = record["identifier"]
    # The sign_in callback runs before the user is created or updated (complete_sign_in does that).
    user = await user_or_placeholder(ctx, address)
    account: Account = {"providerAccountId": address, "userId": user["id"], "type": "email", "provider": provider.id}
    return await complete_sign_in(ctx, user=user, account=account)


async def webauthn(ctx: Context, provider: WebAuthnConfig) -> AuthResponse:
    """POST /callback/<id> with ``action`` and the browser's credential as JSON in ``data``.

    As in Auth.js there is no CSRF token to check: the single-use challenge, sealed in a
    SameSite=Lax cookie and signed by the authenticator for this origin, binds the request.
    """
    if ctx.request.method != "POST":
        raise ConfigurationError("The WebAuthn callback only accepts POST")
    action = ctx.body.get("action")
    rp = provider.relying_party(ctx.origin)
    if action == "authenticate":
        user, account = await passkeys.authenticate(ctx, provider, rp)
        return await complete_sign_in(ctx, user=user, account=account)
    if action == "register":
        if not provider.new_users and await ctx.strategy.current_user(ctx) is None:
            raise AccessDenied("New accounts cannot be made with a passkey here: sign in first")
        user, account, authenticator = await passkeys.register(ctx, provider, rp)
        return await complete_sign_in(ctx, user=user, account=account, authenticator=authenticator)
    raise AuthError("Invalid action parameter")


async def credentials(ctx: Context, provider: CredentialsConfig) -> AuthResponse:
    if ctx.request.method != "POST":
        if ctx.v4:  # next-auth 4's text, but 400: a GET here is the client's mistake, not a server fault
            return ctx.respond(
                AuthResponse(
                    status=400,
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
    if (limited := await ratelimit.check_credentials(ctx, provider.id, body)) is not None:
        return limited
    try:
        user = await provider.call_authorize(body, ctx.request)
    except CredentialsSignin as exc:
        await ratelimit.count_failed_credentials(ctx, body)
        return credentials_refused(ctx, provider, exc.code)
    except Exception as exc:
        if not ctx.v4:
            raise
        return ctx.redirect(ctx.url("error", error=v4_error_message(exc, "authorize")), status=401)
    if not user:
        await ratelimit.count_failed_credentials(ctx, body)
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
    allow_email_linking: bool = False,
    authenticator: Authenticator | None = None,
) -> AuthResponse:
    """What every provider's callback ends with: ``sign_in`` callback, session, event, redirect.

    ``authenticator`` is a passkey just registered: it is stored for the user signing in.
    """
    is_new_user = False
    adapter = ctx.options.adapter
    kind = account.get("type")
    params: dict[str, Any] = {"user": user, "account": account, "profile": profile}
    if credentials is not None:
        params["credentials"] = credentials
    if kind in ("oauth", "oidc") and adapter is not None and "sign_in" in ctx.options.callbacks:
        # As in NextAuth, the callback sees the stored user when the account is linked already.
        linked = await call(adapter.get_user_by_account, account["provider"], account["providerAccountId"])
        if linked is not None:
            params["user"] = linked
    denied = await sign_in_callback(ctx, **params)
    if denied is not None:
        return denied
    if kind in ("oauth", "oidc"):
        if adapter is not None:
            try:
                user, account, is_new_user = await link_or_register(
                    ctx, user=user, account=account, profile=profile, allow_email_linking=allow_email_linking
                )
            except OAuthAccountNotLinked as exc:
                if not ctx.v4:
                    raise
                logger.info("OAuthAccountNotLinked: %s", str(exc))  # next-auth 4 goes through its error page
                return ctx.redirect(ctx.url("error", error="OAuthAccountNotLinked"))
        elif not ctx.v4:
            # Auth.js gives a user without a database a fresh id; the provider's id stays in the account.
            user = {**user, "id": str(uuid.uuid4())}
    elif kind == "email" and adapter is not None:
        user, is_new_user = await sign_in_by_email(ctx, user)
        account = {**account, "userId": user["id"]}
    elif kind == "webauthn":
        user, account, is_new_user = await link_or_register_passkey(ctx, user=user, account=account)
        if authenticator is not None:
            await call(adapter.create_authenticator, {**authenticator, "userId": user["id"]})
    if ctx.options.two_factor is not None and await two_factor.is_enrolled(ctx, user["id"]):
        # The first factor passed; the session waits for a code at <base>/two-factor.
        pending = two_factor.Pending(
            user=user, account=account, profile=profile, is_new_user=is_new_user, callback_url=ctx.callback_url
        )
        two_factor.start_pending(ctx, pending)
        return ctx.redirect(ctx.url("two-factor"))
    return await start_session(ctx, user=user, account=account, profile=profile, is_new_user=is_new_user)


async def start_session(
    ctx: Context,
    *,
    user: User,
    account: Account,
    profile: Any,
    is_new_user: bool,
    second_factor: bool = False,
    callback_url: str | None = None,
) -> AuthResponse:
    """Create the session, fire ``events.sign_in`` and send the browser on (or to ``pages.new_user``)."""
    await ctx.strategy.create(
        ctx, user=user, account=account, profile=profile, is_new_user=is_new_user, second_factor=second_factor
    )
    await fire(ctx.options.events.get("sign_in"), user=user, account=account, profile=profile, is_new_user=is_new_user)
    target = callback_url if callback_url is not None else ctx.callback_url
    new_user_page = ctx.options.pages.new_user
    if is_new_user and new_user_page:
        return ctx.redirect(ctx.page_url(new_user_page, "signin", callbackUrl=target))
    return ctx.redirect(target)


def v4_error_message(exc: Exception, where: str) -> str:
    """What next-auth 4 puts in ``/error?error=``: the message of an error thrown by user code.

    Only an :class:`AuthError` you raise on purpose shows its message; any other exception's
    text may hold internals (SQL, hosts, paths), so the browser sees ``Configuration`` and the
    traceback goes to the log.
    """
    if isinstance(exc, AuthError):
        logger.info("%s raised %s; its message goes to the error page", where, type(exc).__name__)
        return str(exc)
    logger.error("%s raised %s", where, type(exc).__name__, exc_info=exc)
    return "Configuration"


def credentials_refused(ctx: Context, provider: CredentialsConfig, code: str) -> AuthResponse:
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
        if ctx.v4:  # next-auth 4 puts the message on the error page; Auth.js says AccessDenied
            return ctx.redirect(ctx.url("error", error=v4_error_message(exc, "the sign_in callback")))
        if isinstance(exc, AuthError):
            raise
        raise AccessDenied("The sign_in callback raised") from exc
    if not allowed:
        if ctx.v4:
            return ctx.redirect(ctx.url("error", error="AccessDenied"), status=403)
        raise AccessDenied("The sign_in callback returned False")
    if isinstance(allowed, str):
        target = allowed if ctx.v4 else await redirect_callback(ctx, allowed)
        return ctx.redirect(target)
    return None  # any other truthy value lets the sign-in go on, as in NextAuth
