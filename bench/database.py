"""Session reads on the database strategy: the cost of one read with 1,000 and with N stored sessions.

    python -m bench.database [--sessions N] [--reads N] [--backends sqlite,postgres,redis]

Each store gets N users with one session each, written in bulk: PostgreSQL with
``INSERT ... SELECT generate_series`` into the Auth.js tables of a database this run creates
and drops (``authsession_bench_<pid>``); SQLite with ``executemany`` in one transaction into a
file in a temporary folder; Redis with pipelines that write the adapter's own key layout (its
key helpers and record encoders, so the layout cannot drift). Tokens look like Auth.js' (uuid
strings, randomly distributed) but are derived from the row number, so no list of a million
tokens is kept.

Then it reads random sessions three ways, in turn for each session so the machine's load falls
on all three alike: the **raw driver** doing the same lookup the way you would write it by hand
(the floor: ``sqlite3`` on the loop's thread, an ``asyncpg`` prepared statement on one
connection, one pipelined redis-py round trip knowing the user's id), the adapter's
``get_session_and_user``, and ``get_session`` (what ``get_server_session`` runs, minus the
framework) with the cookies a browser holds (session, CSRF, callback-url). The store is filled
to 1,000 first and measured, then to N and measured again: the per-read cost must not grow with
the number of sessions. Per read it reports the p50 of the three, the adapter's ratio to the
driver, ``get_session``'s p99,
and for ``get_session``: the queries (SQL statements, or Redis commands) and how many of them
write, and the round trips on the wire: for PostgreSQL every message the driver sends, pool pre-ping and
transaction control included. The last row per backend reads sessions whose ``update_age`` has
passed (the clock moved two days on), so each read also extends its session: one write.

Everything the run creates is removed at the end, also when it fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import hashlib
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from authsession import AuthOptions
from authsession._core.cookies import cookie_names
from authsession._core.csrf import csrf_hash
from authsession._core.http import AuthRequest
from authsession._core.server_session import get_session
from authsession.adapters import SessionCache
from authsession.providers import Email
from bench import machine

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
URL = "http://localhost:8000"
CSRF_TOKEN = "c" * 64
SMALL = 1_000
#: Untimed reads before each row: the connection pool fills, statement caches warm up.
WARM = 200
#: Where the stores are; the PostgreSQL URL names a database to connect to for CREATE/DROP DATABASE.
POSTGRES_URL = os.environ.get("AUTHSESSION_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("AUTHSESSION_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
RESULTS = Path(__file__).resolve().parent / "results" / "database.json"
BACKENDS = ("sqlite", "postgres", "redis")
#: Two days on: past the default update_age (1 day), so every read extends its session.
STALE_SHIFT = 2 * 24 * 3600
_REDIS_WRITES = frozenset({"SET", "EVAL", "EVALSHA", "ZADD", "ZREM", "GETDEL", "DEL", "UNLINK", "HSET", "SADD", "SREM"})


def token_for(n: int) -> str:
    """Session ``n``'s token: a uuid-shaped md5, as PostgreSQL's ``md5('bench-' || n)::uuid`` spells it."""
    return str(uuid.UUID(hex=hashlib.md5(f"bench-{n}".encode()).hexdigest()))  # noqa: S324 - not security


def email_for(n: int) -> str:
    return f"user{n}@example.com"


def name_for(n: int) -> str:
    return f"User {n}"


# --- counting what a read costs ---------------------------------------------------------------------------


@dataclass
class Probe:
    """Counts queries, writes and wire round trips while :attr:`on`."""

    on: bool = False
    queries: int = 0
    writes: int = 0
    round_trips: int = 0
    counts_round_trips: bool = False

    def query(self, writes: bool) -> None:
        if self.on:
            self.queries += 1
            self.writes += writes

    def round_trip(self) -> None:
        if self.on:
            self.round_trips += 1

    def reset(self) -> None:
        self.queries = self.writes = self.round_trips = 0


class Store(Protocol):
    name: str
    adapter: Any
    probe: Probe

    async def open(self) -> None: ...

    async def floor_read(self, n: int) -> Any:
        """Session ``n`` and its user through the raw driver: the least a read can cost."""

    async def fill(self, first: int, last: int, expires: datetime) -> None:
        """Store users and sessions ``first`` to ``last`` (inclusive)."""

    async def close(self) -> None: ...


def _count_direct_reads(adapter: Any, probe: Probe) -> None:
    """Count the adapter's reads, which run on the driver directly, past SQLAlchemy's events."""
    read = adapter._read

    async def counted(method: str, query: Any, params: Any) -> Any:
        probe.query(writes=False)
        return await read(method, query, params)

    adapter._read = counted


# --- PostgreSQL -------------------------------------------------------------------------------------------

_PG_USERS = """
INSERT INTO users (id, name, email)
SELECT g, 'User ' || g, 'user' || g || '@example.com' FROM generate_series($1::integer, $2::integer) AS g
"""
_PG_READ = """
SELECT s."sessionToken", s."userId", s.expires, u.id, u.name, u.email, u."emailVerified", u.image
FROM sessions s JOIN users u ON u.id = s."userId" WHERE s."sessionToken" = $1
"""
_PG_SESSIONS = """
INSERT INTO sessions ("userId", expires, "sessionToken")
SELECT g, $3, md5('bench-' || g)::uuid::text FROM generate_series($1::integer, $2::integer) AS g
"""


class PostgresStore:
    name = "postgres"

    def __init__(self, server_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.server = make_url(server_url)
        self.database = f"authsession_bench_{os.getpid()}"
        self.probe = Probe()
        self.adapter: Any = None
        self._created = False
        self._floor_connection: Any = None
        self._floor_statement: Any = None

    def _dsn(self, database: str | None) -> str:
        url = self.server.set(drivername="postgresql", database=database)
        return url.render_as_string(hide_password=False)

    async def _admin(self, statement: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self._dsn(self.server.database), timeout=5)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    async def open(self) -> None:
        from sqlalchemy import event

        from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

        await self._admin(f'CREATE DATABASE "{self.database}"')
        self._created = True
        self.adapter = SQLAlchemyAdapter(self.server.set(drivername="postgresql+asyncpg", database=self.database))
        engine = self.adapter.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._statement)
        _count_direct_reads(self.adapter, self.probe)
        event.listen(engine, "connect", self._count_wire)
        await self.adapter.create_schema()
        import asyncpg

        self._floor_connection = await asyncpg.connect(self._dsn(self.database), timeout=5)

    async def floor_read(self, n: int) -> Any:
        return await self._floor_statement.fetchrow(token_for(n))

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        self.probe.query(verb in ("INSERT", "UPDATE", "DELETE"))

    def _count_wire(self, dbapi_connection: Any, record: Any) -> None:
        # Every message batch asyncpg sends is one transport.write, answered before the next:
        # counting writes counts round trips (pre-ping, BEGIN and ROLLBACK included).
        transport = getattr(getattr(dbapi_connection, "_connection", None), "_transport", None)
        if transport is None:
            return
        write, probe = transport.write, self.probe

        def counted(data: Any) -> None:
            probe.round_trip()
            write(data)

        transport.write = counted
        probe.counts_round_trips = True

    async def fill(self, first: int, last: int, expires: datetime) -> None:
        # On the floor's own connection: the adapter's pool has a 10-second command timeout,
        # which a million rows on a busy machine can outlast.
        conn = self._floor_connection
        async with conn.transaction():
            await conn.execute(_PG_USERS, first, last)
            await conn.execute(_PG_SESSIONS, first, last, expires)
            await conn.execute("SELECT setval('users_id_seq', $1)", last)
        await conn.execute("ANALYZE users, sessions")
        self._floor_statement = await conn.prepare(_PG_READ)  # planned with the new statistics

    async def close(self) -> None:
        if self._floor_connection is not None:
            await self._floor_connection.close()
        if self.adapter is not None:
            await self.adapter.close()
        if self._created:
            await self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


# --- SQLite -----------------------------------------------------------------------------------------------


_SQLITE_READ = _PG_READ.replace("$1", "?")


class SqliteStore:
    name = "sqlite"

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="authsession-bench-"))
        self.path = self.folder / "auth.db"
        self.probe = Probe()
        self.adapter: Any = None
        self._floor_connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        from sqlalchemy import event

        from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

        self.adapter = SQLAlchemyAdapter(f"sqlite+aiosqlite:///{self.path}")
        event.listen(self.adapter.engine.sync_engine, "before_cursor_execute", self._statement)
        _count_direct_reads(self.adapter, self.probe)
        await self.adapter.create_schema()
        self._floor_connection = sqlite3.connect(self.path, isolation_level=None)

    async def floor_read(self, n: int) -> Any:
        assert self._floor_connection is not None
        return self._floor_connection.execute(_SQLITE_READ, (token_for(n),)).fetchall()

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        self.probe.query(verb in ("INSERT", "UPDATE", "DELETE"))

    async def fill(self, first: int, last: int, expires: datetime) -> None:
        await asyncio.to_thread(self._fill, first, last, expires)

    def _fill(self, first: int, last: int, expires: datetime) -> None:
        # SQLAlchemy's storage format for SQLite DATETIME: naive UTC text with microseconds.
        stored = expires.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("PRAGMA synchronous = OFF")
            with conn:
                rows = range(first, last + 1)
                conn.executemany(
                    "INSERT INTO users (id, name, email) VALUES (?, ?, ?)",
                    ((n, name_for(n), email_for(n)) for n in rows),
                )
                conn.executemany(
                    'INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (?, ?, ?)',
                    ((n, stored, token_for(n)) for n in rows),
                )
            conn.execute("ANALYZE")
        finally:
            conn.close()

    async def close(self) -> None:
        if self._floor_connection is not None:
            self._floor_connection.close()
        if self.adapter is not None:
            await self.adapter.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- Redis ------------------------------------------------------------------------------------------------

_REDIS_BATCH = 2_000


def _resp(*args: str) -> bytes:
    """One command in the Redis protocol (RESP), as a client library would send it."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class RespPipe:
    """Pipelined commands whose replies are one line each (``+OK``, ``:1``), counted, not parsed.

    redis-py spends ~30 µs per pipelined command on its asyncio reply parsing, which is 2.5
    minutes for the 5 million commands of a million sessions; counting reply lines is free.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.outstanding = 0
        self._tail = b""

    @classmethod
    async def connect(cls, url: str) -> RespPipe:
        from redis.connection import parse_url

        params = parse_url(url)
        if "connection_class" in params or "path" in params:
            raise OSError(f"the fast fill speaks plain TCP only (redis://), not {url.split(':', 1)[0]}://")
        reader, writer = await asyncio.wait_for(asyncio.open_connection(params["host"], params["port"]), 5)
        pipe = cls(reader, writer)
        if params.get("password"):
            auth = [params["username"], params["password"]] if params.get("username") else [params["password"]]
            pipe.send([_resp("AUTH", *auth)])
        pipe.send([_resp("SELECT", str(params.get("db") or 0))])
        await pipe.settle()
        return pipe

    def send(self, commands: list[bytes]) -> None:
        self.writer.write(b"".join(commands))
        self.outstanding += len(commands)

    async def settle(self, keep: int = 0) -> None:
        """Read replies until at most ``keep`` are outstanding; an error reply stops the run."""
        await self.writer.drain()
        while self.outstanding > keep:
            chunk = await self.reader.read(1 << 20)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            data = self._tail + chunk
            if data.startswith(b"-") or b"\n-" in data:
                line = data[data.find(b"-") :].split(b"\r\n", 1)[0]
                raise RuntimeError(f"Redis refused a command: {line.decode(errors='replace')}")
            self.outstanding -= data.count(b"\r\n")
            self._tail = data[data.rfind(b"\r\n") + 2 :]

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class RedisStore:
    name = "redis"

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"authsession-bench:{os.getpid()}"
        self.probe = Probe(counts_round_trips=True)
        self.adapter: Any = None
        self.filled = 0
        self._floor_client: Any = None

    async def open(self) -> None:
        import redis.asyncio as aioredis

        from authsession.adapters.redis import _SCRIPT_SESSION_AND_USER, RedisAdapter

        client = aioredis.from_url(self.url, decode_responses=True, socket_connect_timeout=5)
        await client.ping()
        execute, probe = client.execute_command, self.probe

        async def counted(*args: Any, **options: Any) -> Any:
            name = str(args[0]).upper()
            probe.query(name in _REDIS_WRITES and not (name == "EVAL" and args[1] == _SCRIPT_SESSION_AND_USER))
            probe.round_trip()
            return await execute(*args, **options)

        client.execute_command = counted  # type: ignore[method-assign]
        self.adapter = RedisAdapter(client, prefix=self.prefix)
        self._floor_client = aioredis.from_url(self.url, decode_responses=True, socket_connect_timeout=5)

    async def floor_read(self, n: int) -> Any:
        # The best a hand-written read can do: it knows the user's id, so both reads go in one trip.
        async with self._floor_client.pipeline(transaction=False) as pipe:
            pipe.get(self.adapter._session_key(token_for(n)))
            pipe.hgetall(self.adapter._user_key(str(n)))
            return await pipe.execute()

    def _batches(self, first: int, last: int) -> list[range]:
        return [range(start, min(start + _REDIS_BATCH, last + 1)) for start in range(first, last + 1, _REDIS_BATCH)]

    async def fill(self, first: int, last: int, expires: datetime) -> None:
        from authsession.adapters.redis import _dumps, _micros, _millis, _session_record

        adapter = self.adapter
        # What the adapter's create_user and create_session write, with its own key helpers and
        # encoders: the same keys, JSON values and TTLs (its index script's PEXPIREAT rounds up).
        score, pxat = str(_micros(expires)), str(_millis(expires))
        index_pxat = str(math.ceil(_micros(expires) / 1000))
        pipe = await RespPipe.connect(self.url)
        try:
            for batch in self._batches(first, last):
                commands: list[bytes] = []
                for n in batch:
                    user_id, email, token = str(n), email_for(n), token_for(n)
                    user_key = adapter._user_key(user_id)
                    record = _session_record({"sessionToken": token, "userId": user_id, "expires": expires})
                    commands += (
                        _resp(
                            "HSET", user_key, "id", _dumps(user_id), "name", _dumps(name_for(n)), "email", _dumps(email)
                        ),
                        _resp("SET", adapter._email_key(email), user_id),
                        _resp("ZADD", f"{user_key}:sessions", score, token),
                        _resp("PEXPIREAT", f"{user_key}:sessions", index_pxat),
                        _resp("SET", adapter._session_key(token), _dumps(record), "PXAT", pxat),
                    )
                self.filled = max(self.filled, batch[-1])
                # One batch in flight while the next is built: Redis works while Python encodes.
                pipe.send(commands)
                await pipe.settle(keep=len(commands))
            await pipe.settle()
        finally:
            await pipe.close()
        # Read a few back through the adapter: the layout is the adapter's, or the run stops here.
        for n in (first, (first + last) // 2, last):
            found = await adapter.get_session_and_user(token_for(n))
            assert found is not None, f"session {n} not readable through the adapter"
            assert found[1]["email"] == email_for(n), f"session {n} names the wrong user"
            by_email = await adapter.get_user_by_email(email_for(n))
            assert by_email is not None, f"user {n} not found by email"
            assert by_email["id"] == str(n), f"the email index of user {n} names another user"

    async def close(self) -> None:
        if self.adapter is None:
            return
        adapter, client = self.adapter, self.adapter.client
        if self._floor_client is not None:
            await self._floor_client.aclose()
        try:
            pipe = await RespPipe.connect(self.url)
            try:
                for batch in self._batches(1, self.filled):
                    keys: list[str] = []
                    for n in batch:
                        user_key = adapter._user_key(str(n))
                        keys += (user_key, f"{user_key}:sessions", adapter._email_key(email_for(n)))
                        keys.append(adapter._session_key(token_for(n)))
                    pipe.send([_resp("UNLINK", *keys)])
                    await pipe.settle(keep=1)
                await pipe.settle()
            finally:
                await pipe.close()
            # Anything else under the prefix (the update_age rows only rewrote these keys).
            leftovers = [key async for key in client.scan_iter(match=f"{self.prefix}:*", count=10_000)]
            if leftovers:
                await client.unlink(*leftovers)
        finally:
            await client.aclose()


# --- measuring --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    backend: str
    sessions: int
    case: str
    driver_p50_us: float | None
    adapter_p50_us: float | None
    p50_us: float
    p99_us: float
    queries_per_read: float
    writes_per_read: float
    round_trips_per_read: float | None


def _no_mail(**_: Any) -> None:
    """The database strategy needs a provider other than credentials; nothing is mailed here."""


def _options(adapter: Any) -> AuthOptions:
    return AuthOptions(
        secret=SECRET,
        adapter=adapter,
        providers=[Email(send_verification_request=_no_mail)],
        session={"strategy": "database"},
        url=URL,
    )


def _request(n: int) -> AuthRequest:
    names = cookie_names("v5", False)
    return AuthRequest(
        method="GET",
        url=f"{URL}/profile",
        headers={"host": "localhost:8000"},
        cookies={
            names.session_token: token_for(n),
            names.csrf_token: f"{CSRF_TOKEN}|{csrf_hash(CSRF_TOKEN, SECRET)}",
            names.callback_url: URL,
        },
    )


async def measure(
    store: Store, size: int, warm: list[int], picks: list[int], case: str, shift: float = 0, cache: bool = False
) -> Row:
    """Time the driver, the adapter and ``get_session`` on sessions ``picks``, in turn for each
    session, after untimed reads of ``warm`` (pool, caches). Only ``get_session`` is probed.
    With ``cache``, the adapter is wrapped in a ``SessionCache`` (its ttl outlasts the row)."""
    adapter = SessionCache(store.adapter, ttl=300) if cache else store.adapter
    options, probe = _options(adapter), store.probe

    def check(n: int, session: Any) -> None:
        assert session is not None, f"{store.name}: session {n} was not found"
        assert session["user"]["email"] == email_for(n), f"{store.name}: session {n} read the wrong user"

    for n in warm:
        assert await store.floor_read(n), f"{store.name}: the driver did not find session {n}"
        assert await adapter.get_session_and_user(token_for(n)) is not None
        session, _ = await get_session(_request(n), options, now=time.time() + shift)
        check(n, session)
    requests = [_request(n) for n in picks]
    driver: list[float] = []
    direct: list[float] = []
    samples: list[float] = []
    gc.collect()
    probe.reset()
    for n, request in zip(picks, requests, strict=True):
        token = token_for(n)
        # Not beside an "update due" read: its write (and fsync) would slow the next read down.
        if not shift:
            started = time.perf_counter_ns()
            await store.floor_read(n)
            driver.append((time.perf_counter_ns() - started) / 1000)
            started = time.perf_counter_ns()
            await adapter.get_session_and_user(token)
            direct.append((time.perf_counter_ns() - started) / 1000)
        now = time.time() + shift
        probe.on = True
        started = time.perf_counter_ns()
        session, _ = await get_session(request, options, now=now)
        samples.append((time.perf_counter_ns() - started) / 1000)
        probe.on = False
        check(n, session)
    count = len(picks)
    ordered = sorted(samples)
    return Row(
        backend=store.name,
        sessions=size,
        case=case,
        driver_p50_us=statistics.median(driver) if driver else None,
        adapter_p50_us=statistics.median(direct) if direct else None,
        p50_us=statistics.median(ordered),
        p99_us=ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)],
        queries_per_read=probe.queries / count,
        writes_per_read=probe.writes / count,
        round_trips_per_read=probe.round_trips / count if probe.counts_round_trips else None,
    )


async def run_backend(store: Store, sessions: int, reads: int, report: Callable[[str], None]) -> list[Row]:
    rows: list[Row] = []
    rng = random.Random(42)
    expires = datetime.now(UTC) + timedelta(days=30)
    try:
        await store.open()
        started = time.perf_counter()
        await store.fill(1, min(SMALL, sessions), expires)
        report(f"{store.name}: filled {min(SMALL, sessions):,} in {time.perf_counter() - started:.1f} s")
        small = min(SMALL, sessions)
        rows.append(await measure(store, small, _picks(rng, small, WARM), _picks(rng, small, reads), "fresh"))
        if sessions > SMALL:
            started = time.perf_counter()
            await store.fill(SMALL + 1, sessions, expires)
            report(f"{store.name}: filled to {sessions:,} in {time.perf_counter() - started:.1f} s")
            rows.append(
                await measure(store, sessions, _picks(rng, sessions, WARM), _picks(rng, sessions, reads), "fresh")
            )
        # Sessions read again and again (a user's pages), through SessionCache: each one was read
        # once in the warm-up, so every timed read is a hit.
        again = _picks(rng, sessions, WARM)
        picks = [rng.choice(again) for _ in range(reads)]
        rows.append(await measure(store, sessions, again, picks, "cache hit", cache=True))
        # Distinct sessions, warm-up included, so each one is due for its update_age write exactly once.
        distinct = rng.sample(range(1, sessions + 1), min(WARM + reads, sessions))
        rows.append(await measure(store, sessions, distinct[:WARM], distinct[WARM:], "update due", STALE_SHIFT))
    finally:
        started = time.perf_counter()
        await store.close()
        report(f"{store.name}: cleaned up in {time.perf_counter() - started:.1f} s")
    return rows


def _picks(rng: random.Random, size: int, count: int) -> list[int]:
    return [rng.randint(1, size) for _ in range(count)]


def _make(name: str, postgres_url: str, redis_url: str) -> Store:
    if name == "postgres":
        return PostgresStore(postgres_url)
    if name == "redis":
        return RedisStore(redis_url)
    return SqliteStore()


async def run(backends: list[str], sessions: int, reads: int, postgres_url: str, redis_url: str) -> dict[str, Any]:
    rows: list[Row] = []
    skipped: dict[str, str] = {}

    def report(line: str) -> None:
        print(line, flush=True)

    for name in backends:
        try:
            store = _make(name, postgres_url, redis_url)
        except ImportError as exc:
            skipped[name] = str(exc)
            continue
        try:
            rows += await run_backend(store, sessions, reads, report)
        except (OSError, TimeoutError, ImportError) as exc:
            skipped[name] = f"{type(exc).__name__}: {exc}"
            report(f"{name}: skipped ({skipped[name]})")
    return {
        "machine": machine.facts(),
        "sessions": sessions,
        "reads": reads,
        "rows": [asdict(r) for r in rows],
        "skipped": skipped,
    }


_COLUMNS = (
    ("backend", 9),
    ("sessions", 10),
    ("case", 11),
    ("driver µs", 9),
    ("adapter µs", 10),
    ("x driver", 8),
    ("session µs", 10),
    ("p99 µs", 8),
    ("queries/read", 12),
    ("writes/read", 11),
    ("round trips/read", 16),
)


def _line(cells: list[str]) -> str:
    return " ".join(
        cell.ljust(width) if index in (0, 2) else cell.rjust(width)
        for index, (cell, (_, width)) in enumerate(zip(cells, _COLUMNS, strict=True))
    )


def print_report(result: dict[str, Any]) -> None:
    head = _line([title for title, _ in _COLUMNS])
    print(f"\nDatabase session reads: {result['reads']:,} reads of random sessions per row, p50 unless named")
    print(head)
    print("-" * len(head))
    for row in result["rows"]:
        trips = row["round_trips_per_read"]
        driver, adapter = row["driver_p50_us"], row["adapter_p50_us"]
        cells = [
            row["backend"],
            f"{row['sessions']:,}",
            row["case"],
            "-" if driver is None else f"{driver:.0f}",
            "-" if adapter is None else f"{adapter:.0f}",
            "-" if driver is None or adapter is None else f"{adapter / driver:.2f}",
            f"{row['p50_us']:.0f}",
            f"{row['p99_us']:.0f}",
            f"{row['queries_per_read']:.2f}",
            f"{row['writes_per_read']:.2f}",
            "-" if trips is None else f"{trips:.2f}",
        ]
        print(_line(cells))
    for name, reason in result["skipped"].items():
        print(f"{name}: skipped: {reason}")
    print(
        "\ndriver: the raw driver's read of the same session and user; adapter: get_session_and_user;"
        " x driver: adapter / driver, same run; session: get_session (get_server_session minus the framework)"
    )
    print(
        "cache hit: the same reads through SessionCache(adapter), of sessions read before\n"
        "queries: SQL statements (SQLite, PostgreSQL) or Redis commands; round trips: messages sent on the wire"
        " (PostgreSQL: pool pre-ping and transaction control included, where there are any; SQLite has no wire)"
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.database", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1_000_000, help="sessions (and users) per store")
    parser.add_argument("--reads", type=int, default=2_000, help="timed reads per row")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgres,redis")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="server to create the benchmark database on")
    parser.add_argument("--redis-url", default=REDIS_URL)
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown or not backends:
        parser.error(f"--backends: choose from {', '.join(BACKENDS)}")
    if args.sessions < SMALL or args.reads < 1:
        parser.error(f"--sessions must be at least {SMALL:,} and --reads at least 1")
    print(machine.describe(), flush=True)
    result = asyncio.run(run(backends, args.sessions, args.reads, args.postgres_url, args.redis_url))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print_report(result)
    return result


if __name__ == "__main__":
    main()
