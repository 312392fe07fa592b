"""The database strategy on real stores: many browsers at once, and the store going down and back.

Concurrency: a FastAPI app on PostgreSQL, an SQLite file and Redis, driven by 50 browsers in
parallel (each its own cookie jar) through sign-in, reads and sign-out; afterwards the store
holds exactly the rows that should be there, and no orphans.

Outage: the adapter talks to the store through :class:`TcpProxy`, which the test takes down
(listener closed, open connections cut) and brings back. While it is down a read answers "no
session" with an ERROR log and keeps the cookie; once it is back the same cookie reads the
session again, with nothing restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import httpx2
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import text
from sqlalchemy.engine import make_url

from authsession import AuthOptions, get_server_session
from authsession.adapters.redis import RedisAdapter
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Credentials, Email
from authsession.types import User
from helpers import SECRET

pytestmark = pytest.mark.usefixtures("clean_auth_env")

ORIGIN = "http://localhost:3000"
PASSWORD = "correct horse"
BROWSERS = 50
SESSION_COOKIE = "authjs.session-token"
#: Upper bound for any one request; an outage read waits for the driver to give up, never longer.
REQUEST_TIMEOUT = 20.0

T = TypeVar("T")


async def bounded(awaitable: Awaitable[T], seconds: float = REQUEST_TIMEOUT) -> T:
    async with asyncio.timeout(seconds):
        return await awaitable


# --- stores: an adapter plus a census of what it holds ----------------------------------------------------


@dataclass(frozen=True)
class Census:
    users: int
    sessions: dict[str, str]  # token -> userId
    accounts: int
    orphan_sessions: int  # sessions whose user does not exist
    orphan_accounts: int  # accounts whose user does not exist


class SqlStore:
    def __init__(self, adapter: SQLAlchemyAdapter) -> None:
        self.adapter = adapter

    async def empty(self) -> None:
        await self.adapter.create_schema()
        async with self.adapter.engine.begin() as conn:
            for table in ("sessions", "accounts", "verification_token", "users"):
                await conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names

    async def census(self) -> Census:
        async with self.adapter.engine.connect() as conn:

            async def scalar(sql: str) -> int:
                return int((await conn.execute(text(sql))).scalar_one())

            rows = (await conn.execute(text('SELECT "sessionToken", "userId" FROM sessions'))).all()
            return Census(
                users=await scalar("SELECT count(*) FROM users"),
                sessions={token: str(user_id) for token, user_id in rows},
                accounts=await scalar("SELECT count(*) FROM accounts"),
                orphan_sessions=await scalar(
                    'SELECT count(*) FROM sessions s LEFT JOIN users u ON u.id = s."userId" WHERE u.id IS NULL'
                ),
                orphan_accounts=await scalar(
                    'SELECT count(*) FROM accounts a LEFT JOIN users u ON u.id = a."userId" WHERE u.id IS NULL'
                ),
            )


class RedisStore:
    def __init__(self, adapter: RedisAdapter) -> None:
        self.adapter = adapter

    async def empty(self) -> None:
        client = self.adapter.client
        async for key in client.scan_iter(match=f"{self.adapter.prefix}:*", count=1000):
            await client.delete(key)

    async def census(self) -> Census:
        client, prefix = self.adapter.client, self.adapter.prefix
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        users = {key for key in keys if key.startswith(f"{prefix}:{{user:") and key.endswith("}")}
        sessions: dict[str, str] = {}
        indexed: set[str] = set()

        async def record_at(key: str) -> Any:
            raw = await client.get(key)
            assert raw is not None, key
            return json.loads(raw)

        for key in keys:
            if key.startswith(f"{prefix}:{{session:"):
                record = await record_at(key)
                sessions[record["sessionToken"]] = record["userId"]
            elif key.startswith(f"{prefix}:{{user:") and key.endswith("}:sessions"):
                # The client decodes responses, so the members are str (redis-py types them loosely).
                indexed |= set(cast("list[str]", await client.zrange(key, 0, -1)))
        # The per-user session index must name exactly the live sessions (delete_user relies on it).
        assert indexed == set(sessions), "the users' session indexes disagree with the sessions"
        accounts = [await record_at(key) for key in keys if key.startswith(f"{prefix}:{{account:")]
        user_key = self.adapter._user_key
        return Census(
            users=len(users),
            sessions=sessions,
            accounts=len(accounts),
            orphan_sessions=sum(user_key(user_id) not in users for user_id in sessions.values()),
            orphan_accounts=sum(user_key(str(account["userId"])) not in users for account in accounts),
        )


Store = SqlStore | RedisStore


@dataclass(frozen=True)
class Server:
    kind: str
    url: str
    redis_prefix: str = ""


def _server(request: pytest.FixtureRequest) -> Server:
    # Resolved in a sync fixture: the session-scoped server fixtures run asyncio.run themselves.
    if request.param == "redis":
        return Server("redis", request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix"))
    if request.param == "postgres":
        return Server("postgres", request.getfixturevalue("postgres_url"))
    return Server("sqlite", "")


@pytest.fixture(params=["postgres", "sqlite", "redis"])
def server(request: pytest.FixtureRequest) -> Server:
    return _server(request)


@pytest.fixture
async def store(server: Server, tmp_path: Path) -> AsyncIterator[Store]:
    made: Store
    if server.kind == "postgres":
        made = SqlStore(SQLAlchemyAdapter(server.url))
    elif server.kind == "sqlite":
        made = SqlStore(SQLAlchemyAdapter(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}"))
    else:
        made = RedisStore(RedisAdapter(server.url, prefix=server.redis_prefix))
    await made.empty()
    yield made
    await made.empty()
    await made.adapter.close()


# --- the app ----------------------------------------------------------------------------------------------


@dataclass
class Site:
    app: FastAPI
    users: dict[str, User]  # email -> the user as the adapter stored it
    mailed: list[dict[str, Any]] = field(default_factory=list)


async def build_site(adapter: Any, emails: list[str]) -> Site:
    """A FastAPI app on the database strategy, with the users already stored by ``adapter``."""
    users: dict[str, User] = {
        email: (await adapter.create_user({"email": email, "name": email.split("@")[0]})).copy() for email in emails
    }

    def authorize(credentials: dict[str, Any]) -> User | None:
        user = users.get(credentials.get("email", ""))
        return user if user is not None and credentials.get("password") == PASSWORD else None

    site = Site(app=FastAPI(), users=users)

    def capture(**message: Any) -> None:
        site.mailed.append(message)

    options = AuthOptions(
        secret=SECRET,
        adapter=adapter,
        # Email beside Credentials: the database strategy needs a provider that is not credentials.
        providers=[Credentials(authorize=authorize), Email(send_verification_request=capture)],
        session={"strategy": "database"},
        url=ORIGIN,
    )
    AuthSession(site.app, options)

    @site.app.get("/profile")
    async def profile(request: Request, response: Response) -> dict[str, Any]:
        session = await get_server_session(request, response, options)
        return {"email": session["user"]["email"] if session else None}

    return site


def browser(app: FastAPI) -> httpx2.AsyncClient:
    """One browser: its own cookie jar, talking to ``app`` in-process."""
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=ORIGIN, follow_redirects=False)


async def csrf_token(client: httpx2.AsyncClient) -> str:
    response = await bounded(client.get("/api/auth/csrf"))
    assert response.status_code == 200
    token: str = response.json()["csrfToken"]
    return token


async def sign_in(client: httpx2.AsyncClient, email: str) -> httpx2.Response:
    body = {"email": email, "password": PASSWORD, "csrfToken": await csrf_token(client), "callbackUrl": "/profile"}
    return await bounded(client.post("/api/auth/callback/credentials", data=body))


async def sign_out(client: httpx2.AsyncClient) -> httpx2.Response:
    return await bounded(client.post("/api/auth/signout", data={"csrfToken": await csrf_token(client)}))


async def profile_email(client: httpx2.AsyncClient) -> str | None:
    response = await bounded(client.get("/profile"))
    assert response.status_code == 200, response.text
    email: str | None = response.json()["email"]
    return email


def session_set_cookies(response: httpx2.Response) -> list[str]:
    return [v for v in response.headers.get_list("set-cookie") if v.startswith(f"{SESSION_COOKIE}=")]


# --- concurrency ------------------------------------------------------------------------------------------


async def test_parallel_browsers_get_their_own_sessions(store: Store) -> None:
    emails = [f"user{i:02d}@example.com" for i in range(BROWSERS)]
    site = await build_site(store.adapter, emails)
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(browser(site.app)) for _ in emails]

        responses = await asyncio.gather(*(sign_in(c, e) for c, e in zip(clients, emails, strict=True)))
        for response in responses:
            assert response.status_code == 302, response.text
            assert response.headers["location"] == f"{ORIGIN}/profile"
        tokens = [c.cookies[SESSION_COOKIE] for c in clients]
        assert len(set(tokens)) == BROWSERS

        census = await store.census()
        assert census.users == BROWSERS
        assert census.sessions == {t: site.users[e]["id"] for t, e in zip(tokens, emails, strict=True)}
        assert (census.accounts, census.orphan_sessions, census.orphan_accounts) == (0, 0, 0)

        assert await asyncio.gather(*(profile_email(c) for c in clients)) == emails

        leaving, staying = clients[::2], clients[1::2]
        for response in await asyncio.gather(*(sign_out(c) for c in leaving)):
            assert response.status_code == 302, response.text
        assert all(SESSION_COOKIE not in c.cookies for c in leaving)

        census = await store.census()
        assert census.users == BROWSERS
        assert census.sessions == {t: site.users[e]["id"] for t, e in zip(tokens[1::2], emails[1::2], strict=True)}
        assert (census.accounts, census.orphan_sessions, census.orphan_accounts) == (0, 0, 0)

        reads = await asyncio.gather(*(profile_email(c) for c in clients))
        assert reads[::2] == [None] * len(leaving)
        assert reads[1::2] == emails[1::2]
        assert all(c.cookies[SESSION_COOKIE] == t for c, t in zip(staying, tokens[1::2], strict=True))
    assert site.mailed == []


# --- outage -----------------------------------------------------------------------------------------------


class TcpProxy:
    """A TCP relay on 127.0.0.1 in front of ``upstream``, which the test can take down and bring back.

    :meth:`stop` closes the listener and cuts every open connection, as a crashed database or a
    dropped network would; :meth:`start` listens again on the same port.
    """

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._relays: set[asyncio.Task[None]] = set()
        self.accepted = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for transport in list(self._transports):
            transport.abort()
        await bounded(self._server.wait_closed(), 5)
        await bounded(asyncio.gather(*self._relays, return_exceptions=True), 5)
        self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        self.accepted += 1
        ends = [writer.transport]
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                return
            ends.append(up_writer.transport)
            self._transports.update(ends)
            pipes = [asyncio.create_task(_pipe(reader, up_writer)), asyncio.create_task(_pipe(up_reader, writer))]
            try:
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pipe in pipes:
                    pipe.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            for transport in ends:
                transport.abort()
                self._transports.discard(transport)
            self._relays.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


@dataclass
class Proxied:
    store: Store
    proxy: TcpProxy


def _redis_url_via(url: str, port: int) -> str:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    return parts._replace(netloc=f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}").geturl()


@pytest.fixture(params=["postgres", "redis"])
def proxied_server(request: pytest.FixtureRequest) -> Server:
    return _server(request)


@pytest.fixture
async def proxied(proxied_server: Server) -> AsyncIterator[Proxied]:
    """A store whose adapter reaches the server only through a :class:`TcpProxy`."""
    made: Store
    if proxied_server.kind == "postgres":
        url = make_url(proxied_server.url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        await proxy.start()
        made = SqlStore(SQLAlchemyAdapter(url.set(host="127.0.0.1", port=proxy.port)))
    else:
        parts = urlsplit(proxied_server.url)
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
        await proxy.start()
        made = RedisStore(
            RedisAdapter(_redis_url_via(proxied_server.url, proxy.port), prefix=proxied_server.redis_prefix)
        )
    await made.empty()
    try:
        yield Proxied(made, proxy)
    finally:
        if proxy._server is None:
            await proxy.start()
        await made.empty()
        await made.adapter.close()
        await proxy.stop()


async def timed(fn: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    started = time.perf_counter()
    result = await fn()
    return result, time.perf_counter() - started


async def test_a_store_outage_answers_no_session_and_recovers(
    proxied: Proxied, caplog: pytest.LogCaptureFixture
) -> None:
    store, proxy = proxied.store, proxied.proxy
    site = await build_site(store.adapter, ["ada@example.com", "bob@example.com"])
    async with browser(site.app) as ada, browser(site.app) as bob:
        assert (await sign_in(ada, "ada@example.com")).status_code == 302
        token = ada.cookies[SESSION_COOKIE]
        assert await profile_email(ada) == "ada@example.com"
        assert set((await store.census()).sessions) == {token}
        bob_csrf = await csrf_token(bob)  # fetched while up: the CSRF cookie needs no store

        await proxy.stop()
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="authsession"):
            email, took = await timed(lambda: profile_email(ada))
            assert email is None
            response = await bounded(ada.get("/api/auth/session"))
            assert response.status_code == 200
            assert response.json() is None
            assert session_set_cookies(response) == []  # the cookie is neither cleared nor replaced
            # A sign-in while the store is down grants nothing.
            body = {"email": "bob@example.com", "password": PASSWORD, "csrfToken": bob_csrf}
            refused = await bounded(bob.post("/api/auth/callback/credentials", data=body))
        errors = [r for r in caplog.records if r.name == "authsession" and r.levelno == logging.ERROR]
        assert any("SESSION_ERROR" in r.getMessage() for r in errors), [r.getMessage() for r in caplog.records]
        assert ada.cookies[SESSION_COOKIE] == token
        assert refused.status_code == 302
        assert "error=" in refused.headers["location"]
        assert session_set_cookies(refused) == []
        assert SESSION_COOKIE not in bob.cookies
        assert took < REQUEST_TIMEOUT

        accepted = proxy.accepted
        await proxy.start()
        # No restart, no retry loop in the test: the very next read reconnects.
        assert await profile_email(ada) == "ada@example.com"
        assert proxy.accepted > accepted
        assert ada.cookies[SESSION_COOKIE] == token
        census = await store.census()
        assert set(census.sessions) == {token}
        assert (census.users, census.orphan_sessions) == (2, 0)
