"""Per-request state every action works from: URLs, cookies, CSRF, callbackUrl, output.

:class:`CoreOptions` is what the core reads of ``AuthOptions``, and :class:`SessionStrategy` the
interface of the session strategies the options chose; both are here because each refers to
:class:`Context`, and the core never imports the modules that implement them.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from authsession._core.callback_url import default_redirect, is_http_url, origin_of
from authsession._core.config import Dialect, JWTSettings, PageSettings, SessionSettings
from authsession._core.cookies import CookieSet
from authsession._core.csrf import CsrfCheck, check_csrf, csrf_secret
from authsession._core.http import AuthRequest, AuthResponse, Cookie, split_url
from authsession._core.limits import log_safe
from authsession._core.pages.headers import PAGE_HEADERS
from authsession._core.session_store import SessionStore
from authsession._core.user_code import UserFunction
from authsession.errors import ConfigurationError, InvalidCallbackUrl
from authsession.theme import Theme
from authsession.types import Account, Format, Session, User

NO_CACHE_JSON = {
    "Content-Type": "application/json",
    "Cache-Control": "private, no-cache, no-store",
    "Pragma": "no-cache",
    "Expires": "0",
}
JSON = {"Content-Type": "application/json"}
logger = logging.getLogger("authsession")
_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SessionStrategy(Protocol):
    """How a signed-in user is remembered between requests: a JWT cookie or a database row."""

    async def read(self, ctx: Context, *, is_update: bool = False, new_session: Any = None) -> Session | None:
        """The current session, refreshing its cookie; ``None`` (and cookies cleared) if invalid."""

    async def create(
        self,
        ctx: Context,
        *,
        user: User,
        account: Account,
        profile: Any = None,
        is_new_user: bool = False,
        second_factor: bool = False,
    ) -> bool:
        """Start a session for ``user``; ``False`` when the ``jwt`` callback vetoed it.
        ``second_factor``: the user also passed a second factor, and the session says so."""

    async def has_second_factor(self, ctx: Context) -> bool:
        """Whether the current session passed a second factor (without refreshing anything)."""

    async def add_second_factor(self, ctx: Context) -> bool:
        """Mark the current session as having passed a second factor; ``False`` if there is none."""

    async def reissue(self, ctx: Context) -> bool:
        """Write the current JWT session again (with the user's current session generation)."""

    async def destroy(self, ctx: Context) -> None:
        """End the current session (sign-out): fire ``events.sign_out`` and clear the cookies."""

    async def current_user(self, ctx: Context) -> User | None:
        """The user the request is signed in as (for account linking), without side effects."""


class CoreOptions(Protocol):
    """What the core reads of :class:`authsession.AuthOptions`, resolved when it was built."""

    @property
    def format(self) -> Format: ...
    @property
    def dialect(self) -> Dialect: ...
    @property
    def strategy(self) -> SessionStrategy: ...
    @property
    def secrets(self) -> tuple[str, ...]: ...
    # Providers are reached through their own hooks; the core types none of them.
    @property
    def providers(self) -> tuple[Any, ...]: ...
    def provider(self, provider_id: str | None) -> Any: ...
    @property
    def adapter(self) -> Any: ...
    @property
    def session(self) -> SessionSettings: ...
    @property
    def jwt(self) -> JWTSettings: ...
    @property
    def jwt_max_age(self) -> int: ...
    @property
    def callbacks(self) -> Mapping[str, UserFunction]: ...
    @property
    def events(self) -> Mapping[str, UserFunction]: ...
    @property
    def pages(self) -> PageSettings: ...
    @property
    def theme(self) -> Theme: ...
    @property
    def origin(self) -> str | None: ...
    @property
    def base_path(self) -> str: ...
    @property
    def trust_host(self) -> bool: ...
    @property
    def use_secure_cookies(self) -> bool | None: ...
    def cookie_set(self, secure: bool) -> CookieSet: ...
    @property
    def clock(self) -> Callable[[], float]: ...
    @property
    def logger(self) -> logging.Logger: ...
    @property
    def debug_logger(self) -> logging.Logger | None: ...
    @property
    def http_transport(self) -> Any: ...
    # A RateLimits or None; typed in _core/ratelimit.py, which imports this module.
    @property
    def rate_limits(self) -> Any: ...
    #: Whether get_server_session also reads an ``Authorization: Bearer`` session token.
    @property
    def bearer_sessions(self) -> bool: ...
    # A session_management.SessionManagement or None, and its GenerationCache (or None).
    @property
    def session_management(self) -> Any: ...
    @property
    def session_generations(self) -> Any: ...
    #: The Password provider (a provider.PasswordConfig), if one is configured.
    @property
    def password_provider(self) -> Any: ...
    # A two_factor.TwoFactorConfig or None (that module imports this one).
    @property
    def two_factor(self) -> Any: ...


@dataclass(slots=True)
class Context:
    options: CoreOptions
    request: AuthRequest
    action: str
    provider_id: str | None
    origin: str
    base_url: str
    secure: bool
    cookie_templates: CookieSet
    now: float
    csrf: CsrfCheck | None = None
    callback_url: str = ""
    response_cookies: list[Cookie] = field(default_factory=list)
    _session_store: SessionStore | None = field(default=None, init=False, repr=False)

    @property
    def body(self) -> Mapping[str, Any]:
        return self.request.body or {}

    @property
    def dialect(self) -> Dialect:
        return self.options.dialect

    @property
    def json_mode(self) -> bool:
        """Whether the client asked for ``{"url": ...}`` instead of a redirect (v4 ``json=true``,
        v5 ``X-Auth-Return-Redirect``); asked only where an action redirects."""
        return self.options.dialect.wants_json(self.body, self.request.headers)

    @property
    def v4(self) -> bool:
        return self.options.dialect.v4

    @property
    def strategy(self) -> SessionStrategy:
        return self.options.strategy

    @property
    def session_store(self) -> SessionStore:
        """The session cookie of this request, read on first use."""
        if self._session_store is None:
            self._session_store = SessionStore(
                self.cookie_templates.session_token,
                self.request.cookies,
                self.options.dialect,
                debug=self.options.debug_logger,
            )
        return self._session_store

    def read_session_from(self, value: str) -> None:
        """Read the session from ``value`` (a bearer token) instead of the request's cookies."""
        template = self.cookie_templates.session_token
        self._session_store = SessionStore(
            template, {template.name: value}, self.options.dialect, debug=self.options.debug_logger
        )

    @property
    def csrf_verified(self) -> bool:
        return self.csrf is not None and self.csrf.verified

    def set_cookie(self, cookie: Cookie) -> None:
        self.response_cookies.append(cookie)

    def set_cookies(self, cookies: Iterable[Cookie]) -> None:
        self.response_cookies.extend(cookies)

    def respond(self, response: AuthResponse) -> AuthResponse:
        response.cookies[:0] = self.response_cookies
        return response

    def redirect(self, url: str, *, status: int = 302) -> AuthResponse:
        """A redirect, or ``{"url": ...}`` JSON when the client asked for it (v4 ``json=true``,
        v5 ``X-Auth-Return-Redirect``). ``status`` is the v4 internal status for JSON mode."""
        url = ascii_url(url)
        if self.json_mode:
            code = status if self.v4 and status != 302 else 200
            return self.respond(AuthResponse(status=code, body=json.dumps({"url": url}), headers=dict(JSON)))
        return self.respond(AuthResponse(status=302, redirect=url))

    def json(self, payload: Any, *, status: int = 200, headers: Mapping[str, str] = JSON) -> AuthResponse:
        return self.respond(AuthResponse(status=status, body=json.dumps(payload), headers=dict(headers)))

    def html(self, body: str, *, status: int = 200, headers: Mapping[str, str] = PAGE_HEADERS) -> AuthResponse:
        return self.respond(AuthResponse(status=status, body=body, headers=dict(headers)))

    def url(self, action: str, **query: str | None) -> str:
        """``<base>/<action>`` with the non-empty ``query`` values, URL-encoded."""
        params = {k: v for k, v in query.items() if v is not None}
        return f"{self.base_url}/{action}" + (f"?{urlencode(params)}" if params else "")

    def page_url(self, page: str | None, action: str, **query: str | None) -> str:
        """A user page (``pages.sign_in`` ...) or the built-in one, with ``query`` appended."""
        if page is None:
            return self.url(action, **query)
        params = {k: v for k, v in query.items() if v is not None}
        target = page if "://" in page else f"{self.origin}{page}"
        if not params:
            return target
        return f"{target}{'&' if '?' in target else '?'}{urlencode(params)}"

    def expires_iso(self, max_age: int) -> str:
        return iso_time(self.now + max_age)


def bad_request(method: str, dialect: Dialect) -> AuthResponse:
    """NextAuth's answer to a route it does not serve; like NextAuth's, it sets no cookie."""
    if dialect.v4:
        text = f"Error: This action with HTTP {method} is not supported by NextAuth.js"
        return AuthResponse(status=400, body=text, headers={"Content-Type": "text/plain"})
    return AuthResponse(status=400, body=json.dumps("Bad request."), headers={"Content-Type": "application/json"})


def ascii_url(url: str) -> str:
    """``url`` with spaces and non-ASCII percent-encoded, as a browser's URL parser would do it,
    so it fits in a ``Location`` header."""
    return url if url.isascii() and " " not in url else quote(url, safe=_PRINTABLE_ASCII)


def iso_time(timestamp: float) -> str:
    """``Date.prototype.toISOString()``: UTC, milliseconds, ``Z``.

    Every session read writes one, so the date and time of a whole second are formatted once
    (:func:`_iso_second`); the fraction is rounded to the microsecond (half to even) and then
    cut to the millisecond, as ``datetime.fromtimestamp(...).isoformat(timespec="milliseconds")``.
    """
    fraction, whole = math.modf(timestamp)
    carry, micros = divmod(round(fraction * 1_000_000), 1_000_000)
    return _iso_second(int(whole) + carry) + _ISO_MILLIS[micros // 1000]


_ISO_MILLIS = tuple(f".{millis:03d}Z" for millis in range(1000))


@lru_cache(maxsize=8)
def _iso_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def build_context(
    request: AuthRequest, options: CoreOptions, action: str, provider_id: str | None, now: float | None = None
) -> Context:
    # The URL's scheme and host alone: the whole URL can be longer than origin_of takes.
    origin = options.origin or origin_of(split_url(request.url)[0])
    if origin is None:
        raise ConfigurationError(
            f"Cannot tell the site's origin from {log_safe(request.url, 200)!r}: set AuthOptions(url=...)"
        )
    base_url = origin + options.base_path
    secure = options.use_secure_cookies
    if secure is None:
        secure = base_url.startswith("https://")
    cookies = options.cookie_set(secure)
    now = options.clock() if now is None else now
    # Positional: one is built per request, and keyword arguments cost a third more here.
    return Context(options, request, action, provider_id, origin, base_url, secure, cookies, now)


def init_csrf(ctx: Context) -> None:
    """Reuse or mint the CSRF token, and set its cookie when it is new (protocol §3)."""
    template = ctx.cookie_templates.csrf_token
    ctx.csrf = check_csrf(
        ctx.request.cookies.get(template.name),
        csrf_secret(ctx.options.secrets),
        body_token=ctx.body.get("csrfToken"),
        is_post=ctx.request.method == "POST",
    )
    if ctx.csrf.new_cookie_value is not None:
        ctx.set_cookie(template.copy(value=ctx.csrf.new_cookie_value))


class CallbackUrlInRequest(InvalidCallbackUrl):
    """The request's own ``callbackUrl`` query is no http(s) URL: bad input, answered 400.

    NextAuth answers it 500 like a configuration error; a ``redirect`` callback returning
    garbage stays a 500, since that one is the app's fault."""


async def init_callback_url(ctx: Context) -> None:
    """Resolve callbackUrl from the body, the query or the cookie, through ``redirect`` (§4.3)."""
    template = ctx.cookie_templates.callback_url
    cookie_value = ctx.request.cookies.get(template.name)
    query_value = ctx.request.query.get("callbackUrl")
    # Like NextAuth, the query is asserted; a body value that is not a same-origin URL is turned
    # into the origin by the redirect callback.
    if query_value and not is_http_url(query_value, ctx.base_url):
        raise CallbackUrlInRequest(f"Invalid callback URL. Received: {log_safe(query_value, 200)}")
    if cookie_value and not is_http_url(cookie_value, ctx.base_url):
        # NextAuth fails every request of a browser holding such a cookie (a planted one too) and
        # never clears it; ignoring it lets the resolution below overwrite it.
        logger.info("Ignoring an invalid callback-url cookie: %s", log_safe(cookie_value, 200))
        cookie_value = None
    body_value = ctx.body.get("callbackUrl")
    given = (body_value if isinstance(body_value, str) else None) or query_value
    raw = given or cookie_value
    if raw:
        resolved = await redirect_callback(ctx, raw)
    else:
        resolved = ctx.origin
    ctx.callback_url = resolved
    if resolved != cookie_value:
        ctx.set_cookie(template.copy(value=resolved))


async def redirect_callback(ctx: Context, url: str) -> str:
    callback = ctx.options.callbacks.get("redirect")
    if callback is None:
        return default_redirect(url, ctx.origin)
    result = await callback(url=url, base_url=ctx.origin)
    if not isinstance(result, str) or _CONTROL.search(result) or not is_http_url(result, ctx.base_url):
        raise InvalidCallbackUrl(f"The redirect callback returned {result!r}, not an http(s) URL")
    return result if not result.startswith("/") else ctx.origin + result
