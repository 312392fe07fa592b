"""Passkey (WebAuthn) sign-in as Auth.js 5 does it: the options route, the challenge cookie, and
the callback that registers a credential or signs in with one.

Protocol: ``docs/protocol.md`` §1.3 (the challenge cookie) and the v5 route
``GET <base>/webauthn-options/<id>?action=register|authenticate``. Standards: W3C Web
Authentication Level 2, §7.1 (registration) and §7.2 (authentication); the provider verifies
both through a WebAuthn library, this module decides who signs in.

The challenge travels as Auth.js sends it: ``{challenge, registerData?}`` encrypted with the salt
``encodedWebauthnChallenge``, sealed again in the ``authjs.challenge`` cookie for 15 minutes. So
that a captured request cannot be replayed within those 15 minutes (a passkey's signature counter
is often always 0, so the counter cannot tell), the challenge is also stored through the adapter
as a single-use verification token, and the callback consumes it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from authsession._core import tokens as jwt
from authsession._core.context import Context
from authsession._core.cookies import CHECK_MAX_AGE
from authsession._core.limits import json_depth_within_bounds
from authsession._core.oauth import InvalidCheck, seal, use_sealed
from authsession._core.provider import RelyingParty, WebAuthnConfig, WebAuthnOptions
from authsession._core.user_code import call
from authsession.errors import AuthError, WebAuthnVerificationError
from authsession.types import Account, Authenticator, User

logger = logging.getLogger("authsession")

CHALLENGE_SALT = "encodedWebauthnChallenge"
#: The user fields a registration carries in its challenge (what Auth.js reads of a session user).
_REGISTER_FIELDS = ("id", "name", "email", "image")
#: What the browser's answer may weigh; attestation statements with certificates take a few KiB.
MAX_RESPONSE_LENGTH = 32 * 1024


def challenge_identifier(provider: WebAuthnConfig) -> str:
    """The verification-token identifier under which a provider's open challenges are stored."""
    return f"webauthn-challenge:{provider.id}"


def _hashed(challenge: str) -> str:
    return hashlib.sha256(challenge.encode()).hexdigest()


async def issue(ctx: Context, provider: WebAuthnConfig, made: WebAuthnOptions, register_data: User | None) -> None:
    """Set the challenge cookie for ``made`` and store its challenge for single use."""
    token: dict[str, Any] = {"challenge": made.challenge}
    if register_data is not None:
        token["registerData"] = {k: register_data[k] for k in _REGISTER_FIELDS if k in register_data}  # type: ignore[literal-required]
    inner = jwt.encode(
        token=token,
        secret=ctx.options.secrets,
        salt=CHALLENGE_SALT,
        max_age=CHECK_MAX_AGE,
        format="v5",
        now=ctx.now,
    )
    expires = datetime.fromtimestamp(ctx.now + CHECK_MAX_AGE, UTC)
    record = {"identifier": challenge_identifier(provider), "token": _hashed(made.challenge), "expires": expires}
    await call(ctx.options.adapter.create_verification_token, record)
    ctx.set_cookie(seal(ctx, ctx.cookie_templates.webauthn_challenge, inner, provider.id))


async def redeem(ctx: Context, provider: WebAuthnConfig) -> tuple[str, dict[str, Any] | None]:
    """The challenge of this browser's ceremony and its ``registerData``; each works once."""
    try:
        sealed = use_sealed(ctx, ctx.cookie_templates.webauthn_challenge, "webauthnChallenge", provider.id)
    except InvalidCheck as exc:
        raise AuthError(f"WebAuthn challenge: {exc}") from exc
    payload = jwt.decode(token=sealed, secret=ctx.options.secrets, salt=CHALLENGE_SALT, format="v5", now=ctx.now)
    challenge = payload.get("challenge") if payload else None
    if payload is None or not isinstance(challenge, str):
        raise AuthError("WebAuthn challenge was missing")
    used = await call(ctx.options.adapter.use_verification_token, challenge_identifier(provider), _hashed(challenge))
    now = datetime.fromtimestamp(ctx.now, UTC)
    if used is None or used["expires"] < now:
        raise WebAuthnVerificationError("The WebAuthn challenge was used already or has expired")
    register_data = payload.get("registerData")
    return challenge, register_data if isinstance(register_data, dict) else None


def browser_response(ctx: Context) -> dict[str, Any]:
    """The ``data`` field: the browser's PublicKeyCredential as JSON, bounded before parsing."""
    data = ctx.body.get("data")
    if not isinstance(data, str) or len(data) > MAX_RESPONSE_LENGTH or not json_depth_within_bounds(data):
        raise AuthError("Invalid WebAuthn response")
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise AuthError("Invalid WebAuthn response: not JSON") from exc
    if not isinstance(parsed, dict) or not isinstance(parsed.get("id"), str):
        raise AuthError("Invalid WebAuthn response: no credential id")
    return parsed


def credential_id(raw: str) -> str:
    """Auth.js's form of a credential id: standard padded base64 of the bytes the browser sent
    as base64url (``Buffer.from(id, "base64")`` reads either alphabet)."""
    text = raw.replace("-", "+").replace("_", "/")
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AuthError("Invalid WebAuthn response: the credential id is not base64") from exc
    return base64.b64encode(decoded).decode()


async def register(ctx: Context, provider: WebAuthnConfig, rp: RelyingParty) -> tuple[User, Account, Authenticator]:
    """Verify a registration: the user to sign in (or create), their account and new passkey."""
    response = browser_response(ctx)
    challenge, register_data = await redeem(ctx, provider)
    if register_data is None:
        raise AuthError("Missing user registration data in WebAuthn challenge cookie")
    authenticator = provider.verify_registration(rp, response, challenge)
    account: Account = {
        "providerAccountId": authenticator["credentialID"],
        "provider": provider.id,
        "type": "webauthn",
    }
    user: User = register_data  # type: ignore[assignment]
    return user, account, authenticator


async def authenticate(ctx: Context, provider: WebAuthnConfig, rp: RelyingParty) -> tuple[User, Account]:
    """Verify a sign-in with a stored passkey and record its new signature counter."""
    response = browser_response(ctx)
    adapter = ctx.options.adapter
    found: Authenticator | None = await call(adapter.get_authenticator, credential_id(response["id"]))
    if found is None:
        raise AuthError("WebAuthn authenticator not found in database")
    challenge, _ = await redeem(ctx, provider)
    counter = provider.verify_authentication(rp, response, challenge, found)
    await call(adapter.update_authenticator_counter, found["credentialID"], counter)
    user: User | None = await call(adapter.get_user_by_account, provider.id, found["providerAccountId"])
    if user is None:
        raise AuthError("WebAuthn account or user not found in database")
    account: Account = {
        "providerAccountId": found["providerAccountId"],
        "provider": provider.id,
        "type": "webauthn",
        "userId": user["id"],
    }
    return user, account
