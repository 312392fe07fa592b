"""Encrypted session tokens, byte-compatible with ``next-auth/jwt`` (v4) and ``@auth/core/jwt`` (v5).

:mod:`authsession.jwt` is the public face of this module; the core and the session strategies
call it directly, so the core never imports a module above it.

Protocol: ``docs/protocol.md`` §1. A token is a compact JWE (``alg: dir``) whose key is
derived from your secret with HKDF; it is encrypted *and* authenticated, so the browser can
neither read nor change the claims. A token minted here is accepted by a Next.js app that shares
the secret and the format, and the other way round.

* ``format="v4"``: NextAuth.js 4, A256GCM, session salt ``""``.
* ``format="v5"``: Auth.js / next-auth 5, A256CBC-HS512 with a ``kid``, salt = the cookie name.

The same :func:`encode` / :func:`decode` pair serves the short-lived OAuth ``state``, ``pkce``
and ``nonce`` cookies: pass ``salt=<cookie name>`` and ``max_age=900``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from authsession._core import jwe
from authsession._core.config import DEFAULT_MAX_AGE
from authsession._core.cookies import cookie_names
from authsession._core.jwe import JWEError, TokenDecodeError
from authsession.errors import MissingSecret, TokenError
from authsession.types import Format

#: Seconds of clock skew forgiven on ``exp`` and ``nbf``, as NextAuth does.
CLOCK_TOLERANCE = 15

V4_SESSION_SALT = ""
_V5_SESSION_SALT = cookie_names("v5", secure=False).session_token
_V5_ENCS: tuple[jwe.Enc, ...] = ("A256CBC-HS512", "A256GCM")
_V4_ENCS: tuple[jwe.Enc, ...] = ("A256GCM",)


class JWT(TypedDict, total=False):
    """The claims NextAuth puts in a session token. Tokens may carry any other keys as well.

    ``picture`` (not ``image``) holds the avatar URL and ``sub`` the user id as a string;
    ``iat``, ``exp`` and ``jti`` are (re)set by every :func:`encode`.
    """

    name: str | None
    email: str | None
    picture: str | None
    sub: str
    iat: int
    exp: int
    jti: str


def secrets_of(secret: str | Sequence[str] | None) -> tuple[str, ...]:
    given: tuple[object, ...] = (secret,) if isinstance(secret, str) or secret is None else tuple(secret)
    secrets = tuple(s for s in given if isinstance(s, str) and s)
    if not secrets or len(secrets) != len(given):
        raise MissingSecret(
            "a non-empty secret (or list of secrets) is required to encode or decode tokens; "
            "set AUTH_SECRET, e.g. to the output of `authsession secret`"
        )
    return secrets


def _default_salt(format: Format) -> str:
    return V4_SESSION_SALT if format == "v4" else _V5_SESSION_SALT


_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _json_bytes(claims: Mapping[str, Any]) -> bytes:
    text = _JSON_ENCODER.encode(claims)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them, as JSON.stringify does
        return json.dumps(claims, separators=(",", ":"), allow_nan=False).encode("ascii")


def encode(
    *,
    token: Mapping[str, Any],
    secret: str | Sequence[str],
    salt: str | None = None,
    max_age: int = DEFAULT_MAX_AGE,
    format: Format = "v5",
    now: float | None = None,
) -> str:
    """Encrypt ``token`` into a JWE string that NextAuth (``v4``) or Auth.js (``v5``) accepts.

    ``iat`` (now), ``exp`` (now + ``max_age``) and a fresh random ``jti`` are set on a copy of
    ``token``. With a list of secrets the first one encrypts, so put a new secret first to rotate.
    ``salt`` defaults to the session-token salt of the format (``""`` for v4, the non-secure
    cookie name ``authjs.session-token`` for v5); a v5 app behind HTTPS salts with
    ``__Secure-authjs.session-token`` instead, and the OAuth check cookies use their own name.

    Security: the claims are encrypted, but anyone holding the secret can read and forge
    tokens. Use at least 32 random bytes and keep it out of logs and the repository.

    :raises MissingSecret: when ``secret`` is empty.
    :raises TypeError: when ``token`` holds a value JSON cannot represent (an object ...).
    :raises ValueError: when ``token`` holds NaN or an infinity.
    """
    first = secrets_of(secret)[0]
    if salt is None:
        salt = _default_salt(format)
    iat = int(time.time() if now is None else now)
    claims = {**token, "iat": iat, "exp": iat + max_age, "jti": str(uuid.uuid4())}
    plaintext = _json_bytes(claims)
    if format == "v4":
        return jwe.encrypt(plaintext, jwe.derive_v4_key(first, salt), "A256GCM")
    key = jwe.derive_v5_key(first, salt, "A256CBC-HS512")
    return jwe.encrypt(plaintext, key, "A256CBC-HS512", jwe.key_id(key))


_NUMBERS = (int, float)


def _check_claims(claims: dict[str, Any], now: float | None) -> None:
    # jose's checks, with NextAuth's 15 s tolerance: iat/nbf/exp must be numbers when present.
    # An absent claim reads as a number that passes; the claims come from JSON, so a number is
    # exactly an int or a float (never a bool, which JSON keeps apart).
    current = int(time.time() if now is None else now)
    iat, nbf, exp = claims.get("iat", 0), claims.get("nbf", current), claims.get("exp", current)
    if type(iat) not in _NUMBERS or type(nbf) not in _NUMBERS or type(exp) not in _NUMBERS:
        claim = next(name for name in ("iat", "nbf", "exp") if type(claims.get(name, 0)) not in _NUMBERS)
        raise TokenDecodeError("invalid_claims", f'"{claim}" claim must be a number')
    if nbf > current + CLOCK_TOLERANCE:
        raise TokenDecodeError("not_yet_valid", "token is not valid yet (nbf)")
    if exp <= current - CLOCK_TOLERANCE:
        raise TokenDecodeError("expired", "token has expired (exp)")


def _decrypt_v4(parsed: jwe.CompactJWE, secrets: tuple[str, ...], salt: str) -> bytes:
    error: JWEError | None = None
    for secret in secrets:  # every secret in turn: our extension, next-auth@4 takes one
        try:
            return jwe.decrypt(parsed, jwe.derive_v4_key(secret, salt))
        except JWEError as exc:
            error = exc
    assert error is not None
    raise error


def _decrypt_v5(parsed: jwe.CompactJWE, secrets: tuple[str, ...], salt: str) -> bytes:
    if "kid" not in parsed.header:
        return jwe.decrypt(parsed, jwe.derive_v5_key(secrets[0], salt, parsed.enc))
    kid = parsed.kid
    for secret in secrets:
        key = jwe.derive_v5_key(secret, salt, parsed.enc)
        if jwe.key_id(key) == kid:
            return jwe.decrypt(parsed, key)
    raise JWEError("no_matching_secret", "no secret matches the token's kid")


def decode_or_raise(
    *,
    token: str,
    secret: str | Sequence[str],
    salt: str | None = None,
    format: Format = "v5",
    now: float | None = None,
) -> dict[str, Any]:
    """Like :func:`decode`, but raise :class:`TokenDecodeError` instead of returning ``None``.

    Use it where the reason is worth a log line (the session route logs ``JWT_SESSION_ERROR``).
    The exception message never contains the token or the secret.

    :raises TokenDecodeError: (an :class:`~authsession.errors.TokenError` with a ``reason``) for an
        empty, malformed, foreign, tampered, expired or not-yet-valid token.
    :raises MissingSecret: when ``secret`` is empty.
    """
    secrets = secrets_of(secret)
    return decode_claims(token, secrets, _default_salt(format) if salt is None else salt, format, now)


def decode_claims(token: str, secrets: tuple[str, ...], salt: str, format: Format, now: float | None) -> dict[str, Any]:
    """:func:`decode_or_raise` for a caller whose ``secrets`` are already checked and whose salt is
    known: the session strategy, with ``AuthOptions.secrets`` (checked once, when the options were
    built), on every read."""
    if not token:
        raise TokenDecodeError("malformed", "empty token")
    if format == "v4":
        plaintext = _decrypt_v4(jwe.parse_compact(token, _V4_ENCS), secrets, salt)
    else:
        plaintext = _decrypt_v5(jwe.parse_compact(token, _V5_ENCS), secrets, salt)
    claims = jwe.parse_json_object(plaintext)
    if claims is None:
        raise TokenDecodeError("invalid_claims", "JWT claims set must be a JSON object")
    _check_claims(claims, now)
    return claims


def decode(
    *,
    token: str | None,
    secret: str | Sequence[str],
    salt: str | None = None,
    format: Format = "v5",
    now: float | None = None,
) -> dict[str, Any] | None:
    """Decrypt and validate a token made by :func:`encode`, NextAuth or Auth.js.

    Returns the claims, or ``None`` when the token is empty, malformed, made with another secret,
    salt or format, tampered with, or expired (``exp`` and ``nbf`` get 15 seconds of tolerance).

    ``format="v5"`` tries the secrets in order: with a ``kid`` in the header the secret whose key
    matches it is used, without one the first secret; ``enc`` A256GCM is accepted as well as
    A256CBC-HS512. ``format="v4"`` tries every secret in turn (next-auth@4 itself takes one).

    Security: a decoded token proves only that someone holding the secret made it and that it
    has not expired. Revoking a single JWT session before ``exp`` is not possible; use database
    sessions if you need that, or rotate the secret to revoke them all.

    :raises MissingSecret: when ``secret`` is empty; that is a bug, not a bad token.
    """
    if not token:
        secrets_of(secret)
        return None
    try:
        return decode_or_raise(token=token, secret=secret, salt=salt, format=format, now=now)
    except TokenError:
        return None
