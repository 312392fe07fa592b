"""Encrypted session tokens, byte-compatible with ``next-auth/jwt`` (v4) and ``@auth/core/jwt`` (v5).

Protocol: ``docs/protocol.md`` §1. A token is a compact JWE (``alg: dir``) whose key is
derived from your secret with HKDF; it is encrypted *and* authenticated, so the browser can
neither read nor change the claims. A token minted here is accepted by a Next.js app that shares
the secret and the format, and the other way round.

* ``format="v4"``: NextAuth.js 4, A256GCM, session salt ``""``.
* ``format="v5"``: Auth.js / next-auth 5, A256CBC-HS512 with a ``kid``, salt = the cookie name.

The same :func:`encode` / :func:`decode` pair serves the short-lived OAuth ``state``, ``pkce``
and ``nonce`` cookies: pass ``salt=<cookie name>`` and ``max_age=900``. :func:`get_token` reads
the token of a request, like next-auth's ``getToken()``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

from authsession._core.config import DEFAULT_MAX_AGE
from authsession._core.cookies import cookie_names, parse_cookie_header, read_chunks
from authsession._core.jwe import JWEError, TokenDecodeError
from authsession._core.request_data import bearer_token
from authsession._core.tokens import (
    JWT,
    V4_SESSION_SALT,
    decode,
    decode_or_raise,
    encode,
    secrets_of,
)
from authsession.errors import MissingSecret, TokenError
from authsession.types import Format

__all__ = [
    "DEFAULT_MAX_AGE",
    "JWT",
    "JWEError",
    "MissingSecret",
    "TokenDecodeError",
    "TokenError",
    "decode",
    "decode_or_raise",
    "encode",
    "get_token",
]


def _header(headers: object, name: str) -> str | None:
    """Case-insensitive header lookup on Starlette headers or any other mapping."""
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    value = getter(name)
    if value is None and isinstance(headers, Mapping):
        value = next(
            (v for k, v in headers.items() if isinstance(k, str) and k.lower() == name),
            None,
        )
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value if isinstance(value, str) else None


def _env_secret(format: Format) -> str | None:
    names = ("NEXTAUTH_SECRET", "AUTH_SECRET") if format == "v4" else ("AUTH_SECRET", "NEXTAUTH_SECRET")
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _default_secure_cookie(format: Format) -> bool:
    if format == "v5":
        return False
    url = os.environ.get("NEXTAUTH_URL")
    return url.startswith("https://") if url is not None else bool(os.environ.get("VERCEL"))


def _raw_token(request: object, cookie_name: str, format: Format) -> str | None:
    headers = getattr(request, "headers", None)
    cookie_header = _header(headers, "cookie") if headers is not None else None
    if cookie_header is not None:
        cookies: Mapping[str, str] = parse_cookie_header(cookie_header)
    else:
        given = getattr(request, "cookies", None)
        cookies = (
            {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, str)}
            if isinstance(given, Mapping)
            else {}
        )
    value, _ = read_chunks(cookies, cookie_name, format)
    if value:
        return value
    return bearer_token(_header(headers, "authorization") if headers is not None else None)


@overload
def get_token(
    request: object,
    *,
    secret: str | Sequence[str] | None = None,
    salt: str | None = None,
    secure_cookie: bool | None = None,
    cookie_name: str | None = None,
    raw: Literal[False] = False,
    format: Format = "v5",
    now: float | None = None,
) -> dict[str, Any] | None: ...


@overload
def get_token(
    request: object,
    *,
    secret: str | Sequence[str] | None = None,
    salt: str | None = None,
    secure_cookie: bool | None = None,
    cookie_name: str | None = None,
    raw: Literal[True],
    format: Format = "v5",
    now: float | None = None,
) -> str | None: ...


@overload
def get_token(
    request: object,
    *,
    secret: str | Sequence[str] | None = None,
    salt: str | None = None,
    secure_cookie: bool | None = None,
    cookie_name: str | None = None,
    raw: bool,
    format: Format = "v5",
    now: float | None = None,
) -> dict[str, Any] | str | None: ...


def get_token(
    request: object,
    *,
    secret: str | Sequence[str] | None = None,
    salt: str | None = None,
    secure_cookie: bool | None = None,
    cookie_name: str | None = None,
    raw: bool = False,
    format: Format = "v5",
    now: float | None = None,
) -> dict[str, Any] | str | None:
    """Read and decrypt the session token of ``request``, like NextAuth's ``getToken()``.

    ``request`` is any object with ``headers`` (a mapping; lookups are case-insensitive) and/or
    ``cookies`` (a mapping): a Starlette request, or any object of that shape. The
    ``Cookie`` header is parsed when present, otherwise ``request.cookies`` is used; a session
    cookie split into ``<name>.0``, ``<name>.1``, ... is put back together. Only when no cookie
    is found, ``Authorization: Bearer <url-encoded token>`` is used.

    Defaults follow the npm packages: ``secret`` from ``AUTH_SECRET`` then ``NEXTAUTH_SECRET``
    (the other way round for v4); ``secure_cookie`` is ``False`` for v5 and, for v4, whether
    ``NEXTAUTH_URL`` starts with ``https://`` (``VERCEL`` being set when it is unset);
    ``cookie_name`` is the session cookie of that format and prefix; the v5 ``salt`` is the
    cookie name and the v4 one ``""``.

    Returns the claims, the raw token string with ``raw=True`` (not decrypted, so **not
    verified** - never trust its content), or ``None`` when there is no usable token.

    :raises MissingSecret: when no secret is given or set in the environment (not raised
        with ``raw=True``, which needs none).
    """
    secrets: tuple[str, ...] = ()
    if not raw:
        secrets = secrets_of(secret if secret is not None else _env_secret(format))
    if secure_cookie is None:
        secure_cookie = _default_secure_cookie(format)
    if cookie_name is None:
        cookie_name = cookie_names(format, secure_cookie).session_token
    token = _raw_token(request, cookie_name, format)
    if token is None or raw:
        return token
    if salt is None:
        salt = cookie_name if format == "v5" else V4_SESSION_SALT
    return decode(token=token, secret=secrets, salt=salt, format=format, now=now)
