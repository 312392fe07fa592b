"""authsession: NextAuth.js / Auth.js for Python.

Sign-in with OAuth, email and credentials, encrypted JWT or database sessions, and server-side
session access (:func:`get_server_session`) for Starlette, FastAPI, Flask and Litestar apps, wire-compatible
with next-auth 4 and Auth.js 5.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from authsession._core.http import AuthRequest, AuthResponse, Cookie
from authsession.config import (
    Callbacks,
    CookieAttributes,
    CookieConfig,
    CookiesConfig,
    Events,
    JWTConfig,
    PagesConfig,
    SessionConfig,
    ThemeConfig,
)
from authsession.errors import AuthError, ConfigurationError, CredentialsSignin
from authsession.options import AuthOptions, JWTOptions, Pages, SessionOptions
from authsession.theme import ProviderStyle, Theme
from authsession.types import Account, Session, SessionUser, User

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection
    from starlette.responses import Response

__version__ = "0.1.0"


async def get_server_session(
    request: HTTPConnection, response: Response | None, options: AuthOptions, *, fresh: bool = False
) -> Session | None:
    """The session of the user making ``request``, or ``None`` when nobody is signed in.

    The Python form of NextAuth's ``getServerSession(req, res, authOptions)`` for Starlette
    and FastAPI; refreshed cookies are written to ``response``. It never raises for a bad
    cookie. A Flask view calls :func:`authsession.integrations.flask.get_server_session`.
    ``request`` may be a WebSocket; ``fresh=True`` reads again instead of from the per-request
    memo, so a long-lived WebSocket can learn that its session ended.
    """
    scope: Any = getattr(request, "scope", None)
    if not isinstance(scope, dict):
        raise TypeError(
            f"get_server_session() takes a Starlette/FastAPI request, not {type(request).__name__}; "
            "in a Flask view, call authsession.integrations.flask.get_server_session()"
        )
    return await _starlette_face()(request, response, options, fresh=fresh)


@functools.cache
def _starlette_face() -> Callable[..., Awaitable[Session | None]]:
    # Imported on first use, so ``import authsession`` works without Starlette; cached, because
    # an import statement in the function body costs a trip through the import system per read.
    from authsession.integrations.starlette import get_server_session

    return get_server_session


__all__ = [
    "Account",
    "AuthError",
    "AuthOptions",
    "AuthRequest",
    "AuthResponse",
    "Callbacks",
    "ConfigurationError",
    "Cookie",
    "CookieAttributes",
    "CookieConfig",
    "CookiesConfig",
    "CredentialsSignin",
    "Events",
    "JWTConfig",
    "JWTOptions",
    "Pages",
    "PagesConfig",
    "ProviderStyle",
    "Session",
    "SessionConfig",
    "SessionOptions",
    "SessionUser",
    "Theme",
    "ThemeConfig",
    "User",
    "__version__",
    "get_server_session",
]
