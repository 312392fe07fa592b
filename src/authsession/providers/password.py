"""Email-and-password accounts done right: what NextAuth's ``Credentials`` leaves to every app.

``Password(adapter=..., send_email=...)`` is a credentials provider (``POST <base>/callback/password``,
so ``signIn("password", ...)`` from ``next-auth/react`` works) whose ``authorize`` is written for you,
plus pages and JSON routes under ``<base>/password/``:

- **sign-up** (``/password/sign-up``): nobody is created and no password works until the link
  mailed to the address is opened (``/password/verify``). A sign-up for an address that has an
  account mails that account's owner instead; the page answers the same either way.
- **forgot / reset** (``/password/forgot``, ``/password/reset``): a single-use link, valid for an
  hour, stored hashed; using it sets the new password and ends every session of the user.
- **change** (``/password/change``): for a signed-in user, with the current password; ends every
  other session.

Passwords are hashed with argon2id (``argon2-cffi``) and re-hashed at sign-in when the parameters
change; at least ``min_length`` characters (8), at most 1,024, and not one of the 30,000 most
common passwords (the list ``zxcvbn`` ships). Failed sign-ins count against the brute-force
limits of :class:`authsession.ratelimit.RateLimits`; an address with no account costs the same
hash as one with an account, so timing does not tell them apart.

The hash lives in a table of authsession's own, ``passwords`` (``sql/005_passwords.sql``), keyed by
the Auth.js ``users.id``: ``@auth/pg-adapter`` never reads it, and a Next.js app on the same
database keeps working (it cannot check passwords itself). Unlike ``Credentials``, it works with
database sessions, so a password user's session can be revoked.

Requires ``pip install authsession[password]``.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

try:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("Password accounts need argon2-cffi and zxcvbn: pip install authsession[password]") from exc

from authsession._core.actions.password import RESET_MAX_AGE, SIGN_UP_MAX_AGE
from authsession._core.user_code import call
from authsession.errors import ConfigurationError
from authsession.providers.base import check_provider_id
from authsession.providers.email import LinkMail, SMTPServer, send_link_mail
from authsession.theme import ProviderStyle
from authsession.types import CredentialInput, User

if TYPE_CHECKING:
    from authsession._core.http import AuthRequest

logger = logging.getLogger("authsession")

#: Longer passwords are refused before hashing: argon2 on a megabyte is a denial of service.
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL_LENGTH = 254

EmailKind = Literal["sign-up", "account-exists", "reset"]
SendEmail = Callable[..., Awaitable[None] | None]


@functools.cache
def _common_passwords() -> frozenset[str]:
    try:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError(
            "Password accounts need zxcvbn for the common-password list: pip install authsession[password]"
        ) from exc
    return frozenset(FREQUENCY_LISTS["passwords"])


def normalize_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordProvider:
    """The credentials provider :func:`Password` returns; the core calls its methods."""

    adapter: Any = field(repr=False)
    send_email: SendEmail = field(repr=False)
    id: str = "password"
    name: str = "Password"
    min_length: int = 8
    type: Literal["credentials"] = "credentials"
    style: ProviderStyle | None = None
    credentials: Any = field(
        default_factory=lambda: MappingProxyType(
            {
                "email": CredentialInput(label="Email", type="email", required=True),
                "password": CredentialInput(label="Password", type="password", required=True),
            }
        )
    )
    hasher: PasswordHasher = field(default_factory=PasswordHasher, repr=False)

    # --- the hook the credentials callback calls ------------------------------------------------

    async def call_authorize(self, credentials: dict[str, Any], request: AuthRequest) -> object:
        """The stored user when the email and password match a verified account, else ``None``."""
        email, password = credentials.get("email"), credentials.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            return None
        if len(email) > MAX_EMAIL_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
            return None
        user: User | None = await call(self.adapter.get_user_by_email, normalize_email(email))
        stored: str | None = await call(self.adapter.get_password_hash, user["id"]) if user is not None else None
        if user is None or stored is None:
            self.verify(self._dummy_hash(), password)  # the same work as a real check: no timing oracle
            return None
        ok, rehash = self.verify(stored, password)
        if not ok:
            return None
        if user.get("emailVerified") is None:
            logger.info("Password sign-in refused: the address of user %s is not verified", user["id"])
            return None
        if rehash:
            await call(self.adapter.set_password_hash, user["id"], self.hash(password))
        return user

    # --- hashing and the policy ---------------------------------------------------------------

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str, password: str) -> tuple[bool, bool]:
        """``(matches, needs_rehash)``."""
        try:
            self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        return True, self.hasher.check_needs_rehash(stored)

    def _dummy_hash(self) -> str:
        return _dummy_hash_for(self.hasher)

    def problem(self, password: str, *, email: str | None = None) -> str | None:
        """Why ``password`` is refused (a stable code), or ``None``."""
        if len(password) < self.min_length:
            return "PasswordTooShort"
        if len(password) > MAX_PASSWORD_LENGTH:
            return "PasswordTooLong"
        lowered = password.lower()
        if lowered in _common_passwords() or (email is not None and lowered == normalize_email(email)):
            return "PasswordTooCommon"
        return None

    async def send(self, *, kind: EmailKind, email: str, url: str | None) -> None:
        """Mail ``url``: the confirmation or reset link, or for ``account-exists`` the forgot page."""
        await call(self.send_email, kind=kind, identifier=email, url=url)


@functools.cache
def _dummy_hash_for(hasher: PasswordHasher) -> str:
    return hasher.hash("authsession: no such account")


def Password(
    *,
    adapter: Any,
    send_email: SendEmail,
    id: str = "password",
    name: str = "Password",
    min_length: int = 8,
    hasher: PasswordHasher | None = None,
) -> PasswordProvider:
    """Email-and-password accounts stored through ``adapter`` (the one given to ``AuthOptions``).

    ``send_email(kind=..., identifier=address, url=link)`` mails the sign-up confirmation
    (``kind="sign-up"``), the note to an existing account's owner that someone tried to sign up
    with their address (``"account-exists"``, ``url`` is the forgot-password page) and the reset
    link (``"reset"``); it may be sync or async. ``hasher`` replaces argon2-cffi's default
    parameters (RFC 9106's second recommended set); hashes made with others are re-hashed at the
    next sign-in.
    """
    if not callable(send_email):
        raise ConfigurationError("Password(send_email=...) must be a function that mails a link")
    missing = [
        m
        for m in ("get_user_by_email", "create_user", "update_user", "get_password_hash", "set_password_hash")
        if not callable(getattr(adapter, m, None))
    ]
    if missing:
        raise ConfigurationError(f"Password accounts need these adapter methods (PasswordAdapter): {missing}")
    if not 8 <= min_length <= 128:
        raise ConfigurationError("Password(min_length=...) must be between 8 and 128")
    return PasswordProvider(
        adapter=adapter,
        send_email=send_email,
        id=check_provider_id(id),
        name=name,
        min_length=min_length,
        hasher=hasher or PasswordHasher(),
    )


#: What each mail says; the subject is followed by the site's host.
PASSWORD_MAILS: Mapping[EmailKind, LinkMail] = MappingProxyType(
    {
        "sign-up": LinkMail(
            subject="Confirm your email for",
            button="Confirm your email",
            note=(
                f"The link finishes your sign-up and works for {SIGN_UP_MAX_AGE // 3600} hours. "
                "If you did not sign up, ignore this email: no account is made."
            ),
        ),
        "reset": LinkMail(
            subject="Reset your password on",
            button="Choose a new password",
            note=(
                f"The link works once, within {RESET_MAX_AGE // 60} minutes, and signs you out everywhere. "
                "If you did not ask for it, ignore this email: your password stays as it is."
            ),
        ),
        "account-exists": LinkMail(
            subject="Your account on",
            button="Choose a new password",
            note=(
                "Someone tried to sign up with this address, which has an account already. If it was "
                "you, sign in with your password or choose a new one at the link; if not, ignore this email."
            ),
        ),
    }
)


def smtp_mailer(server: str | SMTPServer, *, from_address: str = "authsession <no-reply@localhost>") -> SendEmail:
    """A ``send_email`` for :func:`Password` that mails each kind over SMTP in its own words
    (:data:`PASSWORD_MAILS`), as :func:`~authsession.providers.Email` mails sign-in links.

    ``server`` is an :class:`~authsession.providers.email.SMTPServer` or its URL
    (``smtp://user:pass@host:587``, ``smtps://host:465``).
    """
    smtp = SMTPServer.from_url(server) if isinstance(server, str) else server

    async def send_email(*, kind: EmailKind, identifier: str, url: str) -> None:
        await send_link_mail(PASSWORD_MAILS[kind], server=smtp, from_address=from_address, to=identifier, url=url)

    return send_email


__all__ = ["MAX_PASSWORD_LENGTH", "PASSWORD_MAILS", "Password", "PasswordProvider", "smtp_mailer"]
