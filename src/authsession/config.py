"""The shapes of :class:`~authsession.AuthOptions`' dict arguments, for your type checker.

Every dict you pass to ``AuthOptions`` (``session``, ``jwt``, ``callbacks``, ``events``,
``pages``, ``theme``, ``cookies``) has a ``TypedDict`` here, so mypy, pyright and your editor
flag a misspelt key (``{"max_Age": 60}``) or a callback that returns the wrong thing before you
run anything. ``AuthOptions`` checks the same things again when it is built, and raises
:class:`~authsession.errors.ConfigurationError` for code that is not type-checked.

mypy reports a mistake in a dict written straight into ``AuthOptions(...)`` as an argument of
the wrong type; to have it name the misspelt key, give the dict its type first::

    callbacks: Callbacks = {"session": add_role}
    auth_options = AuthOptions(secret=..., callbacks=callbacks)

Callbacks and events may be plain functions or coroutine functions. authsession calls each one
with keyword arguments only, and only with those its signature names, so
``def session(session, token)`` is enough; that is why they are typed ``Callable[..., R]``,
which checks what a function returns, not which of the optional arguments it takes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias, TypedDict

from authsession._core.http import SameSite
from authsession.jwt import JWT
from authsession.theme import ColorScheme
from authsession.types import Session, SessionStrategyName

# --- callbacks ------------------------------------------------------------------------------------

#: ``callbacks["sign_in"]``, called with ``user``, ``account``, ``profile``, ``email``,
#: ``credentials``: ``True`` lets the sign-in go on, ``False`` refuses it (``AccessDenied``),
#: a URL string sends the browser there instead.
SignInCallback: TypeAlias = Callable[..., bool | str | Awaitable[bool | str]]

#: ``callbacks["redirect"]``, called with ``url`` and ``base_url``: the URL to send the browser
#: to, absolute or a path on ``base_url``. A URL that is not http(s) is refused.
RedirectCallback: TypeAlias = Callable[..., str | Awaitable[str]]

#: ``callbacks["jwt"]``, called with ``token``, ``user``, ``account``, ``profile``, ``trigger``,
#: ``is_new_user``, ``session``: the token to store (a ``dict``), or ``None`` to end the session.
JWTCallback: TypeAlias = Callable[..., JWT | dict[str, Any] | Awaitable[JWT | dict[str, Any] | None] | None]

#: ``callbacks["session"]``, called with ``session``, ``token`` (JWT strategy), ``user``
#: (database strategy), ``new_session``, ``trigger``: the session the client receives.
SessionCallback: TypeAlias = Callable[..., Session | dict[str, Any] | Awaitable[Session | dict[str, Any]]]

#: An entry of ``events``: called for its side effects, after the fact; what it returns is not
#: used, and an exception it raises is logged, never shown to the user. (An event cannot stop a
#: sign-in: that is the ``sign_in`` callback's job.)
EventHandler: TypeAlias = Callable[..., Awaitable[None] | None]

#: ``jwt["encode"]``, called with ``token``, ``secret``, ``salt`` and ``max_age``: the cookie value.
JWTEncoder: TypeAlias = Callable[..., str | Awaitable[str]]

#: ``jwt["decode"]``, called with ``token`` (the cookie value), ``secret`` and ``salt``: the
#: claims, or ``None`` when the token is not valid.
JWTDecoder: TypeAlias = Callable[..., Mapping[str, Any] | Awaitable[Mapping[str, Any] | None] | None]


class Callbacks(TypedDict, total=False):
    """``AuthOptions(callbacks=...)``: NextAuth's ``callbacks``, with Python names."""

    sign_in: SignInCallback
    redirect: RedirectCallback
    jwt: JWTCallback
    session: SessionCallback


class Events(TypedDict, total=False):
    """``AuthOptions(events=...)``: NextAuth's ``events``, with Python names.

    ``sign_in`` gets ``user``, ``account``, ``profile``, ``is_new_user``; ``sign_out`` gets
    ``token`` (JWT strategy) or ``session`` (database strategy); ``create_user`` and
    ``update_user`` get ``user``; ``link_account`` gets ``user``, ``account``, ``profile``;
    ``session`` gets ``session`` and ``token``.
    """

    sign_in: EventHandler
    sign_out: EventHandler
    create_user: EventHandler
    update_user: EventHandler
    link_account: EventHandler
    session: EventHandler


# --- nested options -------------------------------------------------------------------------------


class SessionConfig(TypedDict, total=False):
    """``AuthOptions(session=...)``; the meaning of each key is on :class:`~authsession.SessionOptions`.

    ``strategy`` defaults to ``"database"`` when you pass an adapter, else ``"jwt"``.
    """

    strategy: SessionStrategyName
    max_age: int
    update_age: int
    refresh_threshold: float | None


class JWTConfig(TypedDict, total=False):
    """``AuthOptions(jwt=...)``; see :class:`~authsession.JWTOptions`."""

    max_age: int | None
    encode: JWTEncoder | None
    decode: JWTDecoder | None


class PagesConfig(TypedDict, total=False):
    """``AuthOptions(pages=...)``: your own pages, as paths starting with ``/`` or http(s) URLs."""

    sign_in: str | None
    sign_out: str | None
    error: str | None
    verify_request: str | None
    new_user: str | None


class ThemeConfig(TypedDict, total=False):
    """``AuthOptions(theme=...)``; the allowed values are on :class:`~authsession.Theme`."""

    color_scheme: ColorScheme
    brand_color: str | None
    logo: str | None
    button_text: str | None


class CookieAttributes(TypedDict, total=False):
    """The attributes of a cookie you may change. Security: keep ``http_only`` and, over
    https, ``secure``; they keep the session token away from scripts and plain http."""

    path: str
    http_only: bool
    same_site: SameSite
    secure: bool
    domain: str | None
    max_age: int | None


class CookieConfig(TypedDict, total=False):
    """One cookie's override: its ``name`` and/or some of its ``options``."""

    name: str
    options: CookieAttributes


class CookiesConfig(TypedDict, total=False):
    """``AuthOptions(cookies=...)``: NextAuth's ``cookies``, one entry per cookie it sets."""

    session_token: CookieConfig
    callback_url: CookieConfig
    csrf_token: CookieConfig
    pkce_code_verifier: CookieConfig
    state: CookieConfig
    nonce: CookieConfig
    webauthn_challenge: CookieConfig


__all__ = [
    "Callbacks",
    "CookieAttributes",
    "CookieConfig",
    "CookiesConfig",
    "EventHandler",
    "Events",
    "JWTCallback",
    "JWTConfig",
    "JWTDecoder",
    "JWTEncoder",
    "PagesConfig",
    "RedirectCallback",
    "SessionCallback",
    "SessionConfig",
    "SignInCallback",
    "ThemeConfig",
]
