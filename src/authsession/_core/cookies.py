"""Cookie names, serialisation and session-cookie chunking, as NextAuth does them.

Protocol: ``spec/nextauth-protocol.md`` §2. Values are percent-encoded like JavaScript's
``encodeURIComponent`` (the npm ``cookie`` package), attributes come in that package's order,
and a session token longer than one cookie can hold is split into ``<name>.0``, ``<name>.1``, ...
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from functools import lru_cache
from typing import Literal
from urllib.parse import quote, unquote, unquote_to_bytes

from authsession._core.http import Cookie

Format = Literal["v4", "v5"]
logger = logging.getLogger("authsession")

#: Characters ``encodeURIComponent`` leaves alone besides letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"
#: Browsers cap one cookie at 4096 bytes; NextAuth budgets this much for name and attributes.
ALLOWED_COOKIE_SIZE = 4096
_EMPTY_COOKIE_OVERHEAD = {"v4": 163, "v5": 160}


@dataclass(frozen=True, slots=True)
class CookieNames:
    """The full names of every cookie authsession sets, for one format and prefix choice."""

    session_token: str
    callback_url: str
    csrf_token: str
    pkce_code_verifier: str
    state: str
    nonce: str
    webauthn_challenge: str


def cookie_names(format: Format, secure: bool) -> CookieNames:
    """Return NextAuth's (``v4``) or Auth.js's (``v5``) cookie names.

    ``secure`` adds the ``__Secure-`` prefix (``__Host-`` for the CSRF cookie); browsers then
    refuse the cookie over plain HTTP, which is the point.
    """
    stem = "next-auth" if format == "v4" else "authjs"
    p = "__Secure-" if secure else ""
    host = "__Host-" if secure else ""
    return CookieNames(
        session_token=f"{p}{stem}.session-token",
        callback_url=f"{p}{stem}.callback-url",
        csrf_token=f"{host}{stem}.csrf-token",
        pkce_code_verifier=f"{p}{stem}.pkce.code_verifier",
        state=f"{p}{stem}.state",
        nonce=f"{p}{stem}.nonce",
        webauthn_challenge=f"{p}{stem}.challenge",
    )


def encode_uri_component(value: str) -> str:
    return quote(value, safe=_URI_COMPONENT_SAFE)


def http_date(timestamp: float) -> str:
    """``Date.prototype.toUTCString()`` form: ``Sat, 28 Nov 2026 03:33:33 GMT``."""
    return _http_date(math.floor(timestamp))


@lru_cache(maxsize=8)
def _http_date(seconds: int) -> str:
    # Every cookie written in the same second shares its date: format it once.
    return formatdate(seconds, usegmt=True)


def serialize_cookie(cookie: Cookie) -> str:
    parts = [f"{cookie.name}={encode_uri_component(cookie.value)}"]
    if cookie.max_age is not None:
        parts.append(f"Max-Age={math.floor(cookie.max_age)}")
    if cookie.domain:
        parts.append(f"Domain={cookie.domain}")
    if cookie.path:
        parts.append(f"Path={cookie.path}")
    if cookie.expires is not None:
        parts.append(f"Expires={http_date(cookie.expires)}")
    if cookie.http_only:
        parts.append("HttpOnly")
    if cookie.secure:
        parts.append("Secure")
    if cookie.same_site:
        parts.append(f"SameSite={cookie.same_site.capitalize()}")
    return "; ".join(parts)


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header like the npm ``cookie`` package: first name wins, values are
    percent-decoded when that works and kept raw when it does not, surrounding quotes dropped."""
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.partition("=")
        if not sep:
            continue
        name = name.strip()
        if not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        if "%" in value:
            decoded = decode_uri_component(value)
            value = value if decoded is None else decoded
        cookies[name] = value
    return cookies


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def decode_uri_component(value: str) -> str | None:
    """JavaScript's ``decodeURIComponent``, with ``None`` where it throws ``URIError``."""
    if _BAD_ESCAPE.search(value):
        return None
    try:
        if value.isascii():  # what unquote does with an all-ASCII string, minus its regex split
            return unquote_to_bytes(value).decode("utf-8")
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        return None


def chunk_size(format: Format) -> int:
    return ALLOWED_COOKIE_SIZE - _EMPTY_COOKIE_OVERHEAD[format]


def read_chunks(cookies: Mapping[str, str], name: str, format: Format = "v5") -> tuple[str | None, list[str]]:
    """Reassemble the session cookie ``name`` from ``name`` or ``name.0``, ``name.1``, ...

    Like NextAuth, every cookie whose name *starts with* ``name`` is taken, ordered by the
    number after its last dot, and joined; a stray ``name.old`` or ``name-legacy`` therefore
    spoils the token, which then fails to decrypt and is cleared. v5 skips empty values.
    Returns the joined value (``None`` when there is none) and every name that was read, so a
    later write can delete the ones it no longer needs.
    """
    found: list[tuple[int, str, str]] = []
    for cookie_name, value in cookies.items():
        if not cookie_name.startswith(name) or (format == "v5" and not value):
            continue
        suffix = cookie_name.rpartition(".")[2]
        found.append((int(suffix) if suffix.isdigit() else -1, cookie_name, value))
    if not found:
        return None, []
    found.sort(key=lambda item: item[0])
    return "".join(v for _, _, v in found) or None, [n for _, n, _ in found]


def chunk_cookies(template: Cookie, value: str, read_names: Iterable[str], format: Format) -> list[Cookie]:
    """The cookies that store ``value`` under ``template.name``, split when too long, with a
    deletion for every previously read name the new value no longer uses."""
    size = chunk_size(format)
    if len(value) <= size:
        fresh = [template.copy(value=value)]
    else:
        count = math.ceil(len(value) / size)
        # NextAuth's debug message, with the same fields: big tokens are a common proxy problem.
        logger.debug(
            "CHUNKING_SESSION_COOKIE: session cookie exceeds allowed %s bytes",
            ALLOWED_COOKIE_SIZE,
            extra={"emptyCookieSize": _EMPTY_COOKIE_OVERHEAD[format], "valueSize": len(value), "chunks": count},
        )
        fresh = [
            template.copy(name=f"{template.name}.{i}", value=value[i * size : (i + 1) * size]) for i in range(count)
        ]
    by_name = {c.name: c for c in fresh}
    out = [by_name.pop(n) if n in by_name else expire_cookie(template, n) for n in dict.fromkeys(read_names)]
    out.extend(c for c in fresh if c.name in by_name)
    return out


def expire_cookie(template: Cookie, name: str | None = None) -> Cookie:
    """A deletion of ``name`` (default ``template.name``): empty value, ``Max-Age=0``."""
    return template.copy(name=name or template.name, value="", max_age=0, expires=None)
