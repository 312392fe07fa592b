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
    """NextAuth's identifier rules: NFKC, trimmed, lower-case, one ``@``, no quotes; the domain is
    cut at its first comma (a header-injection guard); next-auth 4 also wants a dot in it."""
    email = unicodedata.normalize("NFKC", value).strip().lower()
    if '"' in email or email.count("@") != 1 or any(c in email for c in "\r\n\0<>"):
        raise ValueError("not an email address")
    local, domain = email.split("@")
    domain = domain.split(",")[0]
    if not local or not domain or (v4 and "." not in domain) or len(email) > 320:
        raise ValueError("not an email address")
    return f"{local}@{domain}"


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
