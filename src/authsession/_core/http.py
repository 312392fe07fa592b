"""The internal request and response that every integration converts to and from.

The core never sees a framework object: an integration builds an :class:`AuthRequest`,
calls :func:`authsession._core.handler.handle`, and writes the :class:`AuthResponse` back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from authsession._core.cookies import Cookie, SameSite

__all__ = ["AuthRequest", "AuthResponse", "Cookie", "Method", "SameSite", "split_url"]

Method = Literal["GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass(slots=True)
class AuthRequest:
    """One HTTP request, already parsed.

    ``url`` is the absolute URL as the server saw it (scheme and host taken from the
    ``Host``/``X-Forwarded-*`` headers only when the options trust them).
    ``headers`` keys are lower-case. ``body`` is the flat form or JSON object of a POST.

    Read-only by convention, not frozen: one is built for every request, and a frozen dataclass
    takes three times as long to build (each field set through ``object.__setattr__``).
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    #: The socket peer's IP address (no proxy header is read here), ``None`` when unknown.
    client: str | None = None


@dataclass(slots=True)
class AuthResponse:
    """What the core answers. ``body`` is already encoded text; ``redirect`` sets ``Location``."""

    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[Cookie] = field(default_factory=list)
    redirect: str | None = None


_SCHEME_AND_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")


def split_url(url: str) -> tuple[str, str]:
    """``(scheme://authority, path)`` of a request's URL, its query and fragment left out; the
    first is ``""`` for a relative URL.

    What ``urlsplit`` gives, without its cache: Python 3.11 keeps the last 128 URLs it split,
    and a request's URL, its query string included, can be tens of kilobytes long.
    """
    prefix = _SCHEME_AND_AUTHORITY.match(url)
    start = prefix.end() if prefix is not None else 0
    return url[:start], url[start:].partition("?")[0].partition("#")[0]
