"""What the core runs on, resolved once when the options are built.

:class:`Dialect` holds what differs between next-auth 4 (``v4``) and Auth.js 5 (``v5``) on the
wire, so the code reads ``ctx.dialect.empty_session()`` instead of branching on the format. The
settings protocols name the parts of the user's options the core reads; ``authsession.options``
satisfies them, and the core never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from authsession.types import Format, SessionStrategyName

#: 30 days: NextAuth's default session and token lifetime.
DEFAULT_MAX_AGE = 30 * 24 * 60 * 60


@dataclass(frozen=True, slots=True)
class Dialect:
    """The wire differences between next-auth 4 and Auth.js 5 (protocol §1, §2, §5)."""

    format: Format
    #: The cookie names' stem: ``next-auth.session-token`` or ``authjs.session-token``.
    cookie_stem: str
    #: What NextAuth budgets for a session cookie's name and attributes when it chunks.
    empty_cookie_size: int
    #: Auth.js leaves chunks with an empty value out of the session token; next-auth 4 joins them.
    skips_empty_chunks: bool
    #: The JSON ``message`` of a server-configuration error (protocol §8).
    server_error_message: str
    #: next-auth 4 keeps the cookies set before an error; Auth.js answers errors with none.
    keeps_cookies_on_error: bool

    @property
    def v4(self) -> bool:
        return self.format == "v4"

    def session_salt(self, cookie_name: str) -> str:
        """The HKDF salt of a session token: ``""`` in v4, the session cookie's name in v5."""
        return "" if self.v4 else cookie_name

    def empty_session(self) -> dict[str, Any] | None:
        """What ``/session`` answers with nobody signed in: ``{}`` in v4, ``null`` in v5."""
        return {} if self.v4 else None

    def wants_json(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
        """Whether the client asked for ``{"url": ...}`` instead of a redirect: a ``json=true``
        body field in v4, an ``X-Auth-Return-Redirect`` header in v5 (lower-case keys)."""
        if self.v4:
            return body.get("json") == "true"
        return "x-auth-return-redirect" in headers


_SERVER_ERROR = "There {} a problem with the server configuration. Check the server logs for more information."

V4 = Dialect(
    format="v4",
    cookie_stem="next-auth",
    empty_cookie_size=163,
    skips_empty_chunks=False,
    server_error_message=_SERVER_ERROR.format("is"),
    keeps_cookies_on_error=True,
)
V5 = Dialect(
    format="v5",
    cookie_stem="authjs",
    empty_cookie_size=160,
    skips_empty_chunks=True,
    server_error_message=_SERVER_ERROR.format("was"),
    keeps_cookies_on_error=False,
)


def dialect_for(format: Format) -> Dialect:
    return V4 if format == "v4" else V5


class SessionSettings(Protocol):
    """``AuthOptions.session`` as the core reads it."""

    @property
    def strategy(self) -> SessionStrategyName: ...
    @property
    def max_age(self) -> int: ...
    @property
    def update_age(self) -> int: ...
    @property
    def refresh_threshold(self) -> float | None: ...


class JWTSettings(Protocol):
    """``AuthOptions.jwt`` as the core reads it: your own ``encode``/``decode``, if any."""

    @property
    def max_age(self) -> int | None: ...
    @property
    def encode(self) -> Callable[..., Any] | None: ...
    @property
    def decode(self) -> Callable[..., Any] | None: ...


class PageSettings(Protocol):
    """``AuthOptions.pages``: the user's own pages, used instead of the built-in ones."""

    @property
    def sign_in(self) -> str | None: ...
    @property
    def sign_out(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def verify_request(self) -> str | None: ...
    @property
    def new_user(self) -> str | None: ...
