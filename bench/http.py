"""Servers under ``wrk`` on 127.0.0.1: authsession on uvicorn against Next.js 14 + next-auth 4.

Every server is started here in its own process group and stopped (the whole group) when its
runs are done. Each signs in through its own credentials provider over HTTP first, so the
``Cookie`` header wrk sends is the browser's jar after sign-in (session, CSRF, callback-url).
Each wrk run is bounded by ``--duration``; every wait has a deadline.

Cases: ``GET /api/auth/session`` and the server-rendered ``/profile`` page, signed in and
anonymous, at 2 and 50 connections.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from tests import nextjs_app

from bench import machine, peers

ROOT = peers.ROOT
SECRET = "bench-http-secret-7d1c0e4b9a2f6e8d3c5b7a9f1e0d2c4b"
START_TIMEOUT = 60
WRK_THREADS = 1


@dataclass(frozen=True)
class Server:
    key: str
    label: str
    #: "next", "uvicorn" (``app`` under the uvicorn command) or "demo" (``python -m examples.demo``,
    #: what ``make demo`` runs, with ``DEMO_WORKERS``).
    command: str
    workers: int = 1
    app: str = "bench.apps.twin:create_app"
    env: dict[str, str] = field(default_factory=dict)
    email: str = "ada@example.com"
    password: str = "correct-horse"
    name: str = "Ada Lovelace"
    #: A session cookie to send instead of signing in (the database strategy seeds one).
    session_cookie: tuple[str, str] | None = None
    #: Another checkout of the project whose code this server runs (``--baseline``).
    checkout: Path | None = None


@dataclass(frozen=True)
class Endpoint:
    key: str
    path: str
    signed_in: bool


ENDPOINTS = (
    Endpoint("session", "/api/auth/session", True),
    Endpoint("profile", "/profile", True),
    Endpoint("session-anon", "/api/auth/session", False),
    Endpoint("profile-anon", "/profile", False),
)


def servers() -> list[Server]:
    twin = {"BENCH_FORMAT": "v4"}
    found = [
        Server("next", "Next.js 14 + next-auth 4 (next start)", "next"),
        Server("as-1w", "authsession, uvicorn 1 worker", "uvicorn", 1, env=twin),
        Server("as-2w", "authsession, uvicorn 2 workers", "uvicorn", 2, env=twin),
        *(
            Server(
                f"demo-{n}w",
                f"the demo as shipped (make demo), {n} worker{'s' if n > 1 else ''}",
                "demo",
                n,
                email="demo@example.com",
                password="demo-password",
                name="Demo User",
            )
            for n in (1, 2)
        ),
    ]
    return found + database_servers()


def baseline(chosen: list[Server], checkout: Path) -> list[Server]:
    """Each chosen authsession server again, running the code of ``checkout`` (say, ``main`` as it
    was: ``git worktree add /tmp/base <commit>``), for before and after in one run.

    The demo there is ``python -m examples.demo`` too, as ``make demo`` ran it. A checkout from
    before ``DEMO_WORKERS`` had no way to start more than one worker, so with more its demo is its
    app under the ``uvicorn`` command, with uvicorn's defaults as ``make demo`` had them (a log line
    per request), and no local OpenID Provider.
    """
    demo = checkout / "examples" / "demo" / "app.py"
    has_workers = demo.is_file() and "DEMO_WORKERS" in demo.read_text(errors="replace")
    out = []
    for server in chosen:
        if server.command == "next":
            continue
        label = f"{server.label}, before ({checkout.name})"
        changes: dict[str, Any] = {"key": f"{server.key}@base", "label": label, "checkout": checkout.resolve()}
        if server.command == "demo" and server.workers > 1 and not has_workers:
            changes.update(command="uvicorn", app=DEMO_APP)
        out.append(Server(**{**server.__dict__, **changes}))
    return out


#: The servers the adapter tests use (tests/adapters/conftest.py), unless BENCH_* names others.
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("AUTHSESSION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", os.environ.get("AUTHSESSION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))


def database_servers() -> list[Server]:
    """The database strategy: the twin app reading a seeded session through each adapter.

    Listed when the strategy and the adapter module exist. PostgreSQL (``BENCH_POSTGRES_URL``)
    gets a database of its own for the run and Redis (``BENCH_REDIS_URL``) a key prefix of its
    own, both removed afterwards; an unreachable server skips its cases with the reason. The
    memory adapter shows the strategy's own cost with no I/O (one worker: a store per process).
    """
    from bench.apps.twin import DATABASE_SESSION_TOKEN

    if importlib.util.find_spec("authsession.sessions.database") is None:
        return []
    cookie = ("next-auth.session-token", DATABASE_SESSION_TOKEN)
    out = []
    for adapter, workers in (("memory", (1,)), ("sqlalchemy", (1, 2)), ("redis", (1, 2))):
        if importlib.util.find_spec(f"authsession.adapters.{adapter}") is None:
            continue
        env = {"BENCH_FORMAT": "v4", "BENCH_STRATEGY": "database", "BENCH_ADAPTER": adapter}
        store = {"memory": "memory", "sqlalchemy": "PostgreSQL", "redis": "Redis"}[adapter]
        for n in workers:
            label = f"authsession database sessions ({store}), {n} worker{'s' if n > 1 else ''}"
            out.append(Server(f"db-{adapter}-{n}w", label, "uvicorn", n, env=env, session_cookie=cookie))
    return out


@contextlib.contextmanager
def prepared(server: Server) -> Iterator[Server]:
    """``server`` with its database ready (schema, empty keys), cleaned up afterwards."""
    adapter = server.env.get("BENCH_ADAPTER")
    if adapter == "sqlalchemy":
        with _postgres_database(server) as url:
            yield Server(**{**server.__dict__, "env": {**server.env, "BENCH_DATABASE_URL": url}})
    elif adapter == "redis":
        prefix = f"authsession-bench:{os.getpid()}:{server.key}"
        env = {**server.env, "BENCH_DATABASE_URL": REDIS_URL, "BENCH_REDIS_PREFIX": prefix}
        try:
            yield Server(**{**server.__dict__, "env": env})
        finally:
            _redis_cleanup(prefix)
    else:
        yield server


@contextlib.contextmanager
def _postgres_database(server: Server) -> Iterator[str]:
    import asyncio

    try:
        import asyncpg
        from sqlalchemy.engine import make_url

        from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
    except ImportError as exc:
        raise RuntimeError(f"PostgreSQL drivers missing: {exc}") from exc
    scheme, rest = POSTGRES_URL.split("://", 1)
    server_dsn = f"{scheme.split('+', 1)[0]}://{rest}"
    name = f"authsession_bench_{os.getpid()}_{server.workers}w"

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(server_dsn, timeout=5)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    async def create_schema(url: str) -> None:
        store = SQLAlchemyAdapter(url)
        try:
            await store.create_schema()
        finally:
            await store.close()

    try:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise RuntimeError(f"PostgreSQL is not reachable at {make_url(POSTGRES_URL)!r}: {exc}") from exc
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    try:
        asyncio.run(create_schema(url))
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _redis_cleanup(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
    except (redis.RedisError, OSError):
        pass
    finally:
        client.close()


# --- processes --------------------------------------------------------------------------------


@contextlib.contextmanager
def running(server: Server, workdir: Path) -> Iterator[tuple[str, int]]:
    """Start ``server`` on a free loopback port, yield its base URL and process id, then stop its
    process group."""
    port = nextjs_app.free_port()
    url = f"http://127.0.0.1:{port}"
    if server.command == "next":
        node = peers.node()
        try:
            nextjs_app.build(node)
        except nextjs_app.NextAppError as exc:
            raise peers.PeerMissing(str(exc)) from exc
        command = nextjs_app.start_command(node, port)
        cwd, env = nextjs_app.APP_DIR, nextjs_app.node_env(NEXTAUTH_URL=url, NEXTAUTH_SECRET=SECRET)
    else:
        command, env, cwd = _python_server(server, port, url, workdir)
    log = workdir / f"{server.key}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        nextjs_app.wait_ready(proc, url, log, START_TIMEOUT)
        if server.command != "next":
            _wait_for_workers(proc, log, server.workers)
        yield url, proc.pid
    finally:
        nextjs_app.stop(proc)


def _python_server(server: Server, port: int, url: str, workdir: Path) -> tuple[list[str], dict[str, str], Path]:
    root = server.checkout or ROOT
    database = str(workdir / f"{server.key}.sqlite3")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)]), **server.env}
    if server.command == "demo":
        env.update(PORT=str(port), DEMO_DB=database, AUTH_SECRET=SECRET, DEMO_WORKERS=str(server.workers))
        return [sys.executable, "-m", "examples.demo"], env, root
    env.update(BENCH_SECRET=SECRET, BENCH_URL=url, BENCH_DEMO_DB=database)
    command = [sys.executable, "-m", "uvicorn", "--factory", server.app, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(server.workers)]
    if server.app == DEMO_APP:
        # Its workers would race to create the tables of a new file: create them first.
        subprocess.run([sys.executable, "-c", _CREATE_DEMO_TABLES], cwd=root, env=env, check=True, timeout=120)
    else:
        command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    return command, env, root


DEMO_APP = "bench.apps.demo:create_app"
_CREATE_DEMO_TABLES = f"""
import asyncio
from {DEMO_APP.split(":")[0]} import create_app

async def start_up():
    app = create_app()
    async with app.router.lifespan_context(app):
        pass

asyncio.run(start_up())
"""


def _wait_for_workers(proc: subprocess.Popen[bytes], log: Path, workers: int) -> None:
    """Until every uvicorn worker has started: the first one answers long before the last."""
    deadline = time.monotonic() + START_TIMEOUT
    while log.read_text(errors="replace").count("Application startup complete") < workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{workers} workers did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


# --- a browser's cookie jar -------------------------------------------------------------------


class Jar:
    """Cookie name to raw value, updated from ``Set-Cookie`` the way a browser does."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def apply(self, response: httpx2.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            pair, *attributes = header.split(";")
            name, _, value = pair.partition("=")
            deleted = any(a.strip().lower() == "max-age=0" for a in attributes) or not value
            if deleted:
                self.values.pop(name.strip(), None)
            else:
                self.values[name.strip()] = value.strip()

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.values.items())

    def get(self, client: httpx2.Client, path: str) -> httpx2.Response:
        response = client.get(path, headers={"cookie": self.header()} if self.values else {})
        self.apply(response)
        return response


def password_sign_in_path(client: httpx2.Client) -> str:
    """Where the site's email and password form posts: its ``Password`` provider's callback (the
    demo's), or else its ``Credentials`` provider's (the twin's and the Next.js app's)."""
    providers = client.get("/api/auth/providers").json()
    provider = "password" if "password" in providers else "credentials"
    return f"/api/auth/callback/{provider}"


def sign_in(url: str, server: Server) -> str:
    """The ``Cookie`` header of a browser that signed in and then loaded a page."""
    jar = Jar()
    with httpx2.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        if server.session_cookie is not None:
            jar.values[server.session_cookie[0]] = server.session_cookie[1]
        else:
            csrf = jar.get(client, "/api/auth/csrf").json()["csrfToken"]
            data = {"csrfToken": csrf, "email": server.email, "password": server.password, "json": "true"}
            data["callbackUrl"] = f"{url}/profile"
            response = client.post(
                password_sign_in_path(client),
                data=data,
                headers={"cookie": jar.header(), "x-auth-return-redirect": "1"},
            )
            jar.apply(response)
            if response.status_code not in (200, 302) or not any("session-token" in n for n in jar.values):
                raise RuntimeError(f"{server.key}: sign-in failed ({response.status_code}): {response.text[:300]}")
        jar.get(client, "/api/auth/session")
        jar.get(client, "/profile")
    return jar.header()


def check(url: str, endpoint: Endpoint, cookie: str | None, server: Server) -> None:
    """One request before the run: the case must answer what a browser would see."""
    headers = {"cookie": cookie} if cookie else {}
    response = httpx2.get(url + endpoint.path, headers=headers, timeout=30)
    text = response.text
    if response.status_code != 200:
        raise RuntimeError(f"{server.key} {endpoint.key}: status {response.status_code}: {text[:300]}")
    if endpoint.key == "session" and server.email not in text:
        raise RuntimeError(f"{server.key}: /api/auth/session has no session: {text[:300]}")
    if endpoint.key == "profile" and f"Welcome, {server.name}!" not in text:
        raise RuntimeError(f"{server.key}: /profile is not signed in: {text[:300]}")
    if endpoint.key == "session-anon" and server.email in text:
        raise RuntimeError(f"{server.key}: the anonymous session is signed in")
    if endpoint.key == "profile-anon" and "Welcome" in text:
        raise RuntimeError(f"{server.key}: the anonymous profile is signed in")


# --- wrk --------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, cookie: str | None, connections: int, duration: float) -> dict[str, Any]:
    command = ["wrk", f"-t{min(WRK_THREADS, connections)}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    proc = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {proc.stderr}")
    out = proc.stdout
    result: dict[str, Any] = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "non_2xx": 0,
        "socket_errors": 0,
    }
    for pct in ("50", "99"):
        match = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.MULTILINE)
        result[f"p{pct}_ms"] = _ms(match.group(1)) if match else None
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result["non_2xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["socket_errors"] = sum(int(g) for g in match.groups())
    return result


# --- the run ----------------------------------------------------------------------------------


def main(
    duration: float,
    connections: list[int],
    only_servers: list[str] | None,
    only_endpoints: list[str] | None,
    out: Path,
    rounds: int = 1,
    base: Path | None = None,
) -> dict[str, Any]:
    """Start every server, then run each case on each server in turn, ``rounds`` times.

    Interleaving the servers spreads whatever else the machine is doing over all of them
    instead of charging it to one; with several rounds the report takes each case's median.
    ``base`` adds each server again running another checkout's code (:func:`baseline`).
    """
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    chosen = [s for s in servers() if only_servers is None or s.key in only_servers]
    if base is not None:
        chosen += baseline(chosen, base)
    endpoints = [e for e in ENDPOINTS if only_endpoints is None or e.key in only_endpoints]
    runs: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    warmup = min(2.0, duration)
    host_pauses = machine.pauses()
    print(machine.describe_pauses(host_pauses), flush=True)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="authsession-bench-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        live: list[tuple[Server, str, str]] = []
        for server in chosen:
            print(f"starting {server.label} ({server.key})", flush=True)
            try:
                ready = stack.enter_context(prepared(server))
                url, _ = stack.enter_context(running(ready, workdir))
                cookie = sign_in(url, ready)
                for endpoint in endpoints:
                    check(url, endpoint, cookie if endpoint.signed_in else None, ready)
                live.append((ready, url, cookie))
            except (peers.PeerMissing, RuntimeError, subprocess.TimeoutExpired, httpx2.HTTPError) as exc:
                print(f"   skipped: {exc}", flush=True)
                skipped.append({"server": server.key, "reason": str(exc)[:2000]})
        for endpoint in endpoints:
            for _, url, cookie in live:
                wrk(url + endpoint.path, cookie if endpoint.signed_in else None, max(connections), warmup)
            for conns in connections:
                for round_ in range(rounds):
                    for server, url, cookie in live:
                        sent = cookie if endpoint.signed_in else None
                        result = wrk(url + endpoint.path, sent, conns, duration)
                        case = {"server": server.key, "endpoint": endpoint.key, "connections": conns, "round": round_}
                        runs.append(case | result | {"load_average": os.getloadavg()[0]})
                        print(
                            f"   {server.key:16} {endpoint.key:13} c={conns:<3} {result['rps']:9.0f} req/s"
                            f"  p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms"
                            + (f"  non-2xx {result['non_2xx']}" if result["non_2xx"] else "")
                            + (f"  socket errors {result['socket_errors']}" if result["socket_errors"] else ""),
                            flush=True,
                        )
    result = {
        "duration_s": duration,
        "rounds": rounds,
        "wrk_threads": WRK_THREADS,
        "machine": machine.facts(),
        "host_pauses": host_pauses,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "servers": {s.key: s.label for s in chosen},
        "runs": runs,
        "skipped": skipped,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print_report(result)
    return result


def rounds_of(result: dict[str, Any]) -> dict[tuple[str, str, int], list[dict[str, Any]]]:
    """Every round's run per (server, endpoint, connections), in the order they ran."""
    grouped: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for run in result["runs"]:
        grouped.setdefault((run["server"], run["endpoint"], run["connections"]), []).append(run)
    return grouped


def cases(result: dict[str, Any]) -> dict[tuple[str, str, int], dict[str, Any]]:
    """One run per (server, endpoint, connections): the median-throughput one of its rounds."""
    grouped = rounds_of(result)
    return {key: sorted(found, key=lambda r: r["rps"])[(len(found) - 1) // 2] for key, found in grouped.items()}


def print_report(result: dict[str, Any]) -> None:
    found = cases(result)
    keys = [k for k in result["servers"] if any(key[0] == k for key in found)]
    rounds = result.get("rounds", 1)
    print(
        f"\nHTTP, wrk -t{result['wrk_threads']} on 127.0.0.1, {result['duration_s']:g} s per case"
        + (f", median of {rounds} interleaved rounds" if rounds > 1 else "")
        + "; requests/s (x = ratio to Next.js + next-auth in the same case)"
    )
    loads = [run["load_average"] for run in result["runs"] if "load_average" in run]
    if loads:
        print(f"1-minute load average during the runs: {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores")
    if "host_pauses" in result:
        print(machine.describe_pauses(result["host_pauses"]))
    jwt = [k for k in keys if k != "next" and not k.startswith(("db-", "demo"))]
    other = [k for k in keys if k.startswith(("db-", "demo"))]
    for title, group in (("JWT sessions", jwt), ("database sessions and the demo app", other)):
        if group:
            _tables(result, found, title, ["next", *group] if "next" in keys else group)
    _targets(result, found)
    for s in result["skipped"]:
        print(f"\nskipped {s['server']}: {s['reason'][:500]}")


def _tables(
    result: dict[str, Any], found: dict[tuple[str, str, int], dict[str, Any]], title: str, keys: list[str]
) -> None:
    head = "| endpoint | conns | " + " | ".join(result["servers"][k] for k in keys) + " |"
    rule = "\n|---|---:|" + "---:|" * len(keys)
    order = sorted({(e, c) for _, e, c in found}, key=lambda c: (_endpoint_order(c[0]), c[1]))
    print(f"\n{title}: requests/s\n\n{head}{rule}")
    for endpoint, conns in order:
        base = found.get(("next", endpoint, conns))
        cells = []
        for key in keys:
            run = found.get((key, endpoint, conns))
            if run is None:
                cells.append("-")
                continue
            cell = f"{run['rps']:,.0f}"
            if base is not None and key != "next":
                cell += f" ({run['rps'] / base['rps']:.1f}x)"
            if run["non_2xx"] or run["socket_errors"]:
                cell += " !"
            cells.append(cell)
        print(f"| {endpoint} | {conns} | " + " | ".join(cells) + " |")
    print(f"\n{title}: latency p50 / p99 ms\n\n{head}{rule}")
    for endpoint, conns in order:
        cells = []
        for key in keys:
            run = found.get((key, endpoint, conns))
            cells.append(f"{run['p50_ms']:.2f} / {run['p99_ms']:.2f} ({_tail(run):.1f}x)" if run else "-")
        print(f"| {endpoint} | {conns} | " + " | ".join(cells) + " |")


#: Issue 11's targets for the demo as shipped: its requests/s over Next.js + next-auth's in the same
#: case, per endpoint, and p99 over p50 at :data:`TAIL_CONNECTIONS`.
THROUGHPUT_TARGETS = {"session": 3.0, "profile": 5.0}
TAIL_TARGET = 5.0
TAIL_CONNECTIONS = 50


def _tail(run: dict[str, Any]) -> float:
    return float(run["p99_ms"] / run["p50_ms"]) if run["p50_ms"] else float("inf")


def _targets(result: dict[str, Any], found: dict[tuple[str, str, int], dict[str, Any]]) -> None:
    """Each target of the demo as shipped, met or not, from this run's median rounds."""
    demos = [key for key in result["servers"] if key.startswith("demo")]
    rounds = rounds_of(result)
    rows = []
    for key in demos:
        for endpoint, target in THROUGHPUT_TARGETS.items():
            for conns in sorted({c for server, e, c in found if server == key and e == endpoint}):
                case = (key, endpoint, conns)
                run, peer = found[case], found.get(("next", endpoint, conns))
                ratio = f"{run['rps'] / peer['rps']:.1f}x" if peer else "-"
                met = ("yes" if run["rps"] >= target * peer["rps"] else "**no**") if peer else "-"
                tail, tail_met = "", ""
                if conns == TAIL_CONNECTIONS:
                    tail = f"{_tail(run):.1f}x"
                    tails = [_tail(r) for r in rounds[case]]
                    if len(tails) > 1:
                        tail += f" ({min(tails):.1f}x to {max(tails):.1f}x)"
                    tail_met = "yes" if _tail(run) <= TAIL_TARGET else "**no**"
                spread = _round_ratios(rounds[case], rounds.get(("next", endpoint, conns), []))
                each = f"{min(spread):.1f}x to {max(spread):.1f}x" if len(spread) > 1 else ""
                rows.append(
                    f"| {key} | {endpoint} | {conns} | {ratio} | {each} | {target:g}x | {met} | {tail} | {tail_met} |"
                )
    if not rows:
        return
    print(
        f"\nTargets of the demo as shipped (issue 11): at least {THROUGHPUT_TARGETS['session']:g}x Next.js's"
        f" requests/s on the session endpoint and {THROUGHPUT_TARGETS['profile']:g}x on the profile page;"
        f" p99 at most {TAIL_TARGET:g}x p50 at {TAIL_CONNECTIONS} connections\n"
    )
    print("| server | endpoint | conns | x Next.js | each round | target | met | p99 / p50 (each round) | met |")
    print("|---|---|---:|---:|---:|---:|---|---:|---|\n" + "\n".join(rows))


def _round_ratios(runs: list[dict[str, Any]], peer_runs: list[dict[str, Any]]) -> list[float]:
    """The server's requests/s over Next.js's in each round, from runs made one after the other:
    how far the verdict of the median moves with the machine's noise."""
    peer = {run.get("round", 0): run["rps"] for run in peer_runs}
    return [run["rps"] / peer[run.get("round", 0)] for run in runs if peer.get(run.get("round", 0))]


def _endpoint_order(key: str) -> int:
    return [e.key for e in ENDPOINTS].index(key)
