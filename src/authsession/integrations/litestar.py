"""Litestar integration: a plugin that serves the auth API as a route, and ``get_server_session``.

::

    app = Litestar(route_handlers=[profile], plugins=[AuthSession(auth_options)])

    @get("/profile")
    async def profile(request: Request) -> Response[str]:
        session = await get_server_session(request)     # None when nobody is signed in
        ...

Litestar runs its middleware only on requests that match a route, so the auth API is a route of
its own (``<base_path>/{action:path}``), and the cookies ``get_server_session`` refreshed are
written by a ``before_send`` hook on every response. The plain-ASGI work is shared with the
Starlette integration (``authsession.integrations._asgi``); nothing here imports Starlette.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, route
from litestar.config.app import AppConfig
from litestar.enums import HttpMethod
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.plugins import InitPlugin
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from authsession._core.limits import DEFAULT_MAX_BODY_SIZE, RequestRefused
from authsession.integrations import _asgi
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")

# Every method goes to the core, which answers the ones NextAuth does not serve with its own 400.
_METHODS = [HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE]


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


def _options(request: Request[Any, Any, Any], options: AuthOptions | None) -> AuthOptions:
    if options is not None:
        return options
    try:
        return request.app.plugins.get(AuthSession).options
    except KeyError:
        raise RuntimeError(
            "authsession is not set up on this app: add plugins=[AuthSession(options)] to Litestar(...)"
        ) from None


def _scope(request: Request[Any, Any, Any]) -> Any:
    """The request's scope, with a queue for the cookies the ``before_send`` hook writes."""
    scope: Any = request.scope
    scope.setdefault("state", {}).setdefault(_asgi.PENDING, [])
    return scope


async def get_server_session(request: Request[Any, Any, Any], options: AuthOptions | None = None) -> Session | None:
    """The signed-in user's session, or ``None``: the seed's ``getServerSession`` for Litestar.

    ``options`` defaults to those of the app's :class:`AuthSession` plugin. Refreshed cookies go
    on the response the handler returns, each cookie once. Memoised per request. It never raises
    for a missing, expired, tampered or foreign cookie (that is ``None``, logged on the
    ``authsession`` logger); it does raise :class:`~authsession.errors.ConfigurationError` for
    broken options.
    """
    session, _ = await _asgi.read_session(_scope(request), _options(request, options))
    return session


def get_csrf_token(request: Request[Any, Any, Any], options: AuthOptions | None = None) -> str:
    """The CSRF token for your own sign-in or sign-out form; sets its cookie when new."""
    try:
        token, _ = _asgi.csrf_token(_scope(request), _options(request, options))
    except RequestRefused as exc:
        logger.info("No CSRF token for a refused request: %s", exc)
        raise HTTPException(status_code=exc.status) from None
    return token


def _write_pending_cookies(message: Message, scope: Scope) -> None:
    pending = scope.get("state", {}).get(_asgi.PENDING)
    if pending and message["type"] == "http.response.start":
        message["headers"] = _asgi.add_pending_cookies(dict(message), pending)["headers"]


__all__ = ["AuthSession", "get_csrf_token", "get_server_session"]
