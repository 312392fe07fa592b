"""Flask integration: an extension that serves the auth API, ``get_server_session`` and a decorator.

::

    auth = AuthSession(app, auth_options)      # or AuthSession() ... auth.init_app(app, auth_options)

    @app.get("/profile")
    def profile():
        session = get_server_session()          # None when nobody is signed in
        ...

    @app.get("/dashboard")
    @auth_required
    def dashboard(): ...

The core is async; Flask's views reach it through ``authsession.integrations._bridge``, one event
loop in a background thread for the whole process.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

from flask import Blueprint, Flask, current_app, g, jsonify, redirect
from flask import Request as FlaskRequest
from flask import Response as FlaskResponse
from flask import request as current_request
from werkzeug.exceptions import abort
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response as BaseResponse

from authsession._core.handler import handle
from authsession._core.http import AuthRequest, AuthResponse
from authsession._core.limits import DEFAULT_MAX_BODY_SIZE, RequestRefused, log_safe
from authsession._core.request_data import (
    build_auth_request,
    check_body_size,
    check_declared_body_size,
    parse_body,
    refusal,
)
from authsession.integrations import _bridge, _pages
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")

F = TypeVar("F", bound=Callable[..., Any])
_EXTENSION = "authsession"
# Every method goes to the core, which answers the ones NextAuth does not serve with its own 400.
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class AuthSession:
    """The Flask extension: the auth API under ``options.base_path``, cookies, template context.

    ``AuthSession(app, options)`` sets up ``app`` at once; ``AuthSession()`` then
    ``init_app(app, options)`` is the application-factory form. It registers a blueprint named
    ``authsession``, an ``after_request`` hook that writes the session cookies
    :func:`get_server_session` refreshed, and ``auth_session`` (the session, read lazily) in
    every template's context. ``max_body_size`` caps a POST body to the auth routes (default
    64 KiB, answered 413 above).
    """

    def __init__(
        self,
        app: Flask | None = None,
        options: AuthOptions | None = None,
        *,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        self.options = options
        self.max_body_size = max_body_size
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, options: AuthOptions | None = None) -> None:
        """Register the auth routes, the cookie hook and the template context on ``app``."""
        options = options or self.options
        if options is None:
            raise TypeError("AuthSession needs options: AuthSession(app, options) or init_app(app, options)")
        self.options = options
        app.extensions[_EXTENSION] = self
        blueprint = Blueprint(_EXTENSION, __name__, url_prefix=options.base_path)
        blueprint.add_url_rule("/<path:action>", "api", self._serve, methods=_METHODS)
        app.register_blueprint(blueprint)
        app.after_request(_write_pending_cookies)
        # ``session`` is Flask's own cookie session in templates; ours is ``auth_session``.
        app.context_processor(lambda: {"auth_session": LocalProxy(get_server_session)})

    def _serve(self, action: str) -> FlaskResponse:
        assert self.options is not None
        try:
            body = None
            if current_request.method == "POST":
                body = parse_body(current_request.content_type or "", _read_body(current_request, self.max_body_size))
            auth_request = to_auth_request(current_request, self.options, body)
        except RequestRefused as exc:
            logger.info("Refused %s %s: %s", current_request.method, log_safe(current_request.path, 200), str(exc))
            return to_flask_response(refusal(exc))
        return to_flask_response(_bridge.run(handle(auth_request, self.options)))


def to_auth_request(request: FlaskRequest, options: AuthOptions, body: dict[str, Any] | None = None) -> AuthRequest:
    """The :class:`AuthRequest` of a Flask (werkzeug) request; the WSGI form of Starlette's.

    Raises :class:`~authsession._core.limits.RequestRefused` for a request that breaks a bound.
    """
    environ = request.environ
    port = environ.get("SERVER_PORT")
    return build_auth_request(
        options,
        method=request.method,
        scheme=request.scheme,
        path=request.path,
        query_string=environ.get("QUERY_STRING", ""),
        headers=request.headers.items(),
        server=(environ.get("SERVER_NAME", ""), int(port) if port and port.isdigit() else None),
        body=body,
        client=request.remote_addr,
    )


def _read_body(request: FlaskRequest, limit: int) -> bytes:
    check_declared_body_size(request.headers.get("Content-Length"), limit)
    raw: bytes = request.stream.read(limit + 1)  # never more than one byte past the bound
    check_body_size(len(raw), limit)
    return raw


def to_flask_response(response: AuthResponse) -> FlaskResponse:
    """A Flask response carrying exactly the core's status, headers, redirect and cookies."""
    flask_response = FlaskResponse(response.body, status=response.status)
    if not any(name.lower() == "content-type" for name in response.headers):
        del flask_response.headers["Content-Type"]  # a bare redirect has none
    for name, value in response.headers.items():
        flask_response.headers[name] = value
    if response.redirect is not None:
        flask_response.headers["Location"] = response.redirect
    for cookie in response.cookies:
        flask_response.headers.add("Set-Cookie", cookie.serialize())
    return flask_response


def _options(options: AuthOptions | None) -> AuthOptions:
    if options is not None:
        return options
    extension: AuthSession | None = current_app.extensions.get(_EXTENSION)
    if extension is None or extension.options is None:
        raise RuntimeError("authsession is not set up on this app: call AuthSession(app, options) first")
    return extension.options


def _current(request: FlaskRequest | None) -> FlaskRequest:
    return request if request is not None else current_request._get_current_object()  # type: ignore[attr-defined]


def _state(request: FlaskRequest) -> _pages.State:
    state: _pages.State = request.environ
    return state


def _put(response: FlaskResponse | None) -> _pages.Put | None:
    if response is None:
        return None

    def put(cookies: list[_pages.SetCookie]) -> None:
        for _, value in cookies:
            response.headers.add("Set-Cookie", value)

    return put


def get_server_session(
    request: FlaskRequest | None = None, response: FlaskResponse | None = None, options: AuthOptions | None = None
) -> Session | None:
    """The signed-in user's session, or ``None``: the seed's ``getServerSession`` for Flask.

    Without arguments it reads the current request with the app's options. Refreshed cookies
    go on ``response`` when you pass one, and on the response Flask sends (the ``after_request``
    hook), each cookie once. Memoised per request. It never raises for a missing, expired,
    tampered or foreign cookie (that is ``None``, logged on the ``authsession`` logger).
    In an ``async def`` view, ``await`` :func:`aget_server_session` instead.
    """
    request, options = _current(request), _options(options)
    return _pages.server_session(_state(request), lambda: to_auth_request(request, options), options, _put(response))


async def aget_server_session(
    request: FlaskRequest | None = None, response: FlaskResponse | None = None, options: AuthOptions | None = None
) -> Session | None:
    """:func:`get_server_session` for ``async def`` views: waits without blocking their loop."""
    request, options = _current(request), _options(options)
    return await _pages.aserver_session(
        _state(request), lambda: to_auth_request(request, options), options, _put(response)
    )


def update_server_session(
    data: Any,
    request: FlaskRequest | None = None,
    response: FlaskResponse | None = None,
    options: AuthOptions | None = None,
) -> Session | None:
    """Change what the session holds from a view, as Auth.js 5's ``unstable_update(data)`` does.

    Your ``jwt`` callback (JWT sessions) or ``session`` callback (database sessions) runs with
    ``trigger="update"`` and ``data``; the rewritten cookie goes on ``response`` if you pass one and
    on the response Flask sends. Returns the updated session (later reads in this request see it),
    or ``None`` when nobody is signed in. No CSRF check: only your server code calls this.
    """
    request, options = _current(request), _options(options)
    return _pages.update_server_session(
        _state(request), lambda: to_auth_request(request, options), options, _put(response), data
    )


def list_user_sessions(request: FlaskRequest | None = None, options: AuthOptions | None = None) -> Any:
    """The signed-in user's sessions (``AuthOptions(session_management=...)``), or ``None`` when
    nobody is signed in; see :func:`authsession.integrations.starlette.list_user_sessions`."""
    request, options = _current(request), _options(options)
    return _pages.manage_server_sessions(
        _state(request), lambda: to_auth_request(request, options), options, None, "list"
    )


def end_sessions(
    which: Literal["one", "others", "all"] = "others",
    session_id: str | None = None,
    request: FlaskRequest | None = None,
    response: FlaskResponse | None = None,
    options: AuthOptions | None = None,
) -> int | None:
    """End sessions of the signed-in user (one by ``id``, all ``others`` or ``all``); how many, or
    ``None`` when nobody is signed in. See :func:`authsession.integrations.starlette.end_sessions`."""
    request, options = _current(request), _options(options)
    ended: int | None = _pages.manage_server_sessions(
        _state(request), lambda: to_auth_request(request, options), options, _put(response), which, session_id
    )
    return ended


def has_second_factor(request: FlaskRequest | None = None, options: AuthOptions | None = None) -> bool:
    """Whether the request's session passed a two-factor code (``AuthOptions(two_factor=...)``);
    ``False`` when there is no session. Reads the session first if the view has not."""
    request, options = _current(request), _options(options)
    get_server_session(request, None, options)
    return _pages.second_factor(_state(request), options)


def get_csrf_token(request: FlaskRequest | None = None, response: FlaskResponse | None = None) -> str:
    """The CSRF token for your own sign-in or sign-out form; sets its cookie when new."""
    request, options = _current(request), _options(None)
    try:
        auth_request = to_auth_request(request, options)
    except RequestRefused as exc:
        logger.info("No CSRF token for a refused request: %s", str(exc))
        abort(exc.status)
    return _pages.csrf_token(_state(request), auth_request, options, _put(response))


def _write_pending_cookies(response: FlaskResponse) -> FlaskResponse:
    present = (value.split("=", 1)[0].strip() for value in response.headers.getlist("Set-Cookie"))
    for _, value in _pages.pending_cookies(_state(current_request), present):
        response.headers.add("Set-Cookie", value)
    return response


@overload
def auth_required(view: F, /) -> F: ...
@overload
def auth_required(*, redirect_to: str | None = None, second_factor: bool = False) -> Callable[[F], F]: ...
def auth_required(
    view: F | None = None, /, *, redirect_to: str | None = None, second_factor: bool = False
) -> F | Callable[[F], F]:
    """Let a view run only for a signed-in user; ``g.auth_session`` holds the session.

    Browsers (``Accept: text/html``) get a 307 to ``redirect_to`` with ``callbackUrl`` set to
    the page they asked for; the default is ``<base_path>/signin``, which remembers it. Other
    clients get 401 JSON. Works on ``def`` and ``async def`` views.

    ``second_factor=True`` (with ``AuthOptions(two_factor=...)``) also wants a session that
    passed a two-factor code: browsers go to ``<base_path>/two-factor`` and come back; other
    clients get 403.

    Security: this only checks that *someone* is signed in. Check roles or ownership yourself,
    from ``g.auth_session``.
    """

    def refusal() -> BaseResponse | None:
        options = _options(None)
        passed = _pages.second_factor(_state(current_request), options)
        refused = _pages.refusal(
            options, g.auth_session, redirect_to=redirect_to, second=second_factor, second_passed=passed
        )
        return _refuse(*refused) if refused is not None else None

    def decorate(view: F) -> F:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_guarded(*args: Any, **kwargs: Any) -> Any:
                g.auth_session = await aget_server_session()
                refused = refusal()
                return refused if refused is not None else await view(*args, **kwargs)

            return async_guarded  # type: ignore[return-value]

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            g.auth_session = get_server_session()
            refused = refusal()
            return refused if refused is not None else view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def _refuse(target: str, status: int, message: str) -> BaseResponse:
    if _pages.wants_html(current_request.headers.get("Accept", "")):
        query = current_request.query_string.decode("latin-1")
        here = current_request.path + (f"?{query}" if query else "")
        return redirect(_pages.redirect_location(target, here), code=307)
    response = jsonify({"message": message})
    response.status_code = status
    return response


__all__ = [
    "AuthSession",
    "aget_server_session",
    "auth_required",
    "end_sessions",
    "get_csrf_token",
    "get_server_session",
    "has_second_factor",
    "list_user_sessions",
    "to_auth_request",
    "update_server_session",
]
