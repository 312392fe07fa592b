"""Litestar integration: a plugin that serves the auth API as a route, ``get_server_session`` and a guard.

::

    app = Litestar(route_handlers=[profile, dashboard], plugins=[AuthSession(auth_options)])

    @get("/profile")
    async def profile(request: Request) -> Response[str]:
        session = await get_server_session(request)     # None when nobody is signed in
        ...

    @get("/dashboard", guards=[auth_required])         # or AuthRequired(redirect_to="/login")
    async def dashboard() -> str: ...

Litestar runs its middleware only on requests that match a route, so the auth API is a route of
its own (``<base_path>/{action:path}``), and the cookies ``get_server_session`` refreshed are
written by a ``before_send`` hook on every response. The plain-ASGI work is shared with the
Starlette integration (``authsession.integrations._asgi``), and how a guard turns a request away
with the Flask and Django faces (``authsession.integrations._pages``); nothing here imports
Starlette.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from litestar import Request, route
from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.exceptions import (
    HTTPException,
    ImproperlyConfiguredException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.plugins import InitPlugin
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from authsession._core.limits import DEFAULT_MAX_BODY_SIZE, RequestRefused
from authsession.integrations import _asgi, _pages
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")

# Every method goes to the core, which answers the ones NextAuth does not serve with its own 400.
_METHODS = [HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE]
#: A handler's request, or the connection a guard is handed (a WebSocket's too).
Connection = ASGIConnection[Any, Any, Any, Any]


class AuthSession(InitPlugin):
    """The Litestar plugin: the auth API under ``options.base_path`` and the refreshed cookies.

    ``Litestar(..., plugins=[AuthSession(options)])`` adds a route handler named ``authsession``
    for ``<base_path>/{action:path}`` (out of the OpenAPI schema) and a ``before_send`` hook that
    writes the cookies :func:`get_server_session` refreshed, unless the page set a cookie of the
    same name itself. Your app's middleware and guards run on the auth routes as on any other.
    ``max_body_size`` caps a POST body to the auth routes (default 64 KiB, answered 413 above).
    """

    __slots__ = ("max_body_size", "options")

    def __init__(self, options: AuthOptions, *, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
        self.options = options
        self.max_body_size = max_body_size

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.append(self._auth_api())
        app_config.before_send.append(_write_pending_cookies)
        return app_config

    def _auth_api(self) -> HTTPRouteHandler:
        options, max_body_size = self.options, self.max_body_size

        async def auth_api(request: Request[Any, Any, Any]) -> ASGIApp:
            scope: Any = request.scope
            response = await _asgi.serve(scope, request.receive, options, max_body_size)

            async def send_it(scope: Scope, receive: Receive, send: Send) -> None:
                # The core's status, headers and cookies exactly; Litestar would add a Content-Type.
                await _asgi.send_response(send, response)

            return send_it

        return route(
            f"{options.base_path}/{{action:path}}",
            http_method=_METHODS,
            name="authsession",
            include_in_schema=False,
        )(auth_api)


def _options(request: Connection, options: AuthOptions | None) -> AuthOptions:
    if options is not None:
        return options
    try:
        return request.app.plugins.get(AuthSession).options
    except KeyError:
        raise RuntimeError(
            "authsession is not set up on this app: add plugins=[AuthSession(options)] to Litestar(...)"
        ) from None


def _scope(request: Connection) -> Any:
    """The request's scope, with a queue for the cookies the ``before_send`` hook writes."""
    scope: Any = request.scope
    scope.setdefault("state", {}).setdefault(_asgi.PENDING, [])
    return scope


async def get_server_session(request: Connection, options: AuthOptions | None = None) -> Session | None:
    """The signed-in user's session, or ``None``: the seed's ``getServerSession`` for Litestar.

    ``options`` defaults to those of the app's :class:`AuthSession` plugin. Refreshed cookies go
    on the response the handler returns, each cookie once. Memoised per request. It never raises
    for a missing, expired, tampered or foreign cookie (that is ``None``, logged on the
    ``authsession`` logger); it does raise :class:`~authsession.errors.ConfigurationError` for
    broken options.
    """
    session, _ = await _asgi.read_session(_scope(request), _options(request, options))
    return session


def get_csrf_token(request: Connection, options: AuthOptions | None = None) -> str:
    """The CSRF token for your own sign-in or sign-out form; sets its cookie when new."""
    try:
        token, _ = _asgi.csrf_token(_scope(request), _options(request, options))
    except RequestRefused as exc:
        logger.info("No CSRF token for a refused request: %s", str(exc))
        raise HTTPException(status_code=exc.status) from None
    return token


async def update_server_session(request: Connection, data: Any, options: AuthOptions | None = None) -> Session | None:
    """Change what the session holds from a handler, as Auth.js 5's ``unstable_update(data)`` does.

    Your ``jwt`` callback (JWT sessions) or ``session`` callback (database sessions) runs with
    ``trigger="update"`` and ``data``; the rewritten cookie goes on the response the handler
    returns. Returns the updated session (later reads in this request see it), or ``None`` when
    nobody is signed in. No CSRF check: only your server code calls this. See
    :func:`authsession.integrations.starlette.update_server_session`.
    """
    session, _ = await _asgi.update_session(_scope(request), _options(request, options), data)
    return session


async def list_user_sessions(request: Connection, options: AuthOptions | None = None) -> list[dict[str, Any]] | None:
    """The signed-in user's sessions (``AuthOptions(session_management=...)``), or ``None`` when
    nobody is signed in; see :func:`authsession.integrations.starlette.list_user_sessions`."""
    listed, _ = await _asgi.manage_sessions(_scope(request), _options(request, options), "list", None)
    return listed  # type: ignore[no-any-return]


async def end_sessions(
    request: Connection,
    which: Literal["one", "others", "all"] = "others",
    session_id: str | None = None,
    options: AuthOptions | None = None,
) -> int | None:
    """End sessions of the signed-in user (one by ``id``, all ``others`` or ``all``); how many, or
    ``None`` when nobody is signed in. See :func:`authsession.integrations.starlette.end_sessions`."""
    ended, _ = await _asgi.manage_sessions(_scope(request), _options(request, options), which, session_id)
    return ended  # type: ignore[no-any-return]


async def has_second_factor(request: Connection, options: AuthOptions | None = None) -> bool:
    """Whether the request's session passed a two-factor code (``AuthOptions(two_factor=...)``);
    only meaningful for a request :func:`get_server_session` found a session for."""
    scope: Any = request.scope
    return await _asgi.second_factor_passed(scope, _options(request, options))


class AuthRequired:
    """A guard that lets a handler run only for a signed-in user: ``guards=[AuthRequired()]``.

    ``auth_required`` is one with the defaults. Browsers (``Accept: text/html``) get a 307 to
    ``redirect_to`` with ``callbackUrl`` set to the page they asked for; the default is
    ``<base_path>/signin``, which remembers it. Other clients get Litestar's 401
    (:class:`~litestar.exceptions.NotAuthorizedException`), so your exception handlers shape it.
    In the handler, ``await get_server_session(request)`` gives the session (memoised, so no
    second read). Like any guard it goes on a handler, a controller, a router or the app.

    ``second_factor=True`` (with ``AuthOptions(two_factor=...)``) also wants a session that
    passed a two-factor code: browsers go to ``<base_path>/two-factor`` and come back; other
    clients get 403 (:class:`~litestar.exceptions.PermissionDeniedException`).

    Security: this only checks that *someone* is signed in. Check roles or ownership yourself.
    """

    __slots__ = ("redirect_to", "second_factor")

    def __init__(self, *, redirect_to: str | None = None, second_factor: bool = False) -> None:
        self.redirect_to = redirect_to
        self.second_factor = second_factor

    def __repr__(self) -> str:
        return f"AuthRequired(redirect_to={self.redirect_to!r}, second_factor={self.second_factor!r})"

    async def __call__(self, connection: Connection, handler: BaseRouteHandler) -> None:
        options = _options(connection, None)
        if self.second_factor and options.two_factor is None:
            raise ImproperlyConfiguredException("AuthRequired(second_factor=True) needs AuthOptions(two_factor=...)")
        session = await get_server_session(connection, options)
        passed = self.second_factor and session is not None and await has_second_factor(connection, options)
        refused = _pages.refusal(
            options, session, redirect_to=self.redirect_to, second=self.second_factor, second_passed=passed
        )
        if refused is None:
            return
        target, status, message = refused
        if _pages.wants_html(connection.headers.get("accept", "")):
            query = connection.scope.get("query_string", b"").decode("latin-1")
            here = connection.scope["path"] + (f"?{query}" if query else "")
            location = _pages.redirect_location(target, here)
            raise HTTPException(status_code=307, detail=message, headers={"Location": location})
        raise NotAuthorizedException(detail=message) if status == 401 else PermissionDeniedException(detail=message)


#: The guard with its defaults: ``@get("/dashboard", guards=[auth_required])``.
auth_required = AuthRequired()


def _write_pending_cookies(message: Message, scope: Scope) -> None:
    pending = scope.get("state", {}).get(_asgi.PENDING)
    if pending and message["type"] == "http.response.start":
        message["headers"] = _asgi.add_pending_cookies(dict(message), pending)["headers"]


__all__ = [
    "AuthRequired",
    "AuthSession",
    "auth_required",
    "end_sessions",
    "get_csrf_token",
    "get_server_session",
    "has_second_factor",
    "list_user_sessions",
    "update_server_session",
]
