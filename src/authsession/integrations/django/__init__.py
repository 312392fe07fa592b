"""Django integration: an installable app serving the auth API, the session on every request.

In ``settings.py``::

    INSTALLED_APPS = [..., "authsession.integrations.django"]
    MIDDLEWARE = [..., "authsession.integrations.django.AuthSessionMiddleware"]
    AUTHSESSION = "myproject.auth.auth_options"      # an AuthOptions, or the dotted path to one

and in ``urls.py``, under the options' ``base_path``::

    path("api/auth/", include("authsession.integrations.django.urls"))

A view then reads ``request.auth_session`` (lazy: no work for a request that never looks),
calls :func:`get_server_session` / ``await`` :func:`aget_server_session`, or is guarded by
:func:`auth_required` / :class:`AuthRequiredMixin`. The core is async; sync views reach it
through ``authsession.integrations._bridge`` (one event loop in a background thread for the
whole process), async views await it without blocking their own loop.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from http.cookies import Morsel
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.http.request import RawPostDataException
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

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

if TYPE_CHECKING:
    from django.views import View

    _ViewBase = View
else:
    _ViewBase = object

logger = logging.getLogger("authsession")

F = TypeVar("F", bound=Callable[..., Any])
SETTING = "AUTHSESSION"
_STATE = "_authsession"  # in the request's __dict__: never shown on Django's debug page, unlike META


def get_options() -> AuthOptions:
    """The :class:`AuthOptions` named by ``settings.AUTHSESSION`` (the object or its dotted path).

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` when it is missing or names
    something else.
    """
    value = getattr(settings, SETTING, None)
    if isinstance(value, AuthOptions):
        return value
    if isinstance(value, str):
        return _import_options(value)
    raise ImproperlyConfigured(
        f"settings.{SETTING} must be an authsession.AuthOptions or the dotted path to one, not {type(value).__name__}"
    )


@lru_cache(maxsize=8)  # keyed by settings values, never by request data
def _import_options(path: str) -> AuthOptions:
    try:
        value = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"settings.{SETTING} = {path!r} cannot be imported: {exc}") from exc
    if not isinstance(value, AuthOptions):
        raise ImproperlyConfigured(f"settings.{SETTING} = {path!r} is a {type(value).__name__}, not an AuthOptions")
    return value


def to_auth_request(request: HttpRequest, options: AuthOptions, body: dict[str, Any] | None = None) -> AuthRequest:
    """The :class:`AuthRequest` of a Django request, under WSGI or ASGI alike.

    Raises :class:`~authsession._core.limits.RequestRefused` for a request that breaks a bound.
    """
    meta = request.META
    port = str(meta.get("SERVER_PORT", ""))
    return build_auth_request(
        options,
        method=request.method or "GET",
        scheme=request.scheme or "http",
        path=request.path_info,
        query_string=meta.get("QUERY_STRING", ""),
        headers=_headers(meta),
        server=(meta.get("SERVER_NAME", ""), int(port) if port.isdigit() else None),
        body=body,
        client=meta.get("REMOTE_ADDR"),
    )


#: The two request headers CGI (and so ``request.META``) keeps without the ``HTTP_`` prefix.
_UNPREFIXED_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _headers(meta: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The request headers in ``request.META``, as ``request.headers`` names them (case aside).

    Read straight from ``META``: ``request.headers`` builds a case-insensitive mapping first,
    about half the cost of turning a Django request into an ``AuthRequest``, and
    ``build_auth_request`` lower-cases the names anyway.
    """
    pairs = []
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            pairs.append((key[5:].replace("_", "-"), value))
        elif key in _UNPREFIXED_HEADERS:
            pairs.append((key.replace("_", "-"), value))
    return pairs


def to_django_response(response: AuthResponse) -> HttpResponse:
    """A Django response carrying exactly the core's status, headers, redirect and cookies."""
    body = response.body.encode("utf-8")
    django_response = HttpResponse(body, status=response.status)
    if not any(name.lower() == "content-type" for name in response.headers):
        del django_response["Content-Type"]  # a bare redirect has none
    for name, value in response.headers.items():
        django_response[name] = value
    if response.redirect is not None:
        django_response["Location"] = response.redirect
    django_response["Content-Length"] = str(len(body))
    _set_cookies(django_response, [(cookie.name, cookie.serialize()) for cookie in response.cookies])
    return django_response


@csrf_exempt  # NextAuth's double-submit CSRF token guards these routes, not Django's
def auth_view(request: HttpRequest, action: str = "") -> HttpResponse:
    """The auth API: every ``<base_path>/...`` request, answered by the core.

    A sync view: Django runs it on a worker thread under ASGI. Mounted by ``urls.py``; the
    path Django routes here must be ``options.base_path``, which the core parses.
    """
    options = get_options()
    try:
        body = None
        if request.method == "POST":
            body = parse_body(request.content_type or "", _read_body(request, DEFAULT_MAX_BODY_SIZE))
        auth_request = to_auth_request(request, options, body)
    except RequestRefused as exc:
        logger.info("Refused %s %s: %s", request.method, log_safe(request.path, 200), str(exc))
        return to_django_response(refusal(exc))
    return to_django_response(_bridge.run(handle(auth_request, options)))


def _read_body(request: HttpRequest, limit: int) -> bytes:
    check_declared_body_size(request.META.get("CONTENT_LENGTH"), limit)
    try:
        raw = request.read(limit + 1)  # never more than one byte past the bound
    except RawPostDataException:  # a middleware read it first; Django bounded it then
        raw = request.body
    check_body_size(len(raw), limit)
    return raw


# --- the session of a page ------------------------------------------------------------------------------------


class _RawMorsel(Morsel[str]):
    """A cookie Django sends as the core serialised it, through ``response.cookies``.

    Django writes ``Set-Cookie`` only from ``response.cookies``; the core's own serialisation
    (``Expires`` as next-auth writes it, values percent-encoded) must reach the browser unchanged.
    """

    def __init__(self, name: str, serialised: str) -> None:
        super().__init__()
        value = serialised.partition(";")[0].partition("=")[2]
        self.set(name, value, value)
        self.serialised = serialised

    def OutputString(self, attrs: Any = None) -> str:  # the http.cookies name
        return self.serialised

    def __reduce__(self) -> tuple[Any, ...]:  # Django's cache middleware pickles responses
        return (_RawMorsel, (self.key, self.serialised))


def _set_cookies(response: HttpResponseBase, cookies: list[_pages.SetCookie]) -> None:
    for name, value in cookies:
        response.cookies[name] = _RawMorsel(name, value)


def _put(response: HttpResponseBase | None) -> _pages.Put | None:
    return None if response is None else functools.partial(_set_cookies, response)


def _state(request: HttpRequest) -> _pages.State:
    state: _pages.State = request.__dict__.setdefault(_STATE, {})
    return state


def get_server_session(
    request: HttpRequest, response: HttpResponseBase | None = None, options: AuthOptions | None = None
) -> Session | None:
    """The signed-in user's session, or ``None``: the seed's ``getServerSession`` for Django.

    Reads ``request`` with ``settings.AUTHSESSION`` unless you pass ``options``. Refreshed
    cookies go on ``response`` when you pass one, and on the response the view returns when
    :class:`AuthSessionMiddleware` is installed, each cookie once. Memoised per request. It
    never raises for a missing, expired, tampered or foreign cookie (that is ``None``, logged on
    the ``authsession`` logger). In an ``async def`` view, ``await`` :func:`aget_server_session`.
    """
    options = options or get_options()
    return _pages.server_session(_state(request), lambda: to_auth_request(request, options), options, _put(response))


async def aget_server_session(
    request: HttpRequest, response: HttpResponseBase | None = None, options: AuthOptions | None = None
) -> Session | None:
    """:func:`get_server_session` for ``async def`` views: waits without blocking their loop."""
    options = options or get_options()
    return await _pages.aserver_session(
        _state(request), lambda: to_auth_request(request, options), options, _put(response)
    )


def update_server_session(
    request: HttpRequest, data: Any, response: HttpResponseBase | None = None, options: AuthOptions | None = None
) -> Session | None:
    """Change what the session holds from a view (Auth.js 5's ``unstable_update``), through the
    ``jwt`` / ``session`` callbacks with ``trigger="update"``; the rewritten cookie goes on the
    response. See :func:`authsession.integrations.starlette.update_server_session`."""
    options = options or get_options()
    return _pages.update_server_session(
        _state(request), lambda: to_auth_request(request, options), options, _put(response), data
    )


def list_user_sessions(request: HttpRequest, options: AuthOptions | None = None) -> Any:
    """The signed-in user's sessions (``AuthOptions(session_management=...)``), or ``None`` when
    nobody is signed in; see :func:`authsession.integrations.starlette.list_user_sessions`."""
    options = options or get_options()
    return _pages.manage_server_sessions(
        _state(request), lambda: to_auth_request(request, options), options, None, "list"
    )


def end_sessions(
    request: HttpRequest,
    which: Literal["one", "others", "all"] = "others",
    session_id: str | None = None,
    response: HttpResponseBase | None = None,
    options: AuthOptions | None = None,
) -> int | None:
    """End sessions of the signed-in user (one by ``id``, all ``others`` or ``all``); how many, or
    ``None`` when nobody is signed in. See :func:`authsession.integrations.starlette.end_sessions`."""
    options = options or get_options()
    ended: int | None = _pages.manage_server_sessions(
        _state(request), lambda: to_auth_request(request, options), options, _put(response), which, session_id
    )
    return ended


def get_csrf_token(request: HttpRequest, response: HttpResponseBase | None = None) -> str:
    """The CSRF token for your own sign-in or sign-out form; sets its cookie when new.

    This is NextAuth's token (the ``csrfToken`` field the auth API checks), not Django's.
    Returns ``""`` for a request too malformed to read (logged).
    """
    options = get_options()
    try:
        auth_request = to_auth_request(request, options)
    except RequestRefused as exc:
        logger.info("No CSRF token for a refused request: %s", str(exc))
        return ""
    return _pages.csrf_token(_state(request), auth_request, options, _put(response))


def _lazy_session(request: HttpRequest) -> Any:
    return SimpleLazyObject(lambda: get_server_session(request))


class AuthSessionMiddleware:
    """Give every request ``request.auth_session`` and write the cookies the session refreshed.

    ``request.auth_session`` is read on first use, then memoised: a request that never looks
    costs nothing. It is a lazy proxy: test it with ``if request.auth_session:``, not
    ``is None``. In ``async def`` views ``await aget_server_session(request)`` instead, which
    does not block the event loop. Runs natively under WSGI and ASGI.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        request.auth_session = _lazy_session(request)  # type: ignore[attr-defined]  # Django's request.user idiom
        return _write_pending_cookies(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        request.auth_session = _lazy_session(request)  # type: ignore[attr-defined]  # Django's request.user idiom
        return _write_pending_cookies(request, await self.get_response(request))


def _write_pending_cookies(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    state = request.__dict__.get(_STATE)
    if state:
        _set_cookies(response, _pages.pending_cookies(state, response.cookies.keys()))
    return response


def context_processor(request: HttpRequest) -> dict[str, Any]:
    """``auth_session`` in every template: the session, read only if the template looks.

    Add ``"authsession.integrations.django.context_processor"`` to the ``context_processors``
    of your ``TEMPLATES`` backend. ``{% if auth_session %}`` and ``{{ auth_session.user.name }}``
    work as with the plain session.
    """
    lazy = getattr(request, "auth_session", None)
    return {"auth_session": lazy if lazy is not None else _lazy_session(request)}


# --- guarding views -------------------------------------------------------------------------------------------


def has_second_factor(request: HttpRequest, options: AuthOptions | None = None) -> bool:
    """Whether the request's session passed a two-factor code (``AuthOptions(two_factor=...)``);
    ``False`` when there is no session. Reads the session first if the view has not."""
    options = options or get_options()
    get_server_session(request, None, options)
    return _pages.second_factor(_state(request), options)


def _refused(request: HttpRequest, session: Session | None, redirect_to: str | None, second: bool) -> Any:
    """The answer of a guard that turns ``request`` away, or ``None`` to let the view run."""
    options = get_options()
    passed = _pages.second_factor(_state(request), options)
    refused = _pages.refusal(options, session, redirect_to=redirect_to, second=second, second_passed=passed)
    if refused is None:
        return None
    target, status, message = refused
    if _pages.wants_html(request.headers.get("Accept", "")):
        return HttpResponseRedirect(_pages.redirect_location(target, request.get_full_path_info()), status=307)
    return JsonResponse({"message": message}, status=status)


@overload
def auth_required(view: F, /) -> F: ...
@overload
def auth_required(*, redirect_to: str | None = None, second_factor: bool = False) -> Callable[[F], F]: ...
def auth_required(
    view: F | None = None, /, *, redirect_to: str | None = None, second_factor: bool = False
) -> F | Callable[[F], F]:
    """Let a view run only for a signed-in user.

    Browsers (``Accept: text/html``) get a 307 to ``redirect_to`` with ``callbackUrl`` set to
    the page they asked for; the default is ``<base_path>/signin``, which remembers it. Other
    clients get 401 JSON. Works on ``def`` and ``async def`` views; inside, the session is
    ``get_server_session(request)`` (memoised, so no second read).

    ``second_factor=True`` (with ``AuthOptions(two_factor=...)``) also wants a session that
    passed a two-factor code: browsers go to ``<base_path>/two-factor`` and come back; other
    clients get 403.

    Security: this only checks that *someone* is signed in. Check roles or ownership yourself.
    """

    def decorate(view: F) -> F:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                session = await aget_server_session(request)
                refused = _refused(request, session, redirect_to, second_factor)
                return refused if refused is not None else await view(request, *args, **kwargs)

            return async_guarded  # type: ignore[return-value]

        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refused = _refused(request, get_server_session(request), redirect_to, second_factor)
            return refused if refused is not None else view(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


class AuthRequiredMixin(_ViewBase):
    """:func:`auth_required` for class-based views: put it first among the bases.

    ``auth_redirect_to`` and ``auth_second_factor`` are the decorator's ``redirect_to`` and
    ``second_factor``. Async views (every handler ``async def``) are checked without blocking
    the loop.
    """

    auth_redirect_to: str | None = None
    auth_second_factor: bool = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if type(self).view_is_async:
            return self._adispatch(request, *args, **kwargs)
        refused = _refused(request, get_server_session(request), self.auth_redirect_to, self.auth_second_factor)
        return refused if refused is not None else super().dispatch(request, *args, **kwargs)

    async def _adispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        session = await aget_server_session(request)
        refused = _refused(request, session, self.auth_redirect_to, self.auth_second_factor)
        if refused is not None:
            return refused
        # View.dispatch is typed sync; on an async view it returns the handler's coroutine.
        return await cast(Awaitable[Any], super().dispatch(request, *args, **kwargs))


__all__ = [
    "AuthRequiredMixin",
    "AuthSessionMiddleware",
    "aget_server_session",
    "auth_required",
    "auth_view",
    "context_processor",
    "end_sessions",
    "get_csrf_token",
    "get_options",
    "get_server_session",
    "has_second_factor",
    "list_user_sessions",
    "to_auth_request",
    "to_django_response",
    "update_server_session",
]
