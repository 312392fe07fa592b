"""Per-call cost of reading a session, in-process, as ratios against a floor run in the same process.

The floor is the bare work any encrypted cookie session must do: authenticated AES decryption
plus ``json.loads`` of the same token, key already derived. Every case reads the same claims;
the Starlette cases send the cookies a browser holds after its first visit (session, CSRF and
callback-url), so nothing is minted that a browser would not ask for.

Peers: ``fastapi-nextauth-jwt`` and Starlette's ``SessionMiddleware`` run here; next-auth 4
and @auth/core run in Node (``bench/node/session-loop.mjs``), timed there and read back.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from authsession import AuthOptions, jwt
from authsession._core import jwe
from authsession._core.cookies import cookie_names
from authsession._core.csrf import csrf_hash
from authsession._core.http import AuthRequest
from authsession._core.server_session import get_session
from authsession.adapters import MemoryAdapter
from bench import asgi, peers

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
URL = "http://localhost:8000"
CLAIMS = {"name": "Ada Lovelace", "email": "ada@example.com", "picture": None, "sub": "1"}
CSRF_TOKEN = "c" * 64
#: Users in the "many users" case: per-call cost must not grow with it.
MANY_USERS = 10_000
NODE_SCRIPT = Path(__file__).resolve().parent / "node" / "session-loop.mjs"
FACE = "get_server_session"
#: The baseline a framework's face is held against: Starlette's, which the others share or wrap.
#: Default options: a token past a tenth of its life is re-encrypted; the bench's token is young.
STARLETTE = f"{FACE} (default)"
#: NextAuth's way, re-encrypting on every read (``refresh_threshold=None``).
EVERY_READ = f"{FACE} (refresh_threshold=None: re-encrypts every read)"
#: Issue 11's target: Starlette's ``get_server_session`` with default options within this many
#: times the floor of the same token format.
TARGET_X_FLOOR = 3.0
STARLETTE_DATABASE = f"{FACE}, database"
#: A framework's face is the row named f"{FACE} ({framework}...)"; each is printed as a ratio to
#: Starlette's row for the same work (for "database (<store>)", STARLETTE_DATABASE with that store).
FRAMEWORKS = ("Flask", "Django", "Litestar")


@dataclass(frozen=True, slots=True)
class Row:
    format: str
    case: str
    median_us: float
    p99_us: float
    ratio: float  # median / the Python floor's median, same format, same run
    kind: str  # "floor", "authsession" or "peer"


@dataclass(frozen=True, slots=True)
class Skipped:
    case: str
    reason: str


def b64d(part: str) -> bytes:
    return jwe.b64url_decode(part)


def floor_v4(token: str, key: bytes) -> Callable[[], Any]:
    aes = AESGCM(key)

    def run() -> Any:
        protected, _, iv, ct, tag = token.split(".")
        plain = aes.decrypt(b64d(iv), b64d(ct) + b64d(tag), protected.encode())
        return json.loads(plain)

    return run


def floor_v5(token: str, key: bytes) -> Callable[[], Any]:
    mac_key, enc_key = key[:32], key[32:]

    def run() -> Any:
        protected, _, iv_p, ct_p, tag_p = token.split(".")
        aad, iv, ct, tag = protected.encode(), b64d(iv_p), b64d(ct_p), b64d(tag_p)
        al = (len(aad) * 8).to_bytes(8, "big")
        expected = hmac.new(mac_key, aad + iv + ct + al, hashlib.sha512).digest()[:32]
        if not hmac.compare_digest(expected, tag):
            raise ValueError("bad tag")
        decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ct) + decryptor.finalize()
        return json.loads(padded[: -padded[-1]])

    return run


@dataclass(frozen=True, slots=True)
class Timed:
    """Per-call times of a case (µs), and of the floor called right after each of them.

    The machine is shared (other test suites, other benchmarks), and its load moves within a
    run. Timing the floor beside each case puts the same load on both, so a case's ratio to
    the floor holds even when its absolute figures do not.
    """

    case: list[float]
    floor: list[float]

    def row(self, format: str, name: str, kind: str = "authsession") -> Row:
        median, p99 = summary(self.case)
        return Row(format, name, median, p99, median / statistics.median(self.floor), kind)


def _samples(fn: Callable[[], Any], iterations: int, floor: Callable[[], Any]) -> Timed:
    for _ in range(min(1000, iterations)):
        fn()
        floor()
    case, beside = [], []
    gc.collect()
    for _ in range(iterations):
        start = time.perf_counter_ns()
        fn()
        middle = time.perf_counter_ns()
        floor()
        case.append((middle - start) / 1000)
        beside.append((time.perf_counter_ns() - middle) / 1000)
    return Timed(case, beside)


async def _async_samples(fn: Callable[[], Awaitable[Any]], iterations: int, floor: Callable[[], Any]) -> Timed:
    for _ in range(min(1000, iterations)):
        await fn()
        floor()
    case, beside = [], []
    gc.collect()
    for _ in range(iterations):
        start = time.perf_counter_ns()
        await fn()
        middle = time.perf_counter_ns()
        floor()
        case.append((middle - start) / 1000)
        beside.append((time.perf_counter_ns() - middle) / 1000)
    return Timed(case, beside)


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def cookie_header(format: str, token: str) -> str:
    """The cookies a browser sends once it has visited: session, CSRF and callback-url."""
    names = cookie_names(format, False)  # type: ignore[arg-type]
    csrf = f"{CSRF_TOKEN}%7C{csrf_hash(CSRF_TOKEN, SECRET)}"
    return (
        f"{names.session_token}={token}; {names.csrf_token}={csrf}; {names.callback_url}=http%3A%2F%2Flocalhost%3A8000"
    )


def _salt(format: str) -> str:
    return "" if format == "v4" else cookie_names("v5", False).session_token


def floor_for(format: str, token: str) -> Callable[[], Any]:
    """The floor of ``format`` for ``token``, its key already derived."""
    if format == "v4":
        return floor_v4(token, jwe.derive_v4_key(SECRET, ""))
    return floor_v5(token, jwe.derive_v5_key(SECRET, _salt(format)))


def mint(format: str, claims: dict[str, Any] = CLAIMS) -> str:
    return jwt.encode(token=claims, secret=SECRET, salt=_salt(format), format=format)  # type: ignore[arg-type]


async def python_rows(format: str, token: str, iterations: int, skipped: list[Skipped]) -> list[Row]:
    rows: list[Row] = []
    floor = floor_for(format, token)
    floor_median, floor_p99 = summary(_samples(floor, iterations, floor).case)
    rows.append(Row(format, "floor: AES decrypt + json.loads", floor_median, floor_p99, 1.0, "floor"))

    def add(case: str, timed: Timed, kind: str = "authsession") -> None:
        rows.append(timed.row(format, case, kind))

    def decode() -> Any:
        return jwt.decode(token=token, secret=SECRET, salt=_salt(format), format=format)  # type: ignore[call-overload]

    add("authsession.jwt.decode", _samples(decode, iterations, floor))
    header = cookie_header(format, token)
    add(
        "authsession.jwt.get_token (Starlette request)",
        await _async_samples(asgi.get_token_call(SECRET, format, header), iterations, floor),
    )

    options = AuthOptions(secret=SECRET, format=format, url=URL)  # type: ignore[arg-type]
    names = cookie_names(format, False)  # type: ignore[arg-type]
    request = AuthRequest(
        method="GET",
        url=f"{URL}/profile",
        headers={"host": "localhost:8000", "cookie": header},
        cookies={
            names.session_token: token,
            names.csrf_token: f"{CSRF_TOKEN}|{csrf_hash(CSRF_TOKEN, SECRET)}",
            names.callback_url: URL,
        },
    )

    async def core() -> Any:
        session, _ = await get_session(request, options)
        assert session is not None
        return session

    add("get_session (core, default)", await _async_samples(core, iterations, floor))
    add(STARLETTE, await _async_samples(asgi.starlette_session_call(options, header), iterations, floor))
    browser = asgi.starlette_session_call(options, header, asgi.BROWSER_HEADERS)
    add(f"{FACE} (a browser's 17 request headers)", await _async_samples(browser, iterations, floor))
    try:
        from bench import wsgi
    except ImportError as exc:  # an environment without the flask extra
        skipped.append(Skipped("Flask", str(exc)))
    else:
        # Sync, from a WSGI worker thread: a JWT read with plain callbacks runs on that thread.
        add(
            f"{FACE} (Flask, sync)",
            await asyncio.to_thread(_samples, wsgi.flask_session_call(options, header), iterations, floor),
        )
    try:
        from bench import django_requests
    except ImportError as exc:  # an environment without the django extra
        skipped.append(Skipped("Django", str(exc)))
    else:
        add(
            f"{FACE} (Django, sync)",
            await asyncio.to_thread(_samples, django_requests.django_session_call(options, header), iterations, floor),
        )
        add(
            f"a{FACE} (Django, async view)",
            await _async_samples(django_requests.django_async_session_call(options, header), iterations, floor),
        )
    try:
        litestar = asgi.litestar_session_call(options, header)
    except ImportError as exc:  # an environment without the litestar extra
        skipped.append(Skipped("Litestar", str(exc)))
    else:
        add(f"{FACE} (Litestar)", await _async_samples(litestar, iterations, floor))
    rows.extend(await database_face_rows(format, iterations, floor, skipped))
    every_read = AuthOptions(secret=SECRET, format=format, url=URL, session={"refresh_threshold": None})  # type: ignore[arg-type]
    add(EVERY_READ, await _async_samples(asgi.starlette_session_call(every_read, header), iterations, floor))
    try:
        from authsession.adapters import MemoryAdapter
        from authsession.session_management import SessionManagement

        revocable = AuthOptions(
            secret=SECRET,
            format=format,  # type: ignore[arg-type]
            url=URL,
            adapter=MemoryAdapter(),
            session={"strategy": "jwt"},
            session_management=SessionManagement(revoke_jwt=True),
        )
    except (ImportError, TypeError) as exc:  # an authsession without session management
        skipped.append(Skipped("revocable JWT sessions", str(exc)))
    else:
        # One cached lookup of the user's session generation per read (issue 14, item 3).
        add(
            f"{FACE} (revocable JWT, generation cached)",
            await _async_samples(asgi.starlette_session_call(revocable, header), iterations, floor),
        )
    many = [cookie_header(format, mint(format, {**CLAIMS, "sub": str(i)})) for i in range(MANY_USERS)]
    add(
        f"get_server_session, {MANY_USERS:,} users in turn",
        await _async_samples(asgi.rotating_session_call(options, many), iterations, floor),
    )

    try:
        peers.python_site()
        add(
            "peer: fastapi-nextauth-jwt 2.1.1",
            await _async_samples(asgi.nextauth_jwt_call(SECRET, format, header), iterations, floor),
            "peer",
        )
        middleware = await asgi.starlette_session_middleware_call(SECRET, CLAIMS)
        add(
            "peer: Starlette SessionMiddleware load (itsdangerous)",
            await _async_samples(middleware, iterations, floor),
            "peer",
        )
    except (peers.PeerMissing, ImportError) as exc:
        skipped.append(Skipped("Python peers", str(exc)))
    return rows


async def database_face_rows(
    format: str, iterations: int, floor: Callable[[], Any], skipped: list[Skipped]
) -> list[Row]:
    """Database sessions: what a face adds to a read that must wait on its store.

    A database read awaits its adapter, so Flask's face hands it to the sync bridge's event loop.
    ``MemoryAdapter`` costs next to nothing, so its rows show that hop at its largest share;
    SQLite (``SQLAlchemyAdapter``, a file in a temporary folder), PostgreSQL (asyncpg) and Redis
    show it beside real stores. PostgreSQL and Redis are the servers ``bench.database`` uses; the
    run reads from a database and a key prefix of its own, removed afterwards.
    """
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        async with contextlib.AsyncExitStack() as stack:
            memory = MemoryAdapter()
            stores: list[tuple[str, Any, Any]] = [("MemoryAdapter", memory, memory)]
            for name, open_store in (
                ("SQLite", lambda: _sqlite(Path(folder) / "bench.sqlite3")),
                ("PostgreSQL", _postgres),
                ("Redis", _redis),
            ):
                try:
                    stores.append((name, *await stack.enter_async_context(open_store())))
                except Exception as exc:  # no extra, no server: these rows are skipped, with the reason
                    skipped.append(Skipped(f"database, {name}", f"{type(exc).__name__}: {exc}"))
            for name, adapter, bridge_adapter in stores:
                rows.extend(
                    await _database_face_rows(format, name, adapter, bridge_adapter, iterations, floor, skipped)
                )
    return rows


# Each store gives two adapters over the same data: one for the reads on this event loop, one for
# Flask's reads on the bridge's. A driver's connections belong to the loop that opened them
# (asyncpg, redis-py), so those stores need two; SQLite's and memory's serve both loops.
Adapters = tuple[Any, Any]


@contextlib.asynccontextmanager
async def _sqlite(path: Path) -> AsyncIterator[Adapters]:
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

    adapter = SQLAlchemyAdapter(f"sqlite+aiosqlite:///{path}")
    await adapter.create_schema()
    try:
        yield adapter, adapter
    finally:
        await adapter.close()


@contextlib.asynccontextmanager
async def _postgres() -> AsyncIterator[Adapters]:
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
    from bench import database

    server = database.PostgresStore(database.POSTGRES_URL)  # for its admin connection and naming
    await server._admin(f'CREATE DATABASE "{server.database}"')
    url = server.server.set(drivername="postgresql+asyncpg", database=server.database)
    here, bridged = SQLAlchemyAdapter(url), SQLAlchemyAdapter(url)
    try:
        await here.create_schema()
        yield here, bridged
    finally:
        await _close_both(here, bridged)
        await server._admin(f'DROP DATABASE IF EXISTS "{server.database}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def _redis() -> AsyncIterator[Adapters]:
    import redis.asyncio as aioredis

    from authsession.adapters.redis import RedisAdapter
    from bench import database

    prefix = f"authsession-bench-faces:{os.getpid()}"
    admin = aioredis.from_url(database.REDIS_URL, socket_connect_timeout=5)
    try:
        await admin.ping()
        here, bridged = RedisAdapter(database.REDIS_URL, prefix=prefix), RedisAdapter(database.REDIS_URL, prefix=prefix)
        try:
            yield here, bridged
        finally:
            await _close_both(here, bridged)
            async for key in admin.scan_iter(match=f"{prefix}:*"):
                await admin.delete(key)
    finally:
        await admin.aclose()


async def _close_both(here: Any, bridged: Any) -> None:
    from authsession.integrations import _bridge

    await here.close()
    _bridge.run(bridged.close())  # on the loop its connections belong to


async def _database_face_rows(
    format: str,
    store: str,
    adapter: Any,
    bridge_adapter: Any,
    iterations: int,
    floor: Callable[[], Any],
    skipped: list[Skipped],
) -> list[Row]:
    user = {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com", "emailVerified": None}
    await adapter.create_user(user)
    expires = datetime.now(UTC) + timedelta(days=30)
    await adapter.create_session({"sessionToken": "bench-session-token", "userId": "1", "expires": expires})
    header = cookie_header(format, "bench-session-token")

    def options(adapter: Any) -> AuthOptions:
        return AuthOptions(secret=SECRET, format=format, url=URL, adapter=adapter, session={"strategy": "database"})  # type: ignore[arg-type]

    starlette = await _async_samples(asgi.starlette_session_call(options(adapter), header), iterations, floor)
    rows = [starlette.row(format, f"{STARLETTE_DATABASE} ({store})")]
    try:
        from bench import wsgi
    except ImportError as exc:
        skipped.append(Skipped("Flask, database", str(exc)))
        return rows
    flask = wsgi.flask_session_call(options(bridge_adapter), header)
    timed = await asyncio.to_thread(_samples, flask, iterations, floor)
    rows.append(timed.row(format, f"{FACE} (Flask, sync, database ({store}))"))
    return rows


def node_rows(
    tokens: dict[str, str], iterations: int, floors: dict[str, float], skipped: list[Skipped]
) -> tuple[list[Row], str | None]:
    try:
        node = peers.node()
    except peers.PeerMissing as exc:
        skipped.append(Skipped("next-auth / @auth/core (Node)", str(exc)))
        return [], None
    payload = {
        "iterations": iterations,
        "secret": SECRET,
        "url": URL,
        **{fmt: {"token": token, "cookie": cookie_header(fmt, token)} for fmt, token in tokens.items()},
    }
    proc = subprocess.run(
        [node, str(NODE_SCRIPT)], input=json.dumps(payload), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        skipped.append(Skipped("next-auth / @auth/core (Node)", proc.stderr[-1500:]))
        return [], None
    result = json.loads(proc.stdout)
    rows = []
    for item in result["rows"]:
        kind = "floor" if item["case"].startswith("node floor") else "peer"
        fmt = item["format"]
        rows.append(Row(fmt, item["case"], item["median_us"], item["p99_us"], item["median_us"] / floors[fmt], kind))
    return rows, result["node"]


#: (authsession case, peer case) pairs for the speed-up table.
PAIRS = {
    "v4": [
        (STARLETTE, "next-auth 4 getServerSession (re-encodes)"),
        (EVERY_READ, "next-auth 4 getServerSession (re-encodes)"),
        ("authsession.jwt.get_token (Starlette request)", "next-auth 4 getToken"),
        ("authsession.jwt.decode", "next-auth 4 jwt.decode"),
        ("authsession.jwt.get_token (Starlette request)", "peer: fastapi-nextauth-jwt 2.1.1"),
    ],
    "v5": [
        (STARLETTE, "@auth/core Auth() GET /session (auth(), re-encodes)"),
        (EVERY_READ, "@auth/core Auth() GET /session (auth(), re-encodes)"),
        ("authsession.jwt.get_token (Starlette request)", "@auth/core getToken"),
        ("authsession.jwt.decode", "@auth/core jwt.decode"),
        ("authsession.jwt.get_token (Starlette request)", "peer: fastapi-nextauth-jwt 2.1.1"),
    ],
}


async def run(iterations: int, node_iterations: int) -> dict[str, Any]:
    rows: list[Row] = []
    skipped: list[Skipped] = []
    tokens = {fmt: mint(fmt) for fmt in ("v4", "v5")}
    for fmt, token in tokens.items():
        rows.extend(await python_rows(fmt, token, iterations, skipped))
    floors = {r.format: r.median_us for r in rows if r.case.startswith("floor")}
    extra, node_version = node_rows(tokens, node_iterations, floors, skipped)
    rows.extend(extra)
    return {
        "iterations": iterations,
        "node_iterations": node_iterations,
        "node": node_version,
        "python": sys.version.split()[0],
        "rows": [asdict(r) for r in rows],
        "skipped": [asdict(s) for s in skipped],
    }


def print_report(result: dict[str, Any]) -> None:
    rows = [Row(**r) for r in result["rows"]]
    print(
        f"\nIn-process session reads: {result['iterations']} calls per Python case, {result['node_iterations']} per"
        f" Node case; Python {result['python']}, Node {result['node'] or '-'}"
    )
    print("x floor = median / the Python floor's median for the same token format, measured in this run.\n")
    print("| format | case | median µs | p99 µs | x floor |\n|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r.format} | {r.case} | {r.median_us:.1f} | {r.p99_us:.1f} | {r.ratio:.2f} |")
    by_case = {(r.format, r.case): r for r in rows}
    lines = []
    for fmt, pairs in PAIRS.items():
        for ours, theirs in pairs:
            a, b = by_case.get((fmt, ours)), by_case.get((fmt, theirs))
            if a and b:
                lines.append(f"| {fmt} | {ours} | {theirs} | {b.median_us / a.median_us:.1f}x |")
    if lines:
        print("\n| format | authsession | peer | authsession faster by (median) |\n|---|---|---|---:|")
        print("\n".join(lines))
    faces = []
    for r in rows:
        store = r.case.partition("database ")[2][:-1]  # "(SQLite)" of "... database (SQLite))"
        base = by_case.get((r.format, f"{STARLETTE_DATABASE} {store}" if store else STARLETTE))
        # ``in``, not a prefix: Django's async face is ``aget_server_session``.
        if base and any(f"{FACE} ({name}" in r.case for name in FRAMEWORKS):
            # Each against the floor timed beside it: the ratio of ratios holds when the load moves.
            faces.append(f"| {r.format} | {r.case} | {base.case} | {r.median_us:.1f} | {r.ratio / base.ratio:.2f} |")
    if faces:
        print("\nEach framework's face against Starlette's for the same read, same format, same run:\n")
        print("| format | case | Starlette baseline | median µs | x Starlette |\n|---|---|---|---:|---:|")
        print("\n".join(faces))
    print(f"\nTarget: {STARLETTE} within {TARGET_X_FLOOR:g}x the floor (median / floor median, same run):\n")
    print("| format | x floor | met |\n|---|---:|---|")
    for fmt in ("v4", "v5"):
        if (target := by_case.get((fmt, STARLETTE))) is not None:
            print(f"| {fmt} | {target.ratio:.2f} | {'yes' if target.ratio <= TARGET_X_FLOOR else 'no'} |")
    for s in result["skipped"]:
        print(f"\nskipped {s['case']}: {s['reason']}")


def main(iterations: int, node_iterations: int, out: Path) -> dict[str, Any]:
    result = asyncio.run(run(iterations, node_iterations))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print_report(result)
    return result
