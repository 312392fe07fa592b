"""``<base>/password/<step>``: the account pages of a ``Password`` provider (authsession's own).

Routed only when a :class:`~authsession._core.provider.PasswordConfig` provider is configured.

============  =======================================================================================
step          what it does
============  =======================================================================================
``sign-up``   GET the form; POST ``email``, ``password`` (and ``name``): mails a confirmation link, or,
              for an address with an account, a note to its owner. The answer is the same.
``verify``    GET from the mailed link: creates the user (address verified) with the password chosen.
``forgot``    GET the form; POST ``email``: mails a reset link if the address has an account.
``reset``     GET the form (from the link); POST ``password``: sets it, ends every session.
``change``    GET the form; POST ``currentPassword`` and ``password`` (signed in): ends other sessions.
============  =======================================================================================

Every POST needs the CSRF token. A client that asks for JSON (``Accept: application/json``, v4
``json=true``, v5 ``X-Auth-Return-Redirect``) gets ``{"ok": true}`` or ``{"error": CODE}`` with a
stable code: ``MissingCSRF`` (403), ``InvalidEmail``, ``PasswordTooShort``, ``PasswordTooLong``,
``PasswordTooCommon``, ``WrongPassword``, ``InvalidLink`` (400), ``SessionRequired`` (401),
``RateLimited`` (429), ``Unavailable`` (503: the store failed, e.g. its tables are missing).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from authsession._core import jwe, ratelimit, session_management
from authsession._core.context import Context
from authsession._core.csrf import csrf_secret
from authsession._core.http import AuthResponse
from authsession._core.pages.password import Field, render_form, render_note
from authsession._core.provider import PasswordConfig
from authsession._core.user_code import call
from authsession._core.verification import normalize_email
from authsession.types import User

logger = logging.getLogger("authsession")

SIGN_UP_MAX_AGE = 24 * 60 * 60
RESET_MAX_AGE = 60 * 60
MAX_LINK_PART = 4096
_SEAL_SALT = "authsession.password.sign-up"

_MESSAGES = {
    "MissingCSRF": "The form has expired. Please try again.",
    "InvalidEmail": "Enter a valid email address.",
    "PasswordTooShort": "Choose a longer password.",
    "PasswordTooLong": "That password is too long.",
    "PasswordTooCommon": "That password is too common. Choose another.",
    "WrongPassword": "Your current password is not right.",
    "InvalidLink": "This link is invalid, used or expired.",
    "RateLimited": "Too many attempts. Wait a few minutes and try again.",
    "Unavailable": "This is not available right now. Please try later.",
}
_STATUS = {"MissingCSRF": 403, "SessionRequired": 401, "RateLimited": 429, "Unavailable": 503}


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def provider_of(ctx: Context) -> PasswordConfig:
    found: PasswordConfig | None = ctx.options.password_provider
    assert found is not None, "password routes exist only with a Password provider"
    return found


def _wants_json(ctx: Context) -> bool:
    return ctx.json_mode or "application/json" in ctx.request.headers.get("accept", "")


async def handle(ctx: Context) -> AuthResponse:
    step = ctx.provider_id
    steps = {"sign-up": sign_up, "verify": verify, "forgot": forgot, "reset": reset, "change": change}
    action = steps.get(step or "")
    if action is None:
        return ctx.json("Bad request.", status=400)
    try:
        return await action(ctx)
    except _Refused as refused:
        return _answer_error(ctx, refused.code, step or "")
    except Exception as exc:
        # A store that fails (most often: the tables were never created) must not be a bare 500.
        logger.error(
            "Password accounts: the store failed (%s: %s). Create the tables with `await adapter.create_schema()`"
            " (SQLAlchemyAdapter), `python manage.py migrate authsession_adapter` (DjangoAdapter) or by applying"
            " authsession/adapters/sql/005_passwords.sql",
            type(exc).__name__,
            str(exc)[:300],
        )
        return _answer_error(ctx, "Unavailable", step or "")


# --- answers ------------------------------------------------------------------------------------


def _answer_error(ctx: Context, code: str, step: str) -> AuthResponse:
    status = _STATUS.get(code, 400)
    if _wants_json(ctx):
        return ctx.json({"error": code}, status=status)
    form = _FORMS.get(step)
    if form is None or code in ("InvalidLink", "Unavailable"):
        html = render_note(
            title="Something went wrong", text=_MESSAGES.get(code, code), link=None, theme=ctx.options.theme
        )
        return ctx.html(html, status=status)
    return _form(ctx, step, error=_MESSAGES.get(code, code), status=status)


def _done(ctx: Context, *, title: str, text: str, link: tuple[str, str] | None) -> AuthResponse:
    if _wants_json(ctx):
        return ctx.json({"ok": True})
    return ctx.html(render_note(title=title, text=text, link=link, theme=ctx.options.theme))


def _form(ctx: Context, step: str, *, error: str | None = None, status: int = 200) -> AuthResponse:
    title, intro, fields, button = _FORMS[step]
    assert ctx.csrf is not None
    hidden = {"csrfToken": ctx.csrf.token}
    if step == "reset":  # the link's email and token travel on with the form
        hidden.update({k: v for k in ("email", "token") if isinstance(v := _param(ctx, k), str)})
    links = [("Forgot your password?", ctx.url("password/forgot"))] if step == "change" else []
    if step == "sign-up":
        links = [("Already have an account? Sign in", ctx.page_url(ctx.options.pages.sign_in, "signin"))]
    html = render_form(
        title=title,
        intro=intro,
        fields=fields,
        hidden=hidden,
        action_url=ctx.url(f"password/{step}"),
        button=button,
        error=error,
        theme=ctx.options.theme,
        links=links,
    )
    return ctx.html(html, status=status)


_NEW = Field("password", "Password", "password", "new-password")
_FORMS: dict[str, tuple[str, str | None, tuple[Field, ...], str]] = {
    "sign-up": (
        "Create an account",
        "We will email you a link to confirm your address; your password works once you open it.",
        (Field("name", "Name", autocomplete="name", required=False), Field("email", "Email", "email", "email"), _NEW),
        "Sign up",
    ),
    "forgot": (
        "Forgot your password?",
        "Enter your email address and we will send you a link to choose a new password.",
        (Field("email", "Email", "email", "email"),),
        "Send the link",
    ),
    "reset": ("Choose a new password", "This signs you out everywhere.", (_NEW,), "Set the password"),
    "change": (
        "Change your password",
        "This signs you out everywhere else.",
        (Field("currentPassword", "Current password", "password", "current-password"), _NEW),
        "Change the password",
    ),
}


# --- inputs -------------------------------------------------------------------------------------


def _param(ctx: Context, name: str) -> str | None:
    value = ctx.body.get(name) if ctx.request.method == "POST" else None
    if value is None:
        value = ctx.request.query.get(name)
    return value if isinstance(value, str) and len(value) <= MAX_LINK_PART else None


def _field(ctx: Context, name: str) -> str:
    value = ctx.body.get(name)
    return value if isinstance(value, str) else ""


def _email(ctx: Context) -> str:
    raw = _field(ctx, "email")
    try:
        return normalize_email(raw)
    except ValueError:
        raise _Refused("InvalidEmail") from None


def _check_csrf(ctx: Context) -> None:
    if not ctx.csrf_verified:
        raise _Refused("MissingCSRF")


def _new_password(ctx: Context, email: str | None) -> str:
    password = _field(ctx, "password")
    problem = provider_of(ctx).problem(password, email=email)
    if problem is not None:
        raise _Refused(problem)
    return password


def _token_hash(ctx: Context, token: str) -> str:
    return hashlib.sha256(f"{token}{csrf_secret(ctx.options.secrets)}".encode()).hexdigest()


async def _new_link_token(ctx: Context, identifier: str, max_age: int) -> str:
    token = secrets.token_urlsafe(32)
    expires = datetime.fromtimestamp(ctx.now + max_age, UTC)
    record = {"identifier": identifier, "token": _token_hash(ctx, token), "expires": expires}
    await call(ctx.options.adapter.create_verification_token, record)
    return token


async def _use_link_token(ctx: Context, identifier: str, token: str) -> bool:
    used = await call(ctx.options.adapter.use_verification_token, identifier, _token_hash(ctx, token))
    return used is not None and used["expires"] > datetime.fromtimestamp(ctx.now, UTC)


def _link(ctx: Context, step: str, **query: str) -> str:
    return ctx.url(f"password/{step}", **query)


async def _hash(ctx: Context, password: str) -> str:
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    hashed: str = await call(provider_of(ctx).hash, password, blocking=True)
    return hashed


async def _limited(ctx: Context, email: str) -> None:
    """Count one mail for the address and the client; refuse past the email limits."""
    if await ratelimit.check_email_request(ctx, email) is not None:
        raise _Refused("RateLimited")


# --- sign-up ------------------------------------------------------------------------------------


async def sign_up(ctx: Context) -> AuthResponse:
    if ctx.request.method != "POST":
        return _form(ctx, "sign-up")
    _check_csrf(ctx)
    email = _email(ctx)
    password = _new_password(ctx, email)
    name = _field(ctx, "name").strip()[:255] or None
    await _limited(ctx, email)
    provider = provider_of(ctx)
    # Hashed either way, so the time taken does not say whether the address has an account.
    hashed = await _hash(ctx, password)
    existing: User | None = await call(ctx.options.adapter.get_user_by_email, email)
    if existing is not None:
        await provider.send(kind="account-exists", email=email, url=_link(ctx, "forgot"))
    else:
        token = await _new_link_token(ctx, f"password-sign-up:{email}", SIGN_UP_MAX_AGE)
        sealed = _seal(ctx, {"name": name, "hash": hashed, "email": email})
        await provider.send(
            kind="sign-up", email=email, url=_link(ctx, "verify", email=email, token=token, data=sealed)
        )
    return _done(
        ctx,
        title="Check your email",
        text="If the address can be used, a link to finish signing up is on its way to it.",
        link=None,
    )


def _seal(ctx: Context, data: Mapping[str, Any]) -> str:
    key = jwe.derive_v5_key(ctx.options.secrets[0], _SEAL_SALT, "A256GCM")
    return jwe.encrypt(json.dumps(data).encode(), key, "A256GCM")


def _unseal(ctx: Context, sealed: str) -> dict[str, Any] | None:
    try:
        parsed = jwe.parse_compact(sealed, ("A256GCM",))
    except Exception:
        return None
    for secret in ctx.options.secrets:
        try:
            return jwe.parse_json_object(jwe.decrypt(parsed, jwe.derive_v5_key(secret, _SEAL_SALT, "A256GCM")))
        except Exception:  # noqa: S112 - the next secret may open it
            continue
    return None


async def verify(ctx: Context) -> AuthResponse:
    email, token, sealed = _param(ctx, "email"), _param(ctx, "token"), _param(ctx, "data")
    data = _unseal(ctx, sealed) if sealed else None
    if not email or not token or data is None or data.get("email") != email:
        raise _Refused("InvalidLink")
    if not await _use_link_token(ctx, f"password-sign-up:{email}", token):
        raise _Refused("InvalidLink")
    adapter = ctx.options.adapter
    sign_in = ("Sign in", ctx.page_url(ctx.options.pages.sign_in, "signin"))
    if await call(adapter.get_user_by_email, email) is not None:
        # The address got an account meanwhile (an email link, OAuth): the password chosen at
        # sign-up is not set on it, since whoever chose it may not own the address.
        return _done(
            ctx,
            title="You already have an account",
            text="Sign in the way you did before, or choose a password with “Forgot your password?”.",
            link=sign_in,
        )
    verified = datetime.fromtimestamp(ctx.now, UTC)
    fresh: Any = {"id": str(uuid.uuid4()), "name": data.get("name"), "email": email, "emailVerified": verified}
    user: User = await call(adapter.create_user, fresh)
    await call(adapter.set_password_hash, user["id"], str(data["hash"]))
    logger.info("Password accounts: user %s confirmed their address and was created", user["id"])
    return _done(
        ctx, title="Your account is ready", text="Your address is confirmed. Sign in with your password.", link=sign_in
    )


# --- forgot and reset ---------------------------------------------------------------------------


async def forgot(ctx: Context) -> AuthResponse:
    if ctx.request.method != "POST":
        return _form(ctx, "forgot")
    _check_csrf(ctx)
    email = _email(ctx)
    await _limited(ctx, email)
    if await call(ctx.options.adapter.get_user_by_email, email) is not None:
        token = await _new_link_token(ctx, f"password-reset:{email}", RESET_MAX_AGE)
        await provider_of(ctx).send(kind="reset", email=email, url=_link(ctx, "reset", email=email, token=token))
    return _done(
        ctx,
        title="Check your email",
        text="If the address has an account, a link to choose a new password is on its way to it.",
        link=None,
    )


async def reset(ctx: Context) -> AuthResponse:
    email, token = _param(ctx, "email"), _param(ctx, "token")
    if not email or not token:
        raise _Refused("InvalidLink")
    if ctx.request.method != "POST":
        return _form(ctx, "reset")
    _check_csrf(ctx)
    password = _new_password(ctx, email)
    if not await _use_link_token(ctx, f"password-reset:{email}", token):
        raise _Refused("InvalidLink")
    adapter = ctx.options.adapter
    user: User | None = await call(adapter.get_user_by_email, email)
    if user is None:
        raise _Refused("InvalidLink")
    await call(adapter.set_password_hash, user["id"], await _hash(ctx, password))
    if user.get("emailVerified") is None:  # the link proved the mailbox
        await call(adapter.update_user, {"id": user["id"], "emailVerified": datetime.fromtimestamp(ctx.now, UTC)})
    ended = await session_management.end_every_session(ctx, user["id"])
    logger.info("Password accounts: user %s reset their password; %s sessions ended", user["id"], ended)
    sign_in = ("Sign in", ctx.page_url(ctx.options.pages.sign_in, "signin"))
    return _done(
        ctx, title="Your password is changed", text="You are signed out everywhere. Sign in with it.", link=sign_in
    )


# --- change -------------------------------------------------------------------------------------


async def change(ctx: Context) -> AuthResponse:
    user = await ctx.strategy.current_user(ctx)
    if user is None:
        if _wants_json(ctx):
            raise _Refused("SessionRequired")
        return ctx.redirect(ctx.page_url(ctx.options.pages.sign_in, "signin", callbackUrl=ctx.url("password/change")))
    if ctx.request.method != "POST":
        return _form(ctx, "change")
    _check_csrf(ctx)
    provider, adapter = provider_of(ctx), ctx.options.adapter
    identity = {"email": user.get("email") or user["id"]}
    if await ratelimit.check_credentials(ctx, provider.id, identity) is not None:
        raise _Refused("RateLimited")
    stored: str | None = await call(adapter.get_password_hash, user["id"])
    current = _field(ctx, "currentPassword")
    matches, _ = await call(provider.verify, stored, current, blocking=True) if stored else (False, False)
    if not matches:
        await ratelimit.count_failed_credentials(ctx, identity)
        raise _Refused("WrongPassword")
    password = _new_password(ctx, user.get("email"))
    await call(adapter.set_password_hash, user["id"], await _hash(ctx, password))
    ended = await session_management.end_every_session(ctx, user["id"], keep_current=True)
    logger.info("Password accounts: user %s changed their password; %s other sessions ended", user["id"], ended)
    return _done(
        ctx, title="Your password is changed", text="You are signed out everywhere else.", link=("Continue", ctx.origin)
    )
