"""Email sign-in's verification tokens (§6.3): the address rules, the stored hash, the rate limit.

Security: the link is a bearer credential until it is used or expires. Only the hash
``sha256(token + secret)`` is stored, a token works once, and by default one address gets at
most one link per minute (the provider's ``rate_limit``), so the form cannot flood an inbox.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from datetime import datetime, timedelta

from authsession._core.context import Context
from authsession._core.csrf import csrf_secret
from authsession._core.provider import EmailConfig
from authsession._core.user_code import call
from authsession.types import User


def normalize_email(value: str, v4: bool = False) -> str:
    """NextAuth's identifier rules (NFKC, trimmed, lower-case, one ``@``, the domain cut at its
    first comma, and for next-auth 4 a dot in it), then a strict mailbox check.

    The result must be one RFC 5322 ``addr-spec`` in dot-atom form: the local part is atoms of
    letters, digits and ``!#$%&'*+-/=?^_`{|}~`` joined by single dots, the domain is host
    labels. NextAuth keeps ``,`` ``;`` ``:`` and spaces in the local part; an identifier such as
    ``alice:evil@attacker.com;`` then reads as a group of recipients wherever it is used as an
    address, so it is refused here (``ValueError``) and the sign-in answers ``EmailSignin``.
    """
    email = unicodedata.normalize("NFKC", value).strip().lower()
    if email.count("@") != 1:
        raise ValueError("not an email address")
    local, domain = email.split("@")
    domain = domain.split(",")[0]
    if not _is_mailbox(local, domain) or (v4 and "." not in domain):
        raise ValueError("not an email address")
    return f"{local}@{domain}"


def mailbox(identifier: str) -> str:
    """``identifier`` if it is one strict mailbox address (see :func:`normalize_email`), else
    ``ValueError``. The default sender delivers only to such an address."""
    if identifier.count("@") != 1 or not _is_mailbox(*identifier.split("@")):
        raise ValueError("not a single mailbox address")
    return identifier


#: RFC 5321 §4.5.3.1: 64 octets of local part, 255 of domain (we keep to DNS' 253).
MAX_LOCAL_PART = 64
MAX_DOMAIN = 253
# RFC 5322 atext; letters and digits beyond ASCII are allowed too (RFC 6532 addresses).
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")


def _is_mailbox(local: str, domain: str) -> bool:
    if not (0 < len(local) <= MAX_LOCAL_PART and 0 < len(domain) <= MAX_DOMAIN):
        return False
    atoms_ok = all(local.split(".")) and all(
        c in _ATEXT or (not c.isascii() and c.isalnum()) for c in local.replace(".", "")
    )
    return atoms_ok and all(
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(c.isalnum() or c == "-" for c in label)
        for label in domain.split(".")
    )


def hash_token(ctx: Context, provider: EmailConfig, token: str) -> str:
    # JavaScript turns a secret list into "a,b": hash the same string so a Next.js app sharing
    # the database accepts links made here, and the reverse.
    secret = provider.secret or csrf_secret(ctx.options.secrets)
    return hashlib.sha256(f"{token}{secret}".encode()).hexdigest()


async def user_or_placeholder(ctx: Context, email: str) -> User:
    """The stored user with this address, or the user the ``sign_in`` callback sees before one exists."""
    user: User | None = await call(ctx.options.adapter.get_user_by_email, email)
    if user is not None:
        return user
    return {"id": email if ctx.v4 else str(uuid.uuid4()), "email": email, "emailVerified": None}


async def recently_sent(ctx: Context, provider: EmailConfig, identifier: str, expires: datetime) -> bool:
    """Whether a link went to ``identifier`` within the provider's ``rate_limit`` seconds."""
    check = getattr(ctx.options.adapter, "has_verification_token_expiring_after", None)
    if not provider.rate_limit or check is None:
        return False
    # A token made within the last ``rate_limit`` seconds expires after this moment.
    return bool(await call(check, identifier, expires - timedelta(seconds=provider.rate_limit)))
