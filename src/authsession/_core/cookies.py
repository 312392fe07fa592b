"""Cookies as NextAuth writes them: names, templates, serialisation and session-cookie chunks.

Protocol: ``docs/protocol.md`` §2. Values are percent-encoded like JavaScript's
``encodeURIComponent`` (the npm ``cookie`` package), attributes come in that package's order,
and a session token longer than one cookie can hold is split into ``<name>.0``, ``<name>.1``, ...
"""

from __future__ import annotations

import logging
import math
import operator
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote, unquote, unquote_to_bytes

from authsession._core.config import dialect_for
from authsession._core.limits import MAX_COOKIE_COUNT, MAX_COOKIE_HEADER_LENGTH
from authsession.types import Format

logger = logging.getLogger("authsession")

SameSite = Literal["lax", "strict", "none"]

#: Characters ``encodeURIComponent`` leaves alone besides letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"
#: Any character it escapes: everything but ASCII letters, digits and the safe ones above.
_URI_COMPONENT_ESCAPED = re.compile(r"[^A-Za-z0-9\-_.!~*'()]")
#: Browsers cap one cookie at 4096 bytes; NextAuth budgets this much for name and attributes.
ALLOWED_COOKIE_SIZE = 4096
#: Seconds the OAuth check cookies (``state``, ``pkce``, ``nonce``) live: NextAuth's 15 minutes.
CHECK_MAX_AGE = 900
#: Cookie keys users may override in ``AuthOptions(cookies=...)``.
COOKIE_KEYS = (
    "session_token",
    "callback_url",
    "csrf_token",
    "pkce_code_verifier",
    "state",
    "nonce",
    "webauthn_challenge",
)


@dataclass(slots=True)
class Cookie:
    """A ``Set-Cookie`` to send. ``value`` is raw; serialisation percent-encodes it.

    Read-only by convention (change one with :meth:`copy`), not frozen: a read that refreshes
    the session builds one, and a frozen dataclass of nine fields takes four and a half times as
    long to build (each field set through ``object.__setattr__``).
    """

    name: str
    value: str
    path: str = "/"
    http_only: bool = True
    same_site: SameSite | None = "lax"
    secure: bool = False
    domain: str | None = None
    max_age: int | None = None
    expires: float | None = None  # unix seconds

    def copy(self, **changes: Any) -> Cookie:
        """This cookie with some fields changed (a cheaper ``dataclasses.replace``: it runs per request)."""
        if not changes.keys() <= _COOKIE_FIELDS:
            raise TypeError(f"Cookie has no field {sorted(changes.keys() - _COOKIE_FIELDS)[0]!r}")
        get = changes.get
        # Positional, in field order: keyword arguments cost a third more, and a dict of every
        # field built first twice that.
        return Cookie(
            get("name", self.name),
            get("value", self.value),
            get("path", self.path),
            get("http_only", self.http_only),
            get("same_site", self.same_site),
            get("secure", self.secure),
            get("domain", self.domain),
            get("max_age", self.max_age),
            get("expires", self.expires),
        )

    def serialize(self) -> str:
        return serialize_cookie(self)


_COOKIE_FIELDS = frozenset(
    ("name", "value", "path", "http_only", "same_site", "secure", "domain", "max_age", "expires")
)


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
    stem = dialect_for(format).cookie_stem
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


@dataclass(frozen=True, slots=True)
class CookieSet:
    """One :class:`Cookie` template (name and attributes, empty value) per NextAuth cookie."""

    names: CookieNames
    session_token: Cookie
    callback_url: Cookie
    csrf_token: Cookie
    pkce_code_verifier: Cookie
    state: Cookie
    nonce: Cookie
    webauthn_challenge: Cookie

    @classmethod
    def build(cls, format: Format, secure: bool, overrides: Mapping[str, Mapping[str, Any]]) -> CookieSet:
        """The templates for ``format`` over https (``secure``) or http, with the user's ``overrides``
        (``{key: {"name": ..., "options": {...}}}``, checked by the options) applied."""
        names = cookie_names(format, secure)
        templates: dict[str, Cookie] = {}
        for key in COOKIE_KEYS:
            base = Cookie(name=getattr(names, key), value="", secure=secure)
            if key in ("pkce_code_verifier", "state", "webauthn_challenge"):
                base = base.copy(max_age=CHECK_MAX_AGE)
            override = overrides.get(key)
            if override:
                base = base.copy(name=override.get("name", base.name), **dict(override.get("options", {})))
            templates[key] = base
        return cls(names=names, **templates)


def encode_uri_component(value: str) -> str:
    # Session tokens (JWEs, UUIDs) need no escaping: one scan finds that out, where
    # quote() would first encode the value and build its safe set again.
    if _URI_COMPONENT_ESCAPED.search(value) is None:
        return value
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


class RequestCookies(Mapping[str, str]):
    """The cookies of one ``Cookie`` header, each value percent-decoded when it is first read.

    A signed-in browser sends the CSRF and callback-url cookies with every page; a session read
    looks only at the session cookie, so theirs are never decoded.
    """

    __slots__ = ("_decoded", "_raw")

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw
        self._decoded: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        value = self._decoded.get(name)
        if value is None:
            value = self._raw[name]
            if "%" in value:
                decoded = decode_uri_component(value)
                value = value if decoded is None else decoded
            self._decoded[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:  # names only: values are secrets
        return f"RequestCookies({list(self._raw)!r})"


def parse_cookie_header(header: str) -> RequestCookies:
    """Parse a ``Cookie`` header like the npm ``cookie`` package: first name wins, values are
    percent-decoded when that works and kept raw when it does not, surrounding quotes dropped.

    A header longer than :data:`~authsession._core.limits.MAX_COOKIE_HEADER_LENGTH` or with more
    than :data:`~authsession._core.limits.MAX_COOKIE_COUNT` cookies is ignored whole (no cookies,
    a log line): a partial set could pair session chunks that were never written together.
    """
    # One scan both splits and counts: past the bound, the split stops and leaves the rest whole.
    pairs = header.split(";", MAX_COOKIE_COUNT) if len(header) <= MAX_COOKIE_HEADER_LENGTH else None
    if pairs is None or len(pairs) > MAX_COOKIE_COUNT:
        logger.info("Ignoring a Cookie header of %d bytes and %d cookies", len(header), header.count(";") + 1)
        return RequestCookies({})
    cookies: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            continue
        name = name.strip()
        if not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        cookies[name] = value
    return RequestCookies(cookies)


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


#: At most this many chunks of a session cookie are read, and so cleared. A token that long is
#: about 125 KB of cookies, far past what servers take in a request's headers (Node's limit is
#: 16 KiB), while 1,000 planted ``session-token.N`` cookies must not cost 1,000 ``Set-Cookie``s.
MAX_SESSION_CHUNKS = 32
_MAX_INDEX_DIGITS = len(str(MAX_SESSION_CHUNKS - 1))


def chunk_size(format: Format) -> int:
    return ALLOWED_COOKIE_SIZE - dialect_for(format).empty_cookie_size


def _chunk_index(cookie_name: str) -> int | None:
    """The number after the last dot; ``-1`` when there is none (the plain cookie, or a stray
    ``name.old``); ``None`` when it is no chunk index of ours (``.²``, 5,000 digits, ``.99``)."""
    suffix = cookie_name.rpartition(".")[2]
    if not suffix.isdigit():
        return -1
    if suffix.isascii() and len(suffix) <= _MAX_INDEX_DIGITS and int(suffix) < MAX_SESSION_CHUNKS:
        return int(suffix)
    return None


def read_chunks(cookies: Mapping[str, str], name: str, format: Format = "v5") -> tuple[str | None, list[str]]:
    """Reassemble the session cookie ``name`` from ``name`` or ``name.0``, ``name.1``, ...

    Like NextAuth, every cookie whose name *starts with* ``name`` is taken, ordered by the
    number after its last dot, and joined; a stray ``name.old`` or ``name-legacy`` therefore
    spoils the token, which then fails to decrypt and is cleared. v5 skips empty values.
    A suffix that is not a chunk number below :data:`MAX_SESSION_CHUNKS` in ASCII digits, and any
    cookie past that many, is ignored with a log line. Returns the joined value (``None`` when
    there is none) and every name that was read, so a later write can delete the ones it no
    longer needs.
    """
    skip_empty = dialect_for(format).skips_empty_chunks
    found: list[tuple[int, str, str]] = []
    ignored = 0
    for cookie_name in cookies:
        if not cookie_name.startswith(name):
            continue
        value = cookies[cookie_name]  # only these are decoded (RequestCookies)
        if skip_empty and not value:
            continue
        index = -1 if cookie_name == name else _chunk_index(cookie_name)
        if index is None or len(found) > MAX_SESSION_CHUNKS:
            ignored += 1
            continue
        found.append((index, cookie_name, value))
    if ignored:
        logger.info("Ignoring %d cookie(s) named like %s whose suffix is no chunk number of ours", ignored, name)
    if not found:
        return None, []
    if len(found) == 1:  # most tokens fit in one cookie: nothing to order or join
        _, found_name, value = found[0]
        return value or None, [found_name]
    found.sort(key=_chunk_order)
    return "".join([v for _, _, v in found]) or None, [n for _, n, _ in found]


_chunk_order = operator.itemgetter(0)


def chunk_cookies(
    template: Cookie, value: str, read_names: Iterable[str], format: Format, *, debug: logging.Logger | None = None
) -> list[Cookie]:
    """The cookies that store ``value`` under ``template.name``, split when too long, with a
    deletion for every previously read name the new value no longer uses. ``debug`` is the
    logger of ``AuthOptions(debug=True)``, which gets NextAuth's chunking message."""
    size = chunk_size(format)
    if len(value) <= size:
        fresh = [template.copy(value=value)]
    else:
        count = math.ceil(len(value) / size)
        if count > MAX_SESSION_CHUNKS:
            # Written all the same, as NextAuth would; but read_chunks stops at the bound, so say why
            # the session will not come back (a jwt callback that stores too much in the token).
            logger.warning(
                "The session token needs %d cookies, more than the %d read back: keep less in the token",
                count,
                MAX_SESSION_CHUNKS,
            )
        if debug is not None:
            # NextAuth's debug message, with the same fields: big tokens are a common proxy problem.
            debug.debug(
                "CHUNKING_SESSION_COOKIE: session cookie exceeds allowed %s bytes",
                ALLOWED_COOKIE_SIZE,
                extra={"emptyCookieSize": ALLOWED_COOKIE_SIZE - size, "valueSize": len(value), "chunks": count},
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
