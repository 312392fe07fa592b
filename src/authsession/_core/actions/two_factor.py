"""``<base>/two-factor[/setup|/disable]``: the code step of a sign-in, enrolment, turning it off.

Only routed when ``AuthOptions.two_factor`` is set (see ``_core/two_factor.py`` for the design).

- ``GET /two-factor``: the code form, for a sign-in waiting on its second step (the pending
  cookie) or for a signed-in user asked to step up; ``POST`` checks the code and starts (or
  marks) the session, then goes to the callback URL.
- ``GET /two-factor/setup``: a signed-in user's enrolment page (QR code, key, first code), or,
  once enrolled, the page to turn it off; ``POST`` confirms enrolment and shows the recovery codes.
- ``POST /two-factor/disable``: turns it off, with a fresh code from the app.

Every ``POST`` needs the CSRF token. A client that asked for JSON (v4 ``json=true``, v5
``X-Auth-Return-Redirect``) gets ``{"url": ...}`` on success and ``{"error": CODE}`` otherwise,
with the codes ``MissingCSRF`` (403), ``SessionRequired`` (401), ``InvalidCode`` (400),
``NotEnrolled`` / ``AlreadyEnrolled`` (409) and ``RateLimited`` (429, with ``Retry-After``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from authsession._core import ratelimit, two_factor
from authsession._core.actions.callback import start_session
from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.pages import two_factor as pages
from authsession._core.user_code import call
from authsession.types import TwoFactorRecord, User

logger = logging.getLogger("authsession")

_MESSAGES = {
    "InvalidCode": "That code is not valid. Try again with a new code.",
    "MissingCSRF": "The form has expired. Please try again.",
    "RateLimited": "Too many wrong codes. Wait a few minutes and try again.",
}
#: Renders a page again with an error message: ``await page(ctx, error, status)``.
Page = Callable[[Context, str | None, int], Awaitable[AuthResponse]]
_STATUS = {"MissingCSRF": 403, "SessionRequired": 401, "InvalidCode": 400, "RateLimited": 429}


async def handle(ctx: Context) -> AuthResponse:
    step = ctx.provider_id
    post = ctx.request.method == "POST"
    if step is None:
        return await (verify(ctx) if post else challenge(ctx))
    if step == "setup":
        return await (confirm_setup(ctx) if post else setup(ctx))
    if step == "disable":
        return await disable(ctx) if post else ctx.redirect(ctx.url("two-factor/setup"))
    logger.info("Unknown two-factor route %r", step)
    return ctx.json("Bad request.", status=400)


def _csrf_token(ctx: Context) -> str:
    assert ctx.csrf is not None
    return ctx.csrf.token


def _sign_in_first(ctx: Context, return_to: str) -> AuthResponse:
    if ctx.json_mode:
        return _refuse(ctx, "SessionRequired")
    return ctx.redirect(ctx.page_url(ctx.options.pages.sign_in, "signin", callbackUrl=return_to))


def _refuse(ctx: Context, code: str, *, retry_after: int | None = None, status: int | None = None) -> AuthResponse:
    response = ctx.json({"error": code}, status=status or _STATUS.get(code, 409))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


# --- the code step --------------------------------------------------------------------------------


async def challenge(ctx: Context) -> AuthResponse:
    if two_factor.read_pending(ctx) is None:
        user = await ctx.strategy.current_user(ctx)
        if user is None:
            return _sign_in_first(ctx, ctx.callback_url)
        if not await two_factor.is_enrolled(ctx, user["id"]):
            return ctx.redirect(ctx.url("two-factor/setup", callbackUrl=ctx.callback_url))
    return await _challenge_page(ctx, None, 200)


async def _challenge_page(ctx: Context, error: str | None, status: int) -> AuthResponse:
    html = pages.render_challenge(
        csrf_token=_csrf_token(ctx), action_url=ctx.url("two-factor"), error=error, theme=ctx.options.theme
    )
    return ctx.html(html, status=status)


async def verify(ctx: Context) -> AuthResponse:
    pending = two_factor.read_pending(ctx)
    user = pending.user if pending is not None else await ctx.strategy.current_user(ctx)
    if user is None:
        return _sign_in_first(ctx, ctx.callback_url)
    if not ctx.csrf_verified:
        return await _failed(ctx, "MissingCSRF", _challenge_page)
    record = await two_factor.enrolment(ctx, user["id"])
    if record is None or record["enabledAt"] is None:
        # Enrolment was turned off since the first factor: there is no second step to pass.
        logger.info("Two-factor: a code was sent for a user who is not enrolled")
        return await (_failed(ctx, "InvalidCode", _challenge_page) if pending is None else _finish(ctx, pending))
    refused = await _check(ctx, record, allow_recovery=True, page=_challenge_page)
    if refused is not None:
        return refused
    if pending is None:  # a step-up: the session the user has now also passed a second factor
        await ctx.strategy.add_second_factor(ctx)
        return ctx.redirect(ctx.callback_url)
    return await _finish(ctx, pending)


async def _finish(ctx: Context, pending: two_factor.Pending) -> AuthResponse:
    two_factor.clear_pending(ctx)
    # The user as stored now (the cookie carried a copy through JSON); the copy if the store has none.
    stored: User | None = await call(ctx.options.adapter.get_user, pending.user["id"])
    return await start_session(
        ctx,
        user=stored or pending.user,
        account=pending.account,
        profile=pending.profile,
        is_new_user=pending.is_new_user,
        second_factor=True,
        callback_url=pending.callback_url,
    )


async def _check(ctx: Context, record: TwoFactorRecord, *, allow_recovery: bool, page: Page) -> AuthResponse | None:
    """``None`` when the posted code passes (and is used up); else the refusal to send."""
    user_id = record["userId"]
    retry_after = await ratelimit.second_factor_retry_after(ctx, user_id)
    if retry_after is not None:
        return await _failed(ctx, "RateLimited", page, retry_after=retry_after)
    code = ctx.body.get("code")
    if isinstance(code, str) and await two_factor.check_code(ctx, record, code, allow_recovery=allow_recovery):
        return None
    await ratelimit.count_failed_second_factor(ctx, user_id)
    logger.info("Two-factor: a wrong code for user %s", user_id)
    return await _failed(ctx, "InvalidCode", page)


async def _failed(ctx: Context, code: str, page: Page, *, retry_after: int | None = None) -> AuthResponse:
    if ctx.json_mode:
        return _refuse(ctx, code, retry_after=retry_after)
    response = await page(ctx, _MESSAGES[code], _STATUS[code])
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


# --- enrolment ------------------------------------------------------------------------------------


async def setup(ctx: Context) -> AuthResponse:
    found = await _enrolment_of_signed_in_user(ctx)
    if isinstance(found, AuthResponse):
        return found
    user, record = found
    if record is not None and record["enabledAt"] is not None:
        return await _enabled_page(ctx, None, 200)
    # A new key each visit until one is confirmed: an abandoned enrolment leaves nothing usable.
    settings = two_factor.config(ctx)
    secret = settings.new_secret()
    pending: TwoFactorRecord = {
        "userId": user["id"],
        "secret": two_factor.seal(ctx.options.secrets, secret),
        "enabledAt": None,
        "lastStep": 0,
    }
    await call(ctx.options.adapter.set_two_factor, pending)
    return _setup_page(ctx, user, secret, error=None, status=200)


def _setup_page(ctx: Context, user: User, secret: str, *, error: str | None, status: int) -> AuthResponse:
    settings = two_factor.config(ctx)
    issuer = settings.issuer or urlsplit(ctx.origin).netloc
    account_name = user.get("email") or user.get("name") or user["id"]
    uri = settings.provisioning_uri(secret, account_name=account_name, issuer=issuer)
    if "application/json" in ctx.request.headers.get("accept", ""):
        return ctx.json({"secret": secret, "uri": uri}, status=status)
    html = pages.render_setup(
        csrf_token=_csrf_token(ctx),
        action_url=ctx.url("two-factor/setup"),
        qr_svg=settings.qr_svg(uri),
        secret=secret,
        error=error,
        theme=ctx.options.theme,
    )
    return ctx.html(html, status=status)


async def _enrolment_of_signed_in_user(ctx: Context) -> tuple[User, TwoFactorRecord | None] | AuthResponse:
    """The signed-in user and their enrolment, or the answer for a visitor who is not signed in."""
    user = await ctx.strategy.current_user(ctx)
    if user is None:
        return _sign_in_first(ctx, ctx.url("two-factor/setup"))
    return user, await two_factor.enrolment(ctx, user["id"])


async def confirm_setup(ctx: Context) -> AuthResponse:
    found = await _enrolment_of_signed_in_user(ctx)
    if isinstance(found, AuthResponse):
        return found
    user, record = found
    if record is not None and record["enabledAt"] is not None:
        return _refuse(ctx, "AlreadyEnrolled") if ctx.json_mode else await _enabled_page(ctx, None, 200)
    if record is None:
        return _refuse(ctx, "NotEnrolled") if ctx.json_mode else ctx.redirect(ctx.url("two-factor/setup"))
    secret = two_factor.unseal(ctx.options.secrets, record["secret"]) or ""

    async def page(ctx: Context, error: str | None, status: int) -> AuthResponse:
        return _setup_page(ctx, user, secret, error=error, status=status)

    if not ctx.csrf_verified:
        return await _failed(ctx, "MissingCSRF", page)
    refused = await _check(ctx, record, allow_recovery=False, page=page)
    if refused is not None:
        return refused
    settings = two_factor.config(ctx)
    codes = settings.new_recovery_codes()
    confirmed = await call(ctx.options.adapter.get_two_factor, user["id"])  # lastStep moved on in _check
    enabled: TwoFactorRecord = {**(confirmed or record), "enabledAt": two_factor.now_utc(ctx)}
    await call(ctx.options.adapter.set_two_factor, enabled, [two_factor.hash_recovery_code(c) for c in codes])
    logger.info("Two-factor: user %s turned it on", user["id"])
    # The code just entered was a second factor: the session that entered it gets the mark.
    await ctx.strategy.add_second_factor(ctx)
    if ctx.json_mode:
        return ctx.json({"recoveryCodes": codes, "url": ctx.callback_url})
    html = pages.render_recovery_codes(codes=codes, continue_url=ctx.callback_url, theme=ctx.options.theme)
    return ctx.html(html)


async def _enabled_page(ctx: Context, error: str | None, status: int) -> AuthResponse:
    user = await ctx.strategy.current_user(ctx)
    remaining: int = await call(ctx.options.adapter.count_recovery_codes, user["id"]) if user else 0
    html = pages.render_enabled(
        csrf_token=_csrf_token(ctx),
        disable_url=ctx.url("two-factor/disable"),
        remaining_codes=remaining,
        error=error,
        theme=ctx.options.theme,
    )
    return ctx.html(html, status=status)


async def disable(ctx: Context) -> AuthResponse:
    found = await _enrolment_of_signed_in_user(ctx)
    if isinstance(found, AuthResponse):
        return found
    user, record = found
    if record is None or record["enabledAt"] is None:
        return _refuse(ctx, "NotEnrolled") if ctx.json_mode else ctx.redirect(ctx.url("two-factor/setup"))
    if not ctx.csrf_verified:
        return await _failed(ctx, "MissingCSRF", _enabled_page)
    refused = await _check(ctx, record, allow_recovery=False, page=_enabled_page)
    if refused is not None:
        return refused
    await call(ctx.options.adapter.delete_two_factor, user["id"])
    logger.info("Two-factor: user %s turned it off", user["id"])
    if ctx.json_mode:
        return ctx.json({"url": ctx.callback_url})
    return ctx.html(pages.render_disabled(continue_url=ctx.callback_url, theme=ctx.options.theme))
