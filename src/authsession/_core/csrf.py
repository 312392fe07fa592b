"""Double-submit CSRF tokens, as NextAuth makes and checks them (protocol §3).

The cookie holds ``<token>|<sha256_hex(token + secret)>``; a POST is verified when its
``csrfToken`` body field equals the token of a cookie whose hash checks out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(slots=True)  # not frozen: one is built per request, and frozen costs twice as much
class CsrfCheck:
    token: str
    #: The cookie value to set, or ``None`` when the request's cookie is reused.
    new_cookie_value: str | None
    verified: bool


def csrf_hash(token: str, secret: str) -> str:
    return hashlib.sha256(f"{token}{secret}".encode()).hexdigest()


def csrf_secret(secrets_: tuple[str, ...]) -> str:
    """The string NextAuth hashes with: JavaScript joins a secret array with commas."""
    return ",".join(secrets_)


def check_csrf(cookie_value: str | None, secret: str, *, body_token: object, is_post: bool) -> CsrfCheck:
    """Reuse the token of a valid cookie or mint a new one, and verify a POST's token."""
    if cookie_value:
        token, sep, digest = cookie_value.partition("|")
        if sep and hmac.compare_digest(digest.encode(), csrf_hash(token, secret).encode()):
            verified = (
                is_post and isinstance(body_token, str) and hmac.compare_digest(body_token.encode(), token.encode())
            )
            return CsrfCheck(token=token, new_cookie_value=None, verified=verified)
    token = secrets.token_hex(32)
    return CsrfCheck(token=token, new_cookie_value=f"{token}|{csrf_hash(token, secret)}", verified=False)
