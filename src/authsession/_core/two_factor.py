"""Two-factor sign-in with TOTP: what the core keeps between the two steps, and how it checks.

authsession's extension; NextAuth has none. Its parts:

- **The pending sign-in.** When a user enrolled in TOTP finishes a first factor (OAuth, email,
  credentials), no session is made: the user, account and profile go into a short-lived,
  encrypted ``<stem>.two-factor`` cookie (so the state is bound to this browser) and the
  browser goes to ``<base>/two-factor``. Only a valid code there starts the session.
- **The secret at rest.** The TOTP key is sealed (AES-256-GCM, a key derived from the app's
  secret with its own salt) before the adapter stores it; any configured secret opens it, so
  rotating ``secret`` keeps enrolments working while the old one stays in the list.
- **The mark on the session.** A session started or stepped up with a second factor says so:
  a JWT session carries ``amr: ["otp"]`` (RFC 8176); a database session's token carries a MAC
  of itself, so the mark costs no column in the Auth.js ``sessions`` table and no extra query.
- **Codes.** The :class:`TwoFactorConfig` (``authsession.two_factor.TwoFactor``) matches a code
  to its time step; the adapter's ``use_two_factor_step`` accepts each step once, and
  ``use_recovery_code`` each recovery code once. Failures count against the user in the
  rate-limit store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from authsession._core import jwe
from authsession._core.context import Context
from authsession._core.cookies import Cookie, chunk_cookies, expire_cookie, read_chunks
from authsession._core.user_code import call
from authsession.types import Account, TwoFactorRecord, User

logger = logging.getLogger("authsession")

#: Where a session's second factor is recorded in a JWT session token (RFC 8176 method names).
AMR_CLAIM = "amr"
OTP = "otp"
#: The longest code accepted from a form: a TOTP code or a recovery code with its dashes.
MAX_CODE_LENGTH = 32
_SEAL_SALT = "authsession.two-factor.secret"
_MARK_SALT = "authsession.two-factor.session-mark"
_MARK_LENGTH = 22  # base64url characters: 132 bits of HMAC-SHA256
_RECOVERY_ALPHABET = re.compile(r"[^a-z0-9]")


class TwoFactorConfig(Protocol):
    """``AuthOptions.two_factor`` as the core reads it (``authsession.two_factor.TwoFactor``)."""

    @property
    def issuer(self) -> str | None: ...
    @property
    def pending_max_age(self) -> int: ...
    @property
    def digits(self) -> int: ...

    def new_secret(self) -> str: ...
    def provisioning_uri(self, secret: str, *, account_name: str, issuer: str) -> str: ...
    def qr_svg(self, uri: str) -> str: ...
    def match(self, secret: str, code: str, now: float) -> int | None:
        """The time step ``code`` belongs to within the allowed window, or ``None``."""

    def new_recovery_codes(self) -> list[str]: ...


def config(ctx: Context) -> TwoFactorConfig:
    settings: TwoFactorConfig | None = ctx.options.two_factor
    assert settings is not None, "two-factor routes exist only when AuthOptions.two_factor is set"
    return settings


# --- the secret at rest ------------------------------------------------------------------------


def _key(secret: str, salt: str) -> bytes:
    return jwe.derive_v5_key(secret, salt, "A256GCM")


def seal(secrets: Sequence[str], totp_secret: str) -> str:
    """``totp_secret`` encrypted under the first (current) app secret."""
    key = _key(secrets[0], _SEAL_SALT)
    return jwe.encrypt(totp_secret.encode(), key, "A256GCM", kid=jwe.key_id(key))


def unseal(secrets: Sequence[str], sealed: str) -> str | None:
    """The TOTP secret, or ``None`` (logged) when no configured app secret opens it."""
    try:
        parsed = jwe.parse_compact(sealed, ("A256GCM",))
    except Exception:
        logger.error("Two-factor: a stored TOTP secret is not a sealed value")
        return None
    for secret in secrets:
        try:
            return jwe.decrypt(parsed, _key(secret, _SEAL_SALT)).decode()
        except Exception:  # noqa: S112 - the next secret may open it
            continue
    logger.error("Two-factor: no configured secret opens a stored TOTP secret (was the secret changed?)")
    return None


def hash_recovery_code(code: str) -> str:
    """The stored form of a recovery code: SHA-256 of its letters and digits, lower-case.

    The codes are random (50 bits each), so a fast hash is enough; dashes, spaces and case the
    user types do not matter.
    """
    normal = _RECOVERY_ALPHABET.sub("", unicodedata.normalize("NFKC", code).lower())
    return hashlib.sha256(normal.encode()).hexdigest()


# --- the mark on a session ---------------------------------------------------------------------


def _mac(secret: str, base: str) -> str:
    digest = hmac.new(_key(secret, _MARK_SALT), base.encode(), hashlib.sha256).digest()
    return jwe.b64url_encode(digest)[:_MARK_LENGTH]


def mark_token(secrets: Sequence[str], base: str) -> str:
    """A database session token that says its session passed a second factor."""
    return f"{base}.{_mac(secrets[0], base)}"


def token_is_marked(secrets: Sequence[str], token: str) -> bool:
    base, dot, mac = token.rpartition(".")
    if not dot or len(mac) != _MARK_LENGTH:
        return False
    return any(hmac.compare_digest(mac, _mac(secret, base)) for secret in secrets)


def claims_are_marked(claims: Mapping[str, Any]) -> bool:
    amr = claims.get(AMR_CLAIM)
    return isinstance(amr, list) and OTP in amr


def mark_claims(claims: dict[str, Any]) -> dict[str, Any]:
    amr = claims.get(AMR_CLAIM)
    methods = [m for m in amr if isinstance(m, str)] if isinstance(amr, list) else []
    return {**claims, AMR_CLAIM: methods if OTP in methods else [*methods, OTP]}


# --- the pending sign-in -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    """A first factor that succeeded, waiting for its code."""

    user: User
    account: Account
    profile: Any
    is_new_user: bool
    callback_url: str


def _pending_template(ctx: Context) -> Cookie:
    prefix = "__Secure-" if ctx.secure else ""
    name = f"{prefix}{ctx.dialect.cookie_stem}.two-factor"
    return ctx.cookie_templates.session_token.copy(name=name, max_age=None)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def start_pending(ctx: Context, pending: Pending) -> None:
    """Set the cookie that holds ``pending`` for :attr:`TwoFactorConfig.pending_max_age` seconds."""
    settings = config(ctx)
    claims = {
        "user": pending.user,
        "account": pending.account,
        "profile": pending.profile,
        "isNewUser": pending.is_new_user,
        "callbackUrl": pending.callback_url,
        "exp": int(ctx.now) + settings.pending_max_age,
    }
    plaintext = json.dumps(claims, default=_json_default, separators=(",", ":")).encode()
    key = _key(ctx.options.secrets[0], _pending_template(ctx).name)
    value = jwe.encrypt(plaintext, key, "A256GCM", kid=jwe.key_id(key))
    template = _pending_template(ctx).copy(expires=ctx.now + settings.pending_max_age)
    _, names = read_chunks(ctx.request.cookies, template.name, ctx.options.format)
    ctx.set_cookies(chunk_cookies(template, value, names, ctx.options.format))


def read_pending(ctx: Context) -> Pending | None:
    """The pending sign-in of this browser, or ``None`` if there is none, or it is bad or old."""
    template = _pending_template(ctx)
    value, _ = read_chunks(ctx.request.cookies, template.name, ctx.options.format)
    if not value:
        return None
    try:
        parsed = jwe.parse_compact(value, ("A256GCM",))
    except Exception:
        logger.info("Two-factor: a malformed pending sign-in cookie was ignored")
        return None
    for secret in ctx.options.secrets:
        try:
            claims = jwe.parse_json_object(jwe.decrypt(parsed, _key(secret, template.name)))
        except Exception:  # noqa: S112 - the next secret may open it
            continue
        if claims is None:
            break
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= ctx.now:
            logger.info("Two-factor: the pending sign-in expired")
            return None
        user, account = claims.get("user"), claims.get("account")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not isinstance(account, dict):
            break
        callback_url = claims.get("callbackUrl")
        return Pending(
            user=user,  # type: ignore[arg-type]
            account=account,  # type: ignore[arg-type]
            profile=claims.get("profile"),
            is_new_user=claims.get("isNewUser") is True,
            callback_url=callback_url if isinstance(callback_url, str) else ctx.origin,
        )
    logger.info("Two-factor: a pending sign-in cookie that does not open was ignored")
    return None


def clear_pending(ctx: Context) -> None:
    template = _pending_template(ctx)
    _, names = read_chunks(ctx.request.cookies, template.name, ctx.options.format)
    ctx.set_cookies(expire_cookie(template, name) for name in names)


# --- enrolment records -------------------------------------------------------------------------


async def enrolment(ctx: Context, user_id: str) -> TwoFactorRecord | None:
    record: TwoFactorRecord | None = await call(ctx.options.adapter.get_two_factor, user_id)
    return record


async def is_enrolled(ctx: Context, user_id: str) -> bool:
    record = await enrolment(ctx, user_id)
    return record is not None and record["enabledAt"] is not None


def now_utc(ctx: Context) -> datetime:
    return datetime.fromtimestamp(ctx.now, UTC)


async def check_code(ctx: Context, record: TwoFactorRecord, code: str, *, allow_recovery: bool) -> bool:
    """Whether ``code`` is a fresh TOTP code of ``record`` (or, if allowed, an unused recovery
    code), using it up; a code seen before, from an old step, or too long never passes."""
    code = code.strip().replace(" ", "")
    if not code or len(code) > MAX_CODE_LENGTH:
        return False
    settings = config(ctx)
    adapter = ctx.options.adapter
    if code.isdigit() and len(code) == settings.digits:
        secret = unseal(ctx.options.secrets, record["secret"])
        if secret is None:
            return False
        step = settings.match(secret, code, ctx.now)
        if step is None:
            return False
        used: bool = await call(adapter.use_two_factor_step, record["userId"], step)
        if not used:
            logger.info("Two-factor: a TOTP code was used again")
        return used
    if not allow_recovery:
        return False
    used = await call(adapter.use_recovery_code, record["userId"], hash_recovery_code(code))
    if used:
        logger.warning("Two-factor: user %s signed in with a recovery code", record["userId"])
    return used
