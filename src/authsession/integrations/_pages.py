"""What the Flask and Django faces share: the session of a page's request, its cookies, its guard.

Both frameworks give each request a mutable mapping the integration may keep state in (the
WSGI environ for Flask, the request's ``__dict__`` for Django), a response hook that runs after
the view, and sync and ``async def`` views. So the logic is the same and lives here once:

* :func:`server_session` / :func:`aserver_session` read the session through the bridge (on the
  caller's thread when the read never waits: ``reads_without_waiting``), memoised per request
  and per options (with whether it passed a second factor,
  :func:`second_factor`), and hand the refreshed cookies over;
* :func:`hand_over` puts cookies on a response the view passed and queues them for the hook,
  which :func:`pending_cookies` tells what it still has to add (each cookie once, by name);
* :func:`csrf_token` mints or reuses the CSRF token for a form of the app's own;
* :func:`refusal`, :func:`wants_html` and :func:`redirect_location` say how a guard turns a
  request away (no session, or no second factor where the view wants one); Litestar's guard,
  which reads its session through ``_asgi``, shares them too.

The framework module converts its request (``make_request``) and writes cookies on its own
response type (``put``); nothing here imports a web framework.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, Literal
from urllib.parse import urlencode

from authsession._core.context import build_context, init_csrf
from authsession._core.http import AuthRequest, Cookie
from authsession._core.limits import RequestRefused
from authsession._core.server_session import (
    get_session,
    manage_sessions,
    reads_without_waiting,
    second_factor_used,
    update_session,
)
from authsession.integrations import _bridge
from authsession.options import AuthOptions
from authsession.types import Session

logger = logging.getLogger("authsession")

#: (cookie name, serialised ``Set-Cookie`` value): each cookie is serialised once.
SetCookie = tuple[str, str]
#: Writes serialised cookies on the response object a view passed.
Put = Callable[[list[SetCookie]], None]
#: The per-request mapping the state lives in.
State = MutableMapping[str, Any]

_PENDING = "authsession.cookies"


def _key(options: AuthOptions) -> str:
    return f"authsession.session.{id(options)}"


def _auth_request(make_request: Callable[[], AuthRequest]) -> AuthRequest | None:
    try:
        return make_request()
    except RequestRefused as exc:
        logger.info("No session for a refused request: %s", str(exc))
        return None


async def _read(auth_request: AuthRequest | None, options: AuthOptions) -> tuple[Session | None, list[Cookie], bool]:
    """The session, the cookies for the response, and whether the session passed a second factor."""
    if auth_request is None:
        return None, [], False
    session, cookies = await get_session(auth_request, options)
    second = options.two_factor is not None and session is not None and await second_factor_used(auth_request, options)
    return session, cookies, second


def _store(state: State, key: str, read: tuple[Session | None, list[Cookie], bool], put: Put | None) -> None:
    state[key], cookies, state[f"{key}.second_factor"] = read
    hand_over(state, cookies, put)


def server_session(
    state: State, make_request: Callable[[], AuthRequest], options: AuthOptions, put: Put | None
) -> Session | None:
    """The session of the request ``state`` belongs to, read once through the bridge loop."""
    key = _key(options)
    if key not in state:
        read = _read(_auth_request(make_request), options)
        _store(state, key, _bridge.run(read, inline=reads_without_waiting(options)), put)
    found: Session | None = state[key]
    return found


async def aserver_session(
    state: State, make_request: Callable[[], AuthRequest], options: AuthOptions, put: Put | None
) -> Session | None:
    """:func:`server_session` for ``async def`` views: waits without blocking their loop."""
    key = _key(options)
    if key not in state:
        read = _read(_auth_request(make_request), options)
        # A read that never waits runs here, as in the sync face; any other awaits the bridge loop.
        outcome = _bridge.run(read, inline=True) if reads_without_waiting(options) else await _bridge.run_async(read)
        _store(state, key, outcome, put)
    found: Session | None = state[key]
    return found


def update_server_session(
    state: State, make_request: Callable[[], AuthRequest], options: AuthOptions, put: Put | None, data: Any
) -> Session | None:
    """Run the ``update`` trigger with ``data`` on the request's session; later reads see the result."""
    auth_request = _auth_request(make_request)
    session, cookies = _bridge.run(update_session(auth_request, options, data)) if auth_request else (None, [])
    state[_key(options)] = session
    hand_over(state, cookies, put)
    return session


def manage_server_sessions(
    state: State,
    make_request: Callable[[], AuthRequest],
    options: AuthOptions,
    put: Put | None,
    action: Literal["list", "one", "others", "all"],
    session_id: str | None = None,
) -> Any:
    """ "Your sessions" from a view: the list, or end one / the others / all (the count); ``None``
    when nobody is signed in."""
    auth_request = _auth_request(make_request)
    if auth_request is None:
        return None
    result, cookies = _bridge.run(manage_sessions(auth_request, options, action, session_id))
    hand_over(state, cookies, put)
    return result


def second_factor(state: State, options: AuthOptions) -> bool:
    """Whether the session :func:`server_session` read passed a two-factor code; ``False`` before."""
    return bool(state.get(f"{_key(options)}.second_factor"))


def csrf_token(state: State, auth_request: AuthRequest, options: AuthOptions, put: Put | None) -> str:
    """The CSRF token for a form of the app's own; its cookie is handed over when it is new."""
    ctx = build_context(auth_request, options, "csrf", None)
    init_csrf(ctx)
    assert ctx.csrf is not None
    hand_over(state, ctx.response_cookies, put)
    return ctx.csrf.token


def hand_over(state: State, cookies: list[Cookie], put: Put | None) -> None:
    """Put ``cookies`` on the view's response through ``put`` now, and queue them for the hook."""
    if not cookies:
        return
    serialised = [(cookie.name, cookie.serialize()) for cookie in cookies]
    if put is not None:
        put(serialised)
    state.setdefault(_PENDING, []).extend(serialised)


def pending_cookies(state: State, present: Iterable[str]) -> list[SetCookie]:
    """The queued cookies whose names are not among ``present`` (those the response already sets)."""
    queued: list[SetCookie] = state.get(_PENDING, [])
    if not queued:
        return []
    names = set(present)
    return [(name, value) for name, value in queued if name not in names]


def wants_html(accept: str) -> bool:
    """A browser navigating (sent to sign in), not an API client (answered 401)."""
    return "text/html" in accept


def refusal(
    options: AuthOptions, session: Session | None, *, redirect_to: str | None, second: bool, second_passed: bool
) -> tuple[str, int, str] | None:
    """``(where browsers go, status for other clients, message)`` when a guard refuses, else ``None``.

    No session: the sign-in page (``redirect_to`` or the auth API's, which keeps ``callbackUrl``
    in its cookie), 401. A session that has not ``second_passed`` where a ``second`` guard wants
    the second factor: the two-factor page, 403.
    """
    if session is None:
        return redirect_to or f"{options.base_path}/signin", 401, "Not authenticated"
    if second and not second_passed:
        return f"{options.base_path}/two-factor", 403, "Second factor required"
    return None


def redirect_location(target: str, here: str) -> str:
    """``target`` with ``callbackUrl=here`` added: where a refused browser comes back from."""
    return f"{target}{'&' if '?' in target else '?'}{urlencode({'callbackUrl': here})}"


__all__ = [
    "Put",
    "SetCookie",
    "State",
    "aserver_session",
    "csrf_token",
    "hand_over",
    "manage_server_sessions",
    "pending_cookies",
    "redirect_location",
    "refusal",
    "second_factor",
    "server_session",
    "update_server_session",
    "wants_html",
]
