"""Secrets never reach a log line or a repr (issue 9 item 10).

Every kind of sign-in runs with the ``authsession`` logger and the root logger at DEBUG and
``debug=True``: credentials, an email link, OAuth against an ``httpx2.MockTransport`` provider (in
process), and OpenID Connect against the real oidc-provider (served by uvicorn). Every log record
(message, arguments, exception text, stack) and the repr of the options, providers, adapters
and rate-limit stores is searched for every secret the flows handled: the auth secret, client
secrets, the SMTP password, the user's password, CSRF tokens and cookies, session tokens, OAuth
codes, state/PKCE/nonce cookies, access, refresh and ID tokens, and email verification tokens.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient

from authsession import AuthOptions
from authsession.adapters.memory import MemoryAdapter
from authsession.adapters.redis import RedisAdapter
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.providers import OIDC, Credentials, Email, OAuth
from authsession.providers.email import SMTPServer
from authsession.ratelimit import RedisRateLimitStore
from oidc_provider import MakeProvider

from .app import Format, LiveServer, UserAgent, build_app, listening_socket, origin_of

AUTH_SECRET = "logs-test-secret-" + secrets.token_hex(16)
PASSWORD = "pw-" + secrets.token_hex(12)
MOCK_CLIENT_SECRET = "mock-client-secret-" + secrets.token_hex(8)
SMTP_PASSWORD = "smtp-password-" + secrets.token_hex(8)


class Records(logging.Handler):
    """Every record, at every level, from every logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The test's own browser (an httpx client in the main thread) logs the URLs it opens, an
        # email link or an OAuth callback with its code: that is the browser's log, not the app's.
        # The app's outgoing requests (token, userinfo) run in the server's thread and are kept.
        if record.name.startswith(("httpx", "httpcore")) and record.thread == threading.main_thread().ident:
            return
        self.records.append(record)

    def texts(self) -> list[str]:
        formatter = logging.Formatter()
        out = []
        for record in self.records:
            out += [record.getMessage(), repr(record.args), repr(record.msg)]
            if record.exc_info:
                out.append(formatter.formatException(record.exc_info))
            if record.exc_text:
                out.append(record.exc_text)
            if record.stack_info:
                out.append(record.stack_info)
        return out


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    root, ours = logging.getLogger(), logging.getLogger("authsession")
    levels = (root.level, ours.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    ours.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        ours.setLevel(levels[1])


def cookie_secrets(jar: Any) -> set[str]:
    # httpx's or the test client's own Cookies: both keep a cookielib jar.
    """Values of the cookies that carry a secret: session, CSRF, callback-free checks."""
    names = ("session-token", "csrf-token", "pkce", "state", "nonce")
    return {cookie.value for cookie in jar.jar if any(n in cookie.name for n in names) and cookie.value}


def assert_nothing_leaked(found: set[str], texts: list[str]) -> None:
    secrets_seen = {s for s in found if s and len(s) >= 8}
    assert secrets_seen, "the flows handled no secret: the test would prove nothing"
    haystack = "\n".join(texts)
    leaked = sorted(s for s in secrets_seen if s in haystack)
    assert not leaked, f"secrets in logs or reprs: {leaked}"


def reprs(options: AuthOptions) -> list[str]:
    out = [repr(options), str(options), repr(options.adapter), repr(options.rate_limits)]
    out += [repr(p) for p in options.providers]
    if options.rate_limits is not None:
        out.append(repr(options.rate_limits.store))
    return out


# --- credentials, email and a mocked OAuth provider, in process -------------------------------------


class MockOAuth:
    """An OAuth 2.0 provider behind ``httpx2.MockTransport``: fresh code and tokens each time."""

    def __init__(self) -> None:
        self.issued: set[str] = set()

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/token":
            access, refresh = "at-" + secrets.token_hex(16), "rt-" + secrets.token_hex(16)
            self.issued.update({access, refresh})
            tokens = {"access_token": access, "refresh_token": refresh, "token_type": "Bearer", "expires_in": 3600}
            return httpx2.Response(200, json=tokens)
        if request.url.path == "/userinfo":
            return httpx2.Response(200, json={"id": "42", "name": "Mock User", "email": "mock@example.com"})
        return httpx2.Response(404)


def authorize(credentials: dict[str, Any], request: object) -> Any:
    if credentials.get("password") == PASSWORD:
        return {"id": "1", "name": "Ada", "email": "ada@example.com"}
    return None


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
def test_in_process_sign_ins_leak_nothing(format: Format, records: Records) -> None:
    mock = MockOAuth()
    outbox: list[dict[str, Any]] = []
    options = AuthOptions(
        secret=AUTH_SECRET,
        format=format,
        url="http://testserver",
        debug=True,
        adapter=MemoryAdapter(),
        session={"strategy": "jwt"},
        http_transport=httpx2.MockTransport(mock.handler),
        providers=[
            Credentials(authorize=authorize, credentials={"email": {}, "password": {}}),
            Email(send_verification_request=lambda **message: outbox.append(message)),
            OAuth(
                id="mock",
                name="Mock",
                client_id="mock-client",
                client_secret=MOCK_CLIENT_SECRET,
                authorization="https://mock.example/authorize",
                token="https://mock.example/token",
                userinfo="https://mock.example/userinfo",
                checks=("pkce", "state"),
            ),
        ],
    )
    found = {AUTH_SECRET, PASSWORD, MOCK_CLIENT_SECRET}
    app = build_app(options)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        # Credentials: a wrong password first (a logged refusal), then the right one.
        for password in ("wrong-" + secrets.token_hex(8), PASSWORD):
            csrf = client.get("/api/auth/csrf").json()["csrfToken"]
            found |= {csrf, password}
            form = {"email": "ada@example.com", "password": password, "csrfToken": csrf}
            client.post("/api/auth/callback/credentials", data=form)
        found |= cookie_secrets(client.cookies)
        assert client.get("/api/auth/session").json()["user"]["email"] == "ada@example.com"
        found |= cookie_secrets(client.cookies)
        client.cookies.clear()

        # Email: request a link, follow it, then try it again (a logged refusal).
        csrf = client.get("/api/auth/csrf").json()["csrfToken"]
        found.add(csrf)
        client.post("/api/auth/signin/email", data={"email": "grace@example.com", "csrfToken": csrf})
        (message,) = outbox
        found.add(message["token"])
        link = urlsplit(message["url"])
        client.get(f"{link.path}?{link.query}")
        found |= cookie_secrets(client.cookies)
        assert client.get("/api/auth/session").json()["user"]["email"] == "grace@example.com"
        client.get(f"{link.path}?{link.query}")
        client.cookies.clear()

        # OAuth: the authorization redirect, then the provider's answer with a fresh code.
        csrf = client.get("/api/auth/csrf").json()["csrfToken"]
        found.add(csrf)
        authorization = client.post("/api/auth/signin/mock", data={"csrfToken": csrf}).headers["location"]
        params = parse_qs(urlsplit(authorization).query)
        found |= cookie_secrets(client.cookies) | set(params.get("code_challenge", []))
        code = "code-" + secrets.token_hex(12)
        found.add(code)
        callback = client.get("/api/auth/callback/mock", params={"code": code, "state": params["state"][0]})
        assert callback.status_code == 302, callback.text
        found |= cookie_secrets(client.cookies)
        assert client.get("/api/auth/session").json()["user"]["email"] == "mock@example.com"
        # A replayed callback fails (its checks are spent): logged, and still nothing leaks.
        client.get("/api/auth/callback/mock", params={"code": code, "state": params["state"][0]})
    found |= mock.issued
    assert mock.issued

    extra = [
        repr(SMTPServer.from_url(f"smtp://user:{SMTP_PASSWORD}@mail.example:587")),
        repr(Email(server=f"smtp://user:{SMTP_PASSWORD}@mail.example:587")),
        repr(SQLAlchemyAdapter(f"postgresql+asyncpg://user:{SMTP_PASSWORD}@db.example/auth")),
        repr(RedisAdapter(f"redis://:{SMTP_PASSWORD}@redis.example:6379/0")),
        repr(RedisRateLimitStore(f"redis://:{SMTP_PASSWORD}@redis.example:6379/0")),
    ]
    found.add(SMTP_PASSWORD)
    assert_nothing_leaked(found, records.texts() + reprs(options) + extra)


# --- OpenID Connect against the real provider ------------------------------------------------------


def test_oidc_sign_in_leaks_nothing(provider_process: MakeProvider, records: Records) -> None:
    sock = listening_socket()
    origin = origin_of(sock)
    op = provider_process([f"{origin}/api/auth/callback/local"]).start()
    seen: list[dict[str, Any]] = []

    async def jwt(*, token: dict[str, Any], account: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
        if account is not None:
            seen.append(dict(account))
        return token

    options = AuthOptions(
        secret=AUTH_SECRET,
        debug=True,
        providers=[
            OIDC(
                id="local",
                name="Local",
                issuer=op.issuer,
                client_id=op.confidential.client_id,
                client_secret=op.confidential.client_secret,
                scope="openid profile email offline_access",
            )
        ],
        callbacks={"jwt": jwt},
    )
    site = LiveServer(build_app(options), sock).start()
    agent = UserAgent(site.url)
    try:
        callback = agent.authorize(agent.start_sign_in("local"))
        code = parse_qs(urlsplit(callback).query)["code"][0]
        found = {AUTH_SECRET, code, str(op.confidential.client_secret)} | cookie_secrets(agent.http.cookies)
        assert agent.request("GET", callback).status_code == 302
        found |= cookie_secrets(agent.http.cookies)
        assert agent.session()["user"]["email"] == "alice@example.com"
        agent.request("GET", callback)  # the code again: refused, logged
    finally:
        agent.close()
        site.stop()
    (account,) = seen
    tokens = {str(account[name]) for name in ("access_token", "refresh_token", "id_token") if account.get(name)}
    assert account.get("access_token")
    assert account.get("id_token")
    found |= tokens
    assert_nothing_leaked(found, records.texts() + reprs(options))


# --- database sessions, including a database error's traceback --------------------------------------


def test_database_sessions_and_their_errors_leak_nothing(records: Records, tmp_path: Path) -> None:
    """SQLite through aiosqlite logs every call with its arguments at DEBUG, and SQLAlchemy puts
    bound parameters in its error messages: both would carry the session token."""
    database = tmp_path / "auth.sqlite3"
    adapter = SQLAlchemyAdapter(f"sqlite+aiosqlite:///{database}")
    outbox: list[dict[str, Any]] = []
    options = AuthOptions(
        secret=AUTH_SECRET,
        url="http://testserver",
        debug=True,
        adapter=adapter,
        session={"strategy": "database"},
        providers=[Email(send_verification_request=lambda **message: outbox.append(message))],
    )
    found = {AUTH_SECRET}
    asyncio.run(adapter.create_schema())
    with TestClient(build_app(options), base_url="http://testserver", follow_redirects=False) as client:
        csrf = client.get("/api/auth/csrf").json()["csrfToken"]
        client.post("/api/auth/signin/email", data={"email": "grace@example.com", "csrfToken": csrf})
        (message,) = outbox
        link = urlsplit(message["url"])
        client.get(f"{link.path}?{link.query}")
        assert client.get("/api/auth/session").json()["user"]["email"] == "grace@example.com"
        found |= {csrf, message["token"]} | cookie_secrets(client.cookies)
        # The sessions table goes away: reads and sign-out fail in the database, and are logged.
        with closing(sqlite3.connect(database)) as db, db:
            db.execute("ALTER TABLE sessions RENAME TO sessions_gone")
        client.get("/api/auth/session")
        client.post("/api/auth/signout", data={"csrfToken": client.get("/api/auth/csrf").json()["csrfToken"]})
    asyncio.run(adapter.close())
    assert any(record.exc_info for record in records.records), "no database error was logged"
    assert_nothing_leaked(found, records.texts() + reprs(options))
