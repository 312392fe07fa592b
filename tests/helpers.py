"""What the tests share, besides fixtures: import from here, never from a ``conftest.py``.

Sections: tool availability (``requires``), Node oracles (the pinned npm packages under
``tests/node`` run as reference implementations), wire constants, and core factories
(``make_options``, ``make_request``, a clock and a cookie-jar client for the sans-I/O handler).
The fixtures built on them live in ``tests/conftest.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlencode, urlsplit

import httpx2
import pytest

from authsession import AuthOptions
from authsession._core.handler import handle
from authsession._core.http import AuthRequest, AuthResponse, Cookie
from authsession.errors import CredentialsSignin
from authsession.providers import Credentials

# --- servers in a subprocess ------------------------------------------------------------------


def wait_until_answering(process: subprocess.Popen[str], url: str, timeout: float = 30) -> None:
    """Poll ``url`` until the server started as ``process`` answers at all (any status).

    Raises ``RuntimeError`` with what the process printed when it exits first or ``timeout``
    seconds pass, so a server that cannot start fails the test with its own words.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx2.get(url, timeout=1)
            return
        except httpx2.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                stream = process.stdout or process.stderr
                output = stream.read() if stream is not None and process.poll() is not None else ""
                raise RuntimeError(f"the server at {url} did not start: {output}") from None
            time.sleep(0.1)


# --- tool availability ------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux: read from ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def requires(available: bool, reason: str) -> None:
    """Skip the calling test or fixture when a tool is missing, but fail it in CI.

    CI must run every test, so a missing tool there is a broken setup, not a reason to skip.
    """
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this is an error)", pytrace=False)
    pytest.skip(reason)


def driver_dsn(url: str) -> str:
    """A database URL as asyncpg takes it: no SQLAlchemy ``+driver`` suffix."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


# --- PostgreSQL -------------------------------------------------------------------------------

#: The test server and a database to connect to for creating and dropping the tests' own.
POSTGRES_URL = os.environ.get("AUTHSESSION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _postgres_admin(dsn: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A fresh, empty database ``name`` on :data:`POSTGRES_URL`, dropped on exit.

    Yields its SQLAlchemy URL with the asyncpg driver (:func:`driver_dsn` gives the plain one).
    Use a name of your own (other worktrees share the server). Without asyncpg or the server
    the caller skips, or fails under ``CI=true``.
    """
    try:
        import asyncpg
        from sqlalchemy.engine import make_url
    except ImportError:
        requires(False, "asyncpg/SQLAlchemy not installed: pip install authsession[postgres]")
        raise
    server = driver_dsn(POSTGRES_URL)
    try:
        asyncio.run(_postgres_admin(server, f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        requires(False, f"PostgreSQL is not reachable at {make_url(POSTGRES_URL)!r}: {exc}")
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        asyncio.run(_postgres_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- Django -----------------------------------------------------------------------------------

#: The database aliases :func:`configure_django` defines for the Django ORM adapter's tests. Their
#: ``NAME`` is set by the fixtures that own them (a file per test, the run's PostgreSQL database).
DJANGO_SQLITE, DJANGO_POSTGRES = "adapter_sqlite", "adapter_postgres"


def configure_django() -> None:
    """Configure Django for this test process, once: settings can be configured only once per
    process, so every test that needs Django gets these (add what yours needs here).

    Time zone support is on, as the Django adapter requires. ``CONN_MAX_AGE = 0``: a connection
    per unit of work, Django's default. Both authsession apps are installed, with the
    integration's middleware and template context processor; a test changes what it relies on
    with ``django.test.override_settings`` (``ROOT_URLCONF``, ``AUTHSESSION``, ...).
    """
    import django
    from django.conf import settings

    if settings.configured:
        return
    server = urlsplit(POSTGRES_URL)
    settings.configure(
        SECRET_KEY="django-insecure-tests-only",
        USE_TZ=True,
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["authsession.adapters.django", "authsession.integrations.django"],
        MIDDLEWARE=["authsession.integrations.django.AuthSessionMiddleware"],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"context_processors": ["authsession.integrations.django.context_processor"]},
            }
        ],
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            DJANGO_SQLITE: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            DJANGO_POSTGRES: {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "set-by-its-fixture",
                "USER": unquote(server.username or ""),
                "PASSWORD": unquote(server.password or ""),
                "HOST": server.hostname or "",
                "PORT": str(server.port or ""),
            },
        },
    )
    django.setup()


# --- Node oracles -----------------------------------------------------------------------------

NODE_DIR = Path(__file__).parent / "node"
#: Variables the npm packages read; cleared so the oracles start from their defaults.
_NODE_ENV_CLEARED = ("AUTH_SECRET", "NEXTAUTH_SECRET", "NEXTAUTH_URL", "AUTH_URL", "VERCEL", "AUTH_TRUST_HOST")


class OracleError(RuntimeError):
    """An operation threw inside Node. ``name`` is the JavaScript error name."""

    def __init__(self, message: str, name: str | None) -> None:
        super().__init__(f"{name}: {message}" if name else message)
        self.name = name


@dataclass(frozen=True)
class NodeOracle:
    """One of ``tests/node/v4/oracle.js`` and ``tests/node/v5/oracle.mjs``.

    :meth:`run` sends a batch of operations to a single Node process; batch what you can.
    """

    format: Literal["v4", "v5"]
    node: str
    script: Path

    def run_raw(self, ops: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Results as sent: ``{"ok": value}`` or ``{"error": message, "name": js_error_name}``."""
        env = {k: v for k, v in os.environ.items() if k not in _NODE_ENV_CLEARED}
        proc = subprocess.run(
            [self.node, self.script.name],
            input=json.dumps(list(ops)),
            capture_output=True,
            text=True,
            cwd=self.script.parent,
            env=env,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{self.script} exited with {proc.returncode}:\n{proc.stderr}")
        results: list[dict[str, Any]] = json.loads(proc.stdout)
        assert len(results) == len(ops)
        return results

    def run(self, ops: Sequence[dict[str, Any]]) -> list[Any]:
        """The value of every operation; raises :class:`OracleError` for the first that threw."""
        values = []
        for result in self.run_raw(ops):
            if "error" in result:
                raise OracleError(result["error"], result.get("name"))
            values.append(result["ok"])
        return values

    def call(self, op: str, **params: Any) -> Any:
        return self.run([{"op": op, **params}])[0]


# --- wire constants shared by the tests ---------------------------------------------------------

#: The session cookie's name (over http) and the empty GET /session body, per format.
SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}
EMPTY: dict[str, Any] = {"v4": {}, "v5": None}
DAY = 24 * 60 * 60
THIRTY_DAYS = 30 * DAY
#: How old a token of the default 30 days must be before a read re-encrypts it (refresh_threshold 0.1).
REFRESH_AGE = THIRTY_DAYS // 10
#: The headers NextAuth sends with GET /session and GET /csrf.
NO_CACHE_JSON = {
    "Content-Type": "application/json",
    "Cache-Control": "private, no-cache, no-store",
    "Pragma": "no-cache",
    "Expires": "0",
}


# --- core factories: options, requests, a clock and a cookie-jar client -----------------------
# Shared by tests/core, tests/integrations and the public-API tests. Time is injected (``now=``
# for ``handle``, ``AuthOptions(clock=...)`` for the integrations), never slept through.

SECRET = "test-secret-0123456789abcdef0123456789abcdef"
HOST = "localhost:3000"
ORIGIN = f"http://{HOST}"
BASE_PATH = "/api/auth"
BASE = ORIGIN + BASE_PATH
#: 2023-11-14T22:13:20Z: a fixed "now" so expiries and token claims are exact.
NOW = 1_700_000_000.0
USER: dict[str, Any] = {
    "id": "user-1",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "image": "https://example.com/ada.png",
}
PASSWORD = "correct horse"
#: Environment variables AuthOptions reads; cleared for every test that uses the factories.
AUTH_ENV = (
    "AUTH_SECRET",
    "AUTH_SECRET_1",
    "AUTH_SECRET_2",
    "AUTH_SECRET_3",
    "NEXTAUTH_SECRET",
    "AUTH_URL",
    "NEXTAUTH_URL",
    "AUTH_TRUST_HOST",
    "VERCEL",
)


def authorize_ada(credentials: dict[str, Any]) -> dict[str, Any] | None:
    """The default ``authorize``: ``ada`` with :data:`PASSWORD`; ``coded`` refuses with a code."""
    if credentials.get("username") == "coded":
        raise CredentialsSignin("refused", code="locked")
    if credentials.get("username") == "ada" and credentials.get("password") == PASSWORD:
        return dict(USER)
    return None


def make_credentials(**overrides: Any) -> Any:
    params: dict[str, Any] = {
        "authorize": authorize_ada,
        "credentials": {
            "username": {"label": "Username", "type": "text"},
            "password": {"label": "Password", "type": "password"},
        },
    }
    params.update(overrides)
    return Credentials(**params)


def make_options(**overrides: Any) -> AuthOptions:
    """``AuthOptions`` with a test secret and one credentials provider; ``overrides`` win."""
    params: dict[str, Any] = {"secret": SECRET, "providers": [make_credentials()]}
    params.update(overrides)
    return AuthOptions(**params)


def make_request(
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    https: bool = False,
    host: str = HOST,
) -> AuthRequest:
    """An :class:`AuthRequest`. A ``path`` without a leading ``/`` is an action under ``/api/auth``."""
    if not path.startswith("/"):
        path = f"{BASE_PATH}/{path}"
    scheme = "https" if https else "http"
    query = dict(query or {})
    url = f"{scheme}://{host}{path}" + (f"?{urlencode(query)}" if query else "")
    return AuthRequest(
        method=method,
        url=url,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        cookies=dict(cookies or {}),
        query=query,
        body=body,
    )


@dataclass
class FakeClock:
    """A clock for ``AuthOptions(clock=...)``: call it for the time, ``advance`` to move it."""

    now: float = NOW

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def response_cookies(response: AuthResponse) -> dict[str, Cookie]:
    """The cookies a response sets, by name (a later one with the same name wins)."""
    return {cookie.name: cookie for cookie in response.cookies}


def json_body(response: AuthResponse) -> Any:
    return json.loads(response.body)


@dataclass
class CoreClient:
    """Drives ``handle()`` like a browser: keeps a cookie jar and applies every ``Set-Cookie``."""

    options: AuthOptions
    now: float = NOW
    https: bool = False
    jar: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.jar is None:
            self.jar = {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        now: float | None = None,
    ) -> AuthResponse:
        assert self.jar is not None
        request = make_request(
            method, path, cookies=self.jar, body=body, query=query, headers=headers, https=self.https
        )
        response = await handle(request, self.options, now=self.now if now is None else now)
        for cookie in response.cookies:
            if cookie.max_age == 0:
                self.jar.pop(cookie.name, None)
            else:
                self.jar[cookie.name] = cookie.value
        return response

    async def csrf_token(self) -> str:
        token: str = json_body(await self.request("GET", "csrf"))["csrfToken"]
        return token

    async def sign_in(self, *, provider: str = "credentials", **fields: Any) -> AuthResponse:
        """POST the credentials form (``ada`` / :data:`PASSWORD` unless given) with a valid CSRF token."""
        body = {"username": "ada", "password": PASSWORD, "csrfToken": await self.csrf_token()}
        body.update(fields)
        return await self.request("POST", f"callback/{provider}", body=body)

    async def session(self) -> Any:
        return json_body(await self.request("GET", "session"))

    def session_cookie_names(self) -> list[str]:
        assert self.jar is not None
        stem = "next-auth" if self.options.format == "v4" else "authjs"
        return sorted(name for name in self.jar if f"{stem}.session-token" in name)


def add_virtual_authenticator(context: Any, page: Any) -> tuple[Any, str]:
    """A virtual platform authenticator on ``page`` (Chrome DevTools Protocol ``WebAuthn``):
    resident keys, user verification, every touch answered at once. Returns the CDP session
    and the authenticator's id, for ``WebAuthn.getCredentials`` and friends."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, str(added["authenticatorId"])
