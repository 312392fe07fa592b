"""Signed-in session cookies for your tests, made the way authsession makes them at sign-in.

With the JWT strategy the cookie holds claims encrypted by :func:`authsession.jwt.encode`, under
the session cookie's name for your options (``authjs.session-token`` or
``next-auth.session-token``, ``__Secure-`` prefixed when the options use secure cookies, your
own name when ``cookies={"session_token": ...}`` renames it) and split into ``<name>.0``,
``<name>.1``, ... when it is too long for one cookie. ``get_server_session`` opens it, and so does
a Next.js app that shares the secret and the format. With the database strategy the user and a
session row are created through your adapter and the cookie holds the row's session token.

Sync tests use :func:`sign_in_as` (JWT strategy); async tests, and the database strategy, use
:func:`asign_in_as`. Both set the cookies on a Starlette/FastAPI ``TestClient`` or an httpx2
client; :func:`session_cookies` and :func:`asession_cookies` only make them.
"""

from __future__ import annotations

import inspect
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import Cookie as JarCookie
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any, Protocol

from authsession import jwt
from authsession._core.cookies import chunk_size

if TYPE_CHECKING:
    from authsession.options import AuthOptions
    from authsession.types import User

__all__ = ["SessionCookies", "asession_cookies", "asign_in_as", "session_cookies", "sign_in_as"]


class _URL(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def scheme(self) -> str: ...


class _Cookies(Protocol):
    @property
    def jar(self) -> CookieJar: ...


class CookieClient(Protocol):
    """What :meth:`SessionCookies.set_on` needs: an ``httpx2.Client``, an ``httpx2.AsyncClient`` or
    Starlette's ``TestClient`` (an httpx2-style client: ``cookies.jar`` and ``base_url``)."""

    @property
    def cookies(self) -> _Cookies: ...

    @property
    def base_url(self) -> _URL: ...


@dataclass(frozen=True, slots=True)
class SessionCookies:
    """The session cookie(s) a signed-in browser holds.

    ``cookies`` maps each cookie's name to its value: one cookie, or the chunks ``<name>.0``,
    ``<name>.1``, ... of a long token. ``value`` is the whole session token (the encrypted JWT,
    or the database session token) and ``expires`` the cookie's expiry in Unix seconds.
    """

    name: str
    value: str
    cookies: Mapping[str, str]
    expires: float
    secure: bool
    user: User = field(repr=False)

    def header(self) -> str:
        """The cookies as a ``Cookie`` request header value."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def set_on(self, client: CookieClient) -> None:
        """Put the cookies in ``client``'s cookie jar, for the host of its ``base_url``.

        Session cookies already in the jar under this name (a previous sign-in's chunks) are
        removed first. A secure cookie is sent over ``https`` only, as a browser sends it: give
        the client ``base_url="https://..."`` when your options use secure cookies.
        """
        host = client.base_url.host or "localhost"
        # http.cookiejar files a cookie from a host without a dot (``testserver``) under
        # ``<host>.local``: use that domain, or the cookies the app refreshes land beside ours.
        domain = host if "." in host else f"{host}.local"
        jar = client.cookies.jar
        for cookie in list(jar):
            if cookie.name.startswith(self.name) and cookie.domain in (domain, host):
                jar.clear(cookie.domain, cookie.path, cookie.name)
        for name, value in self.cookies.items():
            jar.set_cookie(_jar_cookie(name, value, domain, secure=self.secure))


def session_cookies(
    options: AuthOptions,
    user: Mapping[str, Any] | None = None,
    *,
    claims: Mapping[str, Any] | None = None,
    secure: bool | None = None,
    now: float | None = None,
) -> SessionCookies:
    """The session cookie(s) of a browser signed in as ``user`` (JWT strategy).

    The token's claims are what sign-in puts there: ``sub`` (the user's ``id``), ``name``,
    ``email`` and ``picture`` (the user's ``image``), then ``claims`` on top. Your ``jwt``
    callback does not run: pass in ``claims`` what it would have added (a role, an access
    token). ``iat``, ``exp`` and ``jti`` are set by :func:`authsession.jwt.encode` from ``now``
    (default: ``options.clock()``), with ``exp`` ``options.jwt_max_age`` later.

    ``secure`` picks the ``__Secure-`` cookie (and, in v5, its salt); by default it is
    ``options.use_secure_cookies``, else whether ``options.url`` is ``https``.

    :raises ValueError: for the database strategy (use :func:`asession_cookies`), for options
        with a custom ``jwt.encode``, or when neither ``user`` nor ``claims`` is given.
    """
    if options.session.strategy != "jwt":
        raise ValueError("the database strategy stores sessions through the adapter: use `await asession_cookies(...)`")
    if options.jwt.encode is not None:
        raise ValueError("options.jwt has a custom encode: make the token with it and set the cookie yourself")
    token = _token_claims(user, claims)
    secure = _secure(options, secure)
    now = options.clock() if now is None else now
    name = options.cookie_set(secure).session_token.name
    value = jwt.encode(
        token=token,
        secret=options.secrets,
        # The JWT strategy's salt: "" in next-auth 4, the session cookie's own name in Auth.js.
        salt="" if options.format == "v4" else name,
        max_age=options.jwt_max_age,
        format=options.format,
        now=now,
    )
    cookies = _chunks(name, value, chunk_size(options.format))
    expires = now + options.session.max_age
    stored: Any = dict(user or {})
    return SessionCookies(name=name, value=value, cookies=cookies, expires=expires, secure=secure, user=stored)


async def asession_cookies(
    options: AuthOptions,
    user: Mapping[str, Any] | None = None,
    *,
    claims: Mapping[str, Any] | None = None,
    secure: bool | None = None,
    now: float | None = None,
) -> SessionCookies:
    """Like :func:`session_cookies`, for either session strategy.

    With the database strategy, ``user`` (with an ``email`` or an ``id``) is looked up through
    ``options.adapter`` and created when missing, a session row expiring ``session.max_age``
    after ``now`` is created for it, and the cookie holds that row's session token. Delete the
    row (``adapter.delete_session(cookies.value)``) to revoke it.
    """
    if options.session.strategy == "jwt":
        return session_cookies(options, user, claims=claims, secure=secure, now=now)
    if user is None:
        raise ValueError("the database strategy needs the user to create the session for")
    if claims:
        raise ValueError("claims belong in a JWT: the database strategy's cookie holds only a session token")
    adapter = options.adapter
    secure = _secure(options, secure)
    now = options.clock() if now is None else now
    stored = await _stored_user(adapter, user)
    expires = now + options.session.max_age
    session = await _await(
        adapter.create_session(
            {
                "sessionToken": str(uuid.uuid4()),
                "userId": stored["id"],
                "expires": datetime.fromtimestamp(expires, UTC),
            }
        )
    )
    name = options.cookie_set(secure).session_token.name
    value = str(session["sessionToken"])
    return SessionCookies(name=name, value=value, cookies={name: value}, expires=expires, secure=secure, user=stored)


def sign_in_as(
    client: CookieClient,
    options: AuthOptions,
    user: Mapping[str, Any] | None = None,
    *,
    claims: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> SessionCookies:
    """Sign ``client`` in as ``user`` (JWT strategy): make the session cookies and set them on it.

    Secure cookies follow the options, or, when they leave it to each request, the scheme of
    the client's ``base_url``. Returns the cookies it set.

    Example, with FastAPI::

        client = TestClient(app)
        sign_in_as(client, options, {"id": "42", "name": "Ada", "email": "ada@example.com"})
        assert client.get("/api/me").status_code == 200
    """
    cookies = session_cookies(options, user, claims=claims, secure=_client_secure(options, client), now=now)
    cookies.set_on(client)
    return cookies


async def asign_in_as(
    client: CookieClient,
    options: AuthOptions,
    user: Mapping[str, Any] | None = None,
    *,
    claims: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> SessionCookies:
    """:func:`sign_in_as` for async tests, and for the database strategy (see :func:`asession_cookies`)."""
    cookies = await asession_cookies(options, user, claims=claims, secure=_client_secure(options, client), now=now)
    cookies.set_on(client)
    return cookies


# --- internals --------------------------------------------------------------------------------


def _token_claims(user: Mapping[str, Any] | None, claims: Mapping[str, Any] | None) -> dict[str, Any]:
    if user is None and claims is None:
        raise ValueError("give the user to sign in as, or the token's claims")
    token: dict[str, Any] = {}
    # The claims the JWT strategy makes from the user at sign-in, before the jwt callback.
    for claim, key in (("name", "name"), ("email", "email"), ("picture", "image"), ("sub", "id")):
        if user is not None and key in user:
            token[claim] = str(user[key]) if claim == "sub" else user[key]
    token.update(claims or {})
    return token


def _secure(options: AuthOptions, secure: bool | None) -> bool:
    if secure is not None:
        return secure
    if options.use_secure_cookies is not None:
        return options.use_secure_cookies
    return bool(options.url and options.url.startswith("https://"))


def _client_secure(options: AuthOptions, client: CookieClient) -> bool:
    if options.use_secure_cookies is None and options.url is None:
        return client.base_url.scheme == "https"
    return _secure(options, None)


def _chunks(name: str, value: str, size: int) -> dict[str, str]:
    if len(value) <= size:
        return {name: value}
    count = math.ceil(len(value) / size)
    return {f"{name}.{i}": value[i * size : (i + 1) * size] for i in range(count)}


async def _await(result: Any) -> Any:
    # Adapter methods may be plain functions or coroutines, as the core allows.
    return await result if inspect.isawaitable(result) else result


async def _stored_user(adapter: Any, user: Mapping[str, Any]) -> User:
    if adapter is None:
        raise ValueError("the database strategy needs options.adapter")
    found: User | None = None
    if user.get("id"):
        found = await _await(adapter.get_user(str(user["id"])))
    if found is None and user.get("email"):
        found = await _await(adapter.get_user_by_email(str(user["email"])))
    if found is not None:
        return found
    record: Any = {"emailVerified": None, **user, "id": str(user.get("id") or uuid.uuid4())}
    created: User = await _await(adapter.create_user(record))
    return created


def _jar_cookie(name: str, value: str, domain: str, *, secure: bool) -> JarCookie:
    # No expiry in the jar: it would be judged by the real clock, while the app judges the
    # token by its own (often a fake one); the token's ``exp`` is what ends the session.
    return JarCookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=domain,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=secure,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": ""},
        rfc2109=False,
    )
