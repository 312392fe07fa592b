"""``AuthOptions``: everything authsession needs to know, checked once at construction.

Mirrors NextAuth's ``authOptions`` with Python names (``sign_in`` for ``signIn``,
``max_age`` for ``maxAge``). Nested options may be given as dicts or as the dataclasses below.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_args
from urllib.parse import urlsplit

from authsession._core.config import DEFAULT_MAX_AGE, Dialect, dialect_for
from authsession._core.context import SessionStrategy
from authsession._core.cookies import COOKIE_KEYS, CookieSet, SameSite
from authsession._core.provider import PasswordConfig
from authsession._core.ratelimit import RateLimits
from authsession._core.session_management import GenerationCache, SessionManagement
from authsession._core.two_factor import TwoFactorConfig
from authsession._core.user_code import UserFunction
from authsession.config import Callbacks, CookiesConfig, Events, JWTConfig, PagesConfig, SessionConfig, ThemeConfig
from authsession.errors import ConfigurationError, MissingSecret, UnsupportedStrategy
from authsession.sessions.database import DATABASE_STRATEGY
from authsession.sessions.jwt import JWT_STRATEGY
from authsession.theme import Theme
from authsession.types import Format, SessionStrategyName

if TYPE_CHECKING:
    # Only for annotations: the sans-I/O core imports this module and must not load httpx2.
    from httpx2 import AsyncBaseTransport

    from authsession._core.provider import Provider
    from authsession.adapters.base import Adapter

logger = logging.getLogger("authsession")

DEFAULT_UPDATE_AGE = 24 * 60 * 60
#: A JWT session cookie is re-encrypted once this fraction of its life has passed: 3 of 30 days.
DEFAULT_REFRESH_THRESHOLD = 0.1
DEFAULT_BASE_PATH = "/api/auth"
_T = TypeVar("_T")
_FORMATS = get_args(Format)
_STRATEGIES = get_args(SessionStrategyName)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionOptions:
    """``strategy``: ``"jwt"`` (a signed, encrypted cookie) or ``"database"`` (a token that names
    a row). ``max_age``: seconds until an idle session expires. ``update_age``: how often a
    database session's expiry is written back.

    ``refresh_threshold`` (JWT strategy): the fraction of ``max_age`` (or of the token's own
    lifetime, if shorter) that must have passed since the token was issued before a read
    re-encrypts it and sets the cookie again. With the default ``0.1`` and 30 days, a token is
    rewritten at most once every 3 days: reads in between skip the encryption and send no
    ``Set-Cookie``, and an idle user is signed out 27 to 30 days after the last visit. The
    ``jwt`` and ``session`` callbacks still run on every read; when a callback changes the token,
    or on an update (POST ``/session``), it is written at once. The session's ``expires`` is the
    cookie's real expiry. ``None`` or ``0`` rewrites on every read, as NextAuth does, and
    ``expires`` is then "now + max_age".
    """

    strategy: SessionStrategyName = "jwt"
    max_age: int = DEFAULT_MAX_AGE
    update_age: int = DEFAULT_UPDATE_AGE
    refresh_threshold: float | None = DEFAULT_REFRESH_THRESHOLD


@dataclass(frozen=True, slots=True, kw_only=True)
class JWTOptions:
    """``max_age`` of the token (defaults to the session's, or to 30 days with ``format="v4"`` as in
    next-auth 4). ``encode``/``decode`` replace the built-in JWE with your own functions, called
    with the same keywords as :mod:`authsession.jwt`."""

    max_age: int | None = None
    encode: Callable[..., Any] | None = None
    decode: Callable[..., Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pages:
    """Your own pages, as paths or absolute URLs, used instead of the built-in ones."""

    sign_in: str | None = None
    sign_out: str | None = None
    error: str | None = None
    verify_request: str | None = None
    new_user: str | None = None


_CALLBACKS = ("sign_in", "redirect", "jwt", "session")
_EVENTS = ("sign_in", "sign_out", "create_user", "update_user", "link_account", "session")
_COOKIE_OPTIONS = {"path", "http_only", "same_site", "secure", "domain", "max_age"}
_PAGES = tuple(f.name for f in fields(Pages))


class AuthOptions:
    """The configuration of an authsession app: secret, providers, session strategy, callbacks.

    Security: ``secret`` encrypts every session cookie. Use at least 32 random bytes
    (``authsession secret`` prints one), keep it out of source control, and rotate it by
    passing a list: the first secret encrypts, all of them decrypt.

    ``bearer_sessions=True`` lets ``get_server_session`` (and the integrations' dependencies and
    decorators) read the session token from an ``Authorization: Bearer <token>`` header when the
    request has no session cookie, for API clients that hold the token themselves; such a read
    sets no cookie. The auth API's own routes never read it. ``two_factor`` turns on TOTP
    two-factor sign-in (:mod:`authsession.two_factor`); ``session_management`` the "Your
    sessions" page and sign-out everywhere (:mod:`authsession.session_management`).
    """

    __slots__ = (
        "_cookie_sets",
        "adapter",
        "base_path",
        "bearer_sessions",
        "callbacks",
        "clock",
        "debug",
        "debug_logger",
        "dialect",
        "events",
        "format",
        "http_transport",
        "jwt",
        "logger",
        "origin",
        "pages",
        "password_provider",
        "providers",
        "rate_limits",
        "secrets",
        "session",
        "session_generations",
        "session_management",
        "strategy",
        "theme",
        "trust_host",
        "two_factor",
        "url",
        "use_secure_cookies",
        "user_cookies",
    )

    def __init__(
        self,
        *,
        secret: str | Sequence[str] | None = None,
        providers: Sequence[Provider] = (),
        session: SessionOptions | SessionConfig | None = None,
        jwt: JWTOptions | JWTConfig | None = None,
        callbacks: Callbacks | None = None,
        events: Events | None = None,
        pages: Pages | PagesConfig | None = None,
        cookies: CookiesConfig | None = None,
        use_secure_cookies: bool | None = None,
        url: str | None = None,
        base_path: str | None = None,
        trust_host: bool | None = None,
        format: Format = "v5",
        theme: Theme | ThemeConfig | None = None,
        adapter: Adapter | None = None,
        debug: bool = False,
        logger: logging.Logger | None = None,
        http_transport: AsyncBaseTransport | None = None,
        clock: Callable[[], float] | None = None,
        rate_limits: RateLimits | bool = True,
        two_factor: TwoFactorConfig | None = None,
        bearer_sessions: bool = False,
        session_management: SessionManagement | None = None,
    ) -> None:
        if format not in _FORMATS:
            raise ConfigurationError(f"format must be 'v4' (next-auth 4) or 'v5' (Auth.js), not {format!r}")
        self.format: Format = format
        self.dialect: Dialect = dialect_for(format)
        self.secrets: tuple[str, ...] = _resolve_secrets(secret, format)
        if len(self.secrets[0]) < 32:
            logging.getLogger("authsession").warning(
                "The secret is shorter than 32 characters: use `authsession secret` to make a strong one"
            )
        self.providers: tuple[Provider, ...] = _check_providers(providers)
        # A Password provider owns accounts: the core serves its <base>/password/* routes.
        self.password_provider: PasswordConfig | None = next(
            (p for p in self.providers if isinstance(p, PasswordConfig)), None
        )
        # Typed loosely on purpose: each use sits behind a check (strategy, provider type) that
        # proves an adapter is there, which mypy cannot see through ``Adapter | None``.
        self.adapter: Any = adapter
        self.session = _session_options(session, adapter, self.providers)
        # Chosen once here, so the core asks the options instead of importing the strategies.
        self.strategy: SessionStrategy = JWT_STRATEGY if self.session.strategy == "jwt" else DATABASE_STRATEGY
        _check_email_adapter(self.providers, adapter)
        _check_passkeys(self.providers, adapter, format)
        self.jwt = _build(JWTOptions, jwt, "jwt")
        self.callbacks = _functions(callbacks, _CALLBACKS, "callbacks")
        self.events = _functions(events, _EVENTS, "events")
        self.pages = _build(Pages, pages, "pages")
        for name in _PAGES:
            _check_page(name, getattr(self.pages, name))
        self.theme = _build(Theme, theme, "theme")
        self.user_cookies = _check_cookie_overrides(cookies)
        self.use_secure_cookies = use_secure_cookies
        self.debug = debug
        # An httpx2 transport for the OAuth requests (tests pass httpx2.MockTransport).
        self.http_transport = _checked_transport(http_transport)
        self.logger = logger or logging.getLogger("authsession")
        # NextAuth's ``debug: true``: this instance's debug messages go to a child logger that lets
        # them through. The parent's level is left alone, so other apps in the process keep theirs.
        self.debug_logger: logging.Logger | None = None
        if debug:
            self.debug_logger = self.logger.getChild("debug")
            self.debug_logger.setLevel(logging.DEBUG)
        # Unix seconds "now"; tests inject a fake clock instead of sleeping.
        self.clock = clock or time.time
        env_trust = os.environ.get("AUTH_TRUST_HOST", "").lower() in ("1", "true")
        self.trust_host = env_trust if trust_host is None else trust_host
        self.url, self.origin, self.base_path = _resolve_url(url, base_path)
        if self.origin is None and not self.trust_host:
            self.logger.warning(
                "No url (or AUTH_URL): the site's origin comes from each request's Host header, which must "
                "be a loopback host. Set AuthOptions(url=...) in production, or trust_host=True behind a "
                "proxy you control."
            )
        _check_email_origin(self.providers, self.origin, self.trust_host)
        # Both template sets up front: the core picks one per request by the site's scheme.
        self._cookie_sets = {secure: CookieSet.build(format, secure, self.user_cookies) for secure in (False, True)}
        # Brute-force limits, on unless turned off (NextAuth has none): see _core/ratelimit.py.
        self.rate_limits: RateLimits | None = _rate_limits(rate_limits)
        # TOTP as a second step after every sign-in of an enrolled user (authsession.two_factor).
        self.two_factor: TwoFactorConfig | None = _check_two_factor(two_factor, adapter, self.rate_limits)
        # get_server_session also accepts "Authorization: Bearer <session token>" (API clients).
        self.bearer_sessions = bool(bearer_sessions)
        # "Your sessions" and "sign out everywhere" (authsession.session_management).
        self.session_management = _check_session_management(session_management, adapter)
        self.session_generations: GenerationCache | None = (
            GenerationCache(self.session_management) if self.session_management is not None else None
        )

    @property
    def jwt_max_age(self) -> int:
        if self.jwt.max_age is not None:
            return self.jwt.max_age
        # next-auth 4 defaults jwt.maxAge to 30 days whatever session.maxAge says; Auth.js follows it.
        return DEFAULT_MAX_AGE if self.format == "v4" else self.session.max_age

    def provider(self, provider_id: str | None) -> Provider | None:
        for provider in self.providers:
            if provider.id == provider_id:
                return provider
        return None

    def cookie_set(self, secure: bool) -> CookieSet:
        """The cookie templates for a request over https (``secure``) or http."""
        return self._cookie_sets[secure]

    def __repr__(self) -> str:
        providers = ", ".join(p.id for p in self.providers)
        return (
            f"AuthOptions(format={self.format!r}, secret=<{len(self.secrets)} masked>, "
            f"providers=[{providers}], strategy={self.session.strategy!r}, base_path={self.base_path!r})"
        )


def _checked_transport(transport: AsyncBaseTransport | None) -> AsyncBaseTransport | None:
    """Refuse, when the options are built, a transport the OAuth client cannot drive.

    A transport written for httpx (not httpx2) takes and returns httpx's own request and response
    classes, so the first sign-in would fail deep inside the client; say so now instead.
    """
    if transport is None:
        return None
    if type(transport).__module__.partition(".")[0] == "httpx":
        raise ConfigurationError(
            "http_transport is an httpx transport, but authsession sends its requests with httpx2: "
            "pass an httpx2 transport (httpx2.MockTransport, httpx2.AsyncHTTPTransport, ...)"
        )
    if not callable(getattr(transport, "handle_async_request", None)):
        raise ConfigurationError(f"http_transport must be an httpx2.AsyncBaseTransport, not {type(transport).__name__}")
    return transport


def _resolve_secrets(secret: str | Sequence[str] | None, format: Format) -> tuple[str, ...]:
    if secret is None:
        env = os.environ
        # @auth/core unshifts AUTH_SECRET_1, _2, _3 in turn, so _3 ends up first (it encrypts).
        numbered = [env[k] for k in ("AUTH_SECRET_3", "AUTH_SECRET_2", "AUTH_SECRET_1") if env.get(k)]
        main = env.get("AUTH_SECRET") or env.get("NEXTAUTH_SECRET")
        if format == "v4":
            main = env.get("NEXTAUTH_SECRET") or env.get("AUTH_SECRET")
        candidates = [*numbered, main] if main else numbered
    elif isinstance(secret, str):
        candidates = [secret]
    else:
        candidates = list(secret)
    if not candidates:
        raise MissingSecret(
            "No secret: pass AuthOptions(secret=...) or set AUTH_SECRET. "
            "Generate one with `authsession secret` (32 random bytes, base64)."
        )
    for item in candidates:
        if not isinstance(item, str) or not item:
            raise MissingSecret("Every secret must be a non-empty string")
    return tuple(candidates)


# The provider types the core can sign in with.
_SIGN_IN_TYPES = ("oauth", "oidc", "email", "credentials", "webauthn")


def _check_providers(providers: Sequence[Provider]) -> tuple[Provider, ...]:
    seen: set[str] = set()
    for provider in providers:
        if not all(isinstance(getattr(provider, attr, None), str) for attr in ("id", "name", "type")):
            raise ConfigurationError(
                f"{provider!r} is not a provider: use authsession.providers.Credentials(...), GitHub(...), ..."
            )
        if provider.type not in _SIGN_IN_TYPES:
            raise ConfigurationError(f"Provider {provider.id!r} has type {provider.type!r}; use {_SIGN_IN_TYPES}")
        if provider.id in seen:
            raise ConfigurationError(f"Two providers share the id {provider.id!r}: pass id=... to one of them")
        seen.add(provider.id)
    return tuple(providers)


_EMAIL_ADAPTER_METHODS = ("create_verification_token", "use_verification_token", "get_user_by_email")


def _check_email_adapter(providers: tuple[Provider, ...], adapter: Any) -> None:
    if not any(p.type == "email" for p in providers):
        return
    if adapter is None:
        raise ConfigurationError(
            "Email sign-in needs an adapter to store users and tokens: pass adapter=SQLAlchemyAdapter(url)"
        )
    missing = [m for m in _EMAIL_ADAPTER_METHODS if not callable(getattr(adapter, m, None))]
    if missing:
        raise ConfigurationError(f"Email sign-in needs these adapter methods, which are missing: {missing}")


_TWO_FACTOR_ADAPTER_METHODS = (
    "get_user",
    "get_two_factor",
    "set_two_factor",
    "delete_two_factor",
    "use_two_factor_step",
    "use_recovery_code",
    "count_recovery_codes",
)


def _check_two_factor(two_factor: Any, adapter: Any, rate_limits: RateLimits | None) -> TwoFactorConfig | None:
    if two_factor is None:
        return None
    if not callable(getattr(two_factor, "match", None)):
        raise ConfigurationError("two_factor must be an authsession.two_factor.TwoFactor(...)")
    if adapter is None:
        raise ConfigurationError("Two-factor sign-in stores its secrets through an adapter: pass adapter=...")
    missing = [m for m in _TWO_FACTOR_ADAPTER_METHODS if not callable(getattr(adapter, m, None))]
    if missing:
        raise ConfigurationError(f"Two-factor sign-in needs these adapter methods (TwoFactorAdapter): {missing}")
    if rate_limits is None or rate_limits.failed_second_factor_per_user is None:
        logging.getLogger("authsession").warning(
            "Two-factor sign-in without RateLimits.failed_second_factor_per_user: nothing stops a client "
            "from guessing codes. Keep the default rate limits or put your own limiter in front."
        )
    return two_factor  # type: ignore[no-any-return]


_PASSKEY_ADAPTER_METHODS = (
    "create_authenticator",
    "get_authenticator",
    "list_authenticators_by_user_id",
    "update_authenticator_counter",
    "get_user_by_email",
    "get_user_by_account",
    "create_user",
    "link_account",
    "create_verification_token",
    "use_verification_token",
)


def _check_passkeys(providers: tuple[Provider, ...], adapter: Any, format: Format) -> None:
    if not any(p.type == "webauthn" for p in providers):
        return
    if format == "v4":
        raise ConfigurationError("Passkeys are an Auth.js 5 feature: use format='v5' (next-auth 4 has no WebAuthn)")
    if adapter is None:
        raise ConfigurationError("Passkeys need an adapter to store them: pass adapter=SQLAlchemyAdapter(url)")
    missing = [m for m in _PASSKEY_ADAPTER_METHODS if not callable(getattr(adapter, m, None))]
    if missing:
        raise ConfigurationError(f"Passkeys need these adapter methods, which are missing: {missing}")


_SESSION_MANAGEMENT_METHODS = (
    "get_user",
    "list_sessions_of_user",
    "delete_sessions_of_user",
    "get_session_generation",
    "bump_session_generation",
)


def _check_session_management(value: Any, adapter: Any) -> SessionManagement | None:
    if value is None or value is False:
        return None
    managed = SessionManagement() if value is True else value
    if not isinstance(managed, SessionManagement):
        raise ConfigurationError("session_management must be a SessionManagement(...), True or None")
    if adapter is None:
        raise ConfigurationError("Session management reads and ends sessions through an adapter: pass adapter=...")
    missing = [m for m in _SESSION_MANAGEMENT_METHODS if not callable(getattr(adapter, m, None))]
    if missing:
        raise ConfigurationError(
            f"Session management needs these adapter methods (SessionManagementAdapter): {missing}"
        )
    return managed


def _rate_limits(value: RateLimits | bool) -> RateLimits | None:
    if value is False:
        return None
    limits = RateLimits() if value is True else value
    if not isinstance(limits, RateLimits):
        raise ConfigurationError("rate_limits must be a RateLimits(...), True or False")
    if not limits.enabled:
        return None
    if limits.store is None:
        # Imported here: the store is built on the `limits` library, which the core never imports.
        from authsession.ratelimit import MemoryRateLimitStore

        limits = dataclasses.replace(limits, store=MemoryRateLimitStore())
    return limits


def _check_email_origin(providers: tuple[Provider, ...], origin: str | None, trust_host: bool) -> None:
    # Without a configured URL the link's host would come from the request's Host header,
    # which a client can forge to have a victim mailed a link to the attacker's site.
    if origin is None and not trust_host and any(p.type == "email" for p in providers):
        raise ConfigurationError(
            "Email sign-in mails links to your site: set AuthOptions(url='https://your.site') or AUTH_URL, "
            "or trust_host=True if a proxy you run sets the Host header"
        )


def _session_options(
    session: SessionOptions | Mapping[str, Any] | None, adapter: Any, providers: tuple[Provider, ...]
) -> SessionOptions:
    if session is None or isinstance(session, Mapping):
        values = dict(session or {})
        values.setdefault("strategy", "database" if adapter is not None else "jwt")
        session = _build(SessionOptions, values, "session")
    elif not isinstance(session, SessionOptions):
        raise ConfigurationError(f"session must be a dict or SessionOptions, not {type(session).__name__}")
    if session.strategy not in _STRATEGIES:
        raise ConfigurationError(f"session strategy must be 'jwt' or 'database', not {session.strategy!r}")
    for name in ("max_age", "update_age"):
        value = getattr(session, name)
        if not isinstance(value, int) or value <= 0:
            raise ConfigurationError(f"session {name} must be a positive number of seconds, not {value!r}")
    threshold = session.refresh_threshold
    if threshold is not None and (
        not isinstance(threshold, int | float) or isinstance(threshold, bool) or not 0 <= threshold < 1
    ):
        raise ConfigurationError(
            f"session refresh_threshold must be None or a fraction of max_age from 0 to below 1, not {threshold!r}"
        )
    if session.strategy == "database":
        if adapter is None:
            raise ConfigurationError(
                "session strategy 'database' needs an adapter: pass adapter=SQLAlchemyAdapter(url) "
                "or use strategy 'jwt'"
            )
        # Password accounts are stored by the adapter, so their sessions can be rows.
        if providers and all(p.type == "credentials" and not isinstance(p, PasswordConfig) for p in providers):
            raise UnsupportedStrategy(
                "Credentials sign-in only works with the 'jwt' session strategy, as in NextAuth: "
                "set session={'strategy': 'jwt'}"
            )
    return session


def _build(cls: type[_T], value: _T | Mapping[str, Any] | None, label: str) -> _T:
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{label} must be a dict or {cls.__name__}, not {type(value).__name__}")
    known = {f.name for f in fields(cast(Any, cls))}
    unknown = set(value) - known
    if unknown:
        raise ConfigurationError(f"Unknown {label} option(s) {sorted(unknown)}; known options are {sorted(known)}")
    try:
        return cls(**value)
    except ValueError as exc:
        raise ConfigurationError(f"{label}: {exc}") from exc


#: The keyword arguments the core passes to each callback and event, at one time or another.
_ARGUMENTS: dict[str, dict[str, frozenset[str]]] = {
    "callbacks": {
        "sign_in": frozenset({"user", "account", "profile", "email", "credentials"}),
        "redirect": frozenset({"url", "base_url"}),
        "jwt": frozenset({"token", "user", "account", "profile", "trigger", "is_new_user", "session"}),
        "session": frozenset({"session", "token", "user", "new_session", "trigger"}),
    },
    "events": {
        "sign_in": frozenset({"user", "account", "profile", "is_new_user"}),
        "sign_out": frozenset({"token", "session"}),
        "create_user": frozenset({"user"}),
        "update_user": frozenset({"user"}),
        "link_account": frozenset({"user", "account", "profile"}),
        "session": frozenset({"session", "token"}),
    },
}


def _functions(given: Mapping[str, Any] | None, known: tuple[str, ...], label: str) -> dict[str, UserFunction]:
    given = dict(given or {})
    unknown = set(given) - set(known)
    if unknown:
        raise ConfigurationError(f"Unknown {label} {sorted(unknown)}; known {label} are {list(known)}")
    out: dict[str, UserFunction] = {}
    for name, fn in given.items():
        if not callable(fn):
            raise ConfigurationError(f"{label}[{name!r}] must be a function, not {type(fn).__name__}")
        try:
            out[name] = UserFunction(fn, blocking=label == "events", known=_ARGUMENTS[label][name])
        except TypeError as exc:
            raise ConfigurationError(f"{label}[{name!r}]: {exc}") from exc
    return out


def _check_page(name: str, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not (value.startswith("/") or value.startswith(("http://", "https://"))):
        raise ConfigurationError(f"pages[{name!r}] must be a path starting with '/' or an http(s) URL")


_SAME_SITE: tuple[SameSite, ...] = ("lax", "strict", "none")


def _check_cookie_overrides(cookies: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for key, value in (cookies or {}).items():
        if key not in COOKIE_KEYS:
            raise ConfigurationError(f"Unknown cookie {key!r}; known cookies are {list(COOKIE_KEYS)}")
        options = dict(value.get("options", {}))
        unknown = set(options) - _COOKIE_OPTIONS
        if unknown:
            raise ConfigurationError(
                f"Unknown option(s) {sorted(unknown)} for cookie {key!r}; known: {sorted(_COOKIE_OPTIONS)}"
            )
        if "same_site" in options and options["same_site"] not in _SAME_SITE:
            raise ConfigurationError(f"cookies[{key!r}] same_site must be one of {_SAME_SITE}")
        out[key] = {"name": value.get("name"), "options": options} if value.get("name") else {"options": options}
    return out


def _resolve_url(url: str | None, base_path: str | None) -> tuple[str | None, str | None, str]:
    """The configured site URL (``url`` or ``AUTH_URL``/``NEXTAUTH_URL``), its origin, and base path."""
    url = url or os.environ.get("AUTH_URL") or os.environ.get("NEXTAUTH_URL") or None
    path = base_path
    origin = None
    if url:
        if "://" not in url:
            url = f"https://{url}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f"url must be an http(s) URL such as https://example.com, not {url!r}")
        origin = f"{parts.scheme}://{parts.netloc}"
        if path is None and parts.path not in ("", "/"):
            path = parts.path
    path = (path or DEFAULT_BASE_PATH).rstrip("/")
    if not path.startswith("/"):
        raise ConfigurationError(f"base_path must start with '/', like '/api/auth', not {path!r}")
    return url, origin, path
