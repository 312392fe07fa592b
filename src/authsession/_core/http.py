"""The internal request and response that every integration converts to and from.

The core never sees a framework object: an integration builds an :class:`AuthRequest`,
calls :func:`authsession._core.handler.handle`, and writes the :class:`AuthResponse` back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Method = Literal["GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]
SameSite = Literal["lax", "strict", "none"]


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """One HTTP request, already parsed.

    ``url`` is the absolute URL as the server saw it (scheme and host taken from the
    ``Host``/``X-Forwarded-*`` headers only when the options trust them).
    ``headers`` keys are lower-case. ``body`` is the flat form or JSON object of a POST.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Cookie:
    """A ``Set-Cookie`` to send. ``value`` is raw; serialisation percent-encodes it."""

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
        values = {name: getattr(self, name) for name in _COOKIE_FIELDS}
        values.update(changes)
        return Cookie(**values)

    def serialize(self) -> str:
        from authsession._core.cookies import serialize_cookie

        return serialize_cookie(self)


_COOKIE_FIELDS = ("name", "value", "path", "http_only", "same_site", "secure", "domain", "max_age", "expires")


@dataclass(slots=True)
class AuthResponse:
    """What the core answers. ``body`` is already encoded text; ``redirect`` sets ``Location``."""

    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[Cookie] = field(default_factory=list)
    redirect: str | None = None
