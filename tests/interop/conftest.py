"""Real Next.js servers for the session interop tests.

Next.js 14 + next-auth 4 (``tests/node/nextjs``): ``nextjs_server`` builds the app once
(``next build``, skipped when ``.next`` holds a stamp of the current sources), starts
``next start`` on a free 127.0.0.1 port and yields its base URL. ``nextjs_oidc`` does the same
with a real OpenID Provider (``tests/oidc_provider.py``) that both Next.js and a Python app can
sign in through: next-auth's ``local`` OAuth provider is on only when ``OIDC_ISSUER`` and the
client's variables are passed.

Next.js 15 + next-auth 5 (``tests/node/nextjs15``): ``nextjs15_oidc`` serves JWT sessions with
the credentials provider and the OpenID Provider's ``local`` and ``defect-<d>`` providers
(``nextjs15_server`` is its URL); ``nextjs15_database`` serves database sessions through
``@auth/pg-adapter`` on a PostgreSQL database of its own (whose Auth.js tables authsession's
SQLAlchemy adapter creates), signing in through the OpenID Provider. Next.js calls its own host
``localhost`` (it rewrites ``127.0.0.1``), so these apps get ``AUTH_URL=http://localhost:PORT``
and are addressed by that. All apps use ``peers.SECRET``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from helpers import driver_dsn, postgres_database, requires
from nextjs_app import (
    APP15_DIR,
    APP_DIR,
    NextAppError,
    build,
    free_port,
    node_env,
    start_command,
    stop,
    wait_ready,
)
from oauth.app import redirect_uris
from oidc_provider import OpenIDProvider, ProviderProcess, oidc_node

from .peers import SECRET, DatabaseInterop, OIDCInterop

#: ``oidc_node`` is a fixture from tests/oidc_provider.py, made available to this folder.
__all__ = ["nextjs15_database", "nextjs15_oidc", "nextjs15_server", "nextjs_oidc", "nextjs_server", "oidc_node"]

START_TIMEOUT = 30


def nextjs_node(app_dir: Path = APP_DIR) -> str:
    """Node, with the app's npm packages installed and the app built."""
    node = shutil.which("node")
    requires(node is not None, "Node.js is not installed")
    assert node is not None
    requires(
        (app_dir / "node_modules" / "next").is_dir(),
        f"npm packages missing: run `npm ci` in {os.path.relpath(app_dir)} (or `make node`)",
    )
    try:
        build(node, app_dir)
    except NextAppError as exc:
        pytest.fail(str(exc), pytrace=False)
    return node


@contextlib.contextmanager
def running_nextjs(node: str, app_dir: Path, port: int, log: Path, env: dict[str, str]) -> Iterator[None]:
    """``next start`` for ``app_dir`` on 127.0.0.1:``port`` with ``env`` added, until the block ends."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            start_command(node, port),
            cwd=app_dir,
            env=node_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_ready(proc, f"http://127.0.0.1:{port}", log, START_TIMEOUT)
        except NextAppError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield
    finally:
        stop(proc)


@contextlib.contextmanager
def running_nextjs14(node: str, port: int, log: Path, **env: str) -> Iterator[str]:
    """The Next.js 14 app on ``port`` (next-auth 4's variables); yields its base URL."""
    url = f"http://127.0.0.1:{port}"
    with running_nextjs(node, APP_DIR, port, log, {"NEXTAUTH_URL": url, "NEXTAUTH_SECRET": SECRET, **env}):
        yield url


@contextlib.contextmanager
def running_nextjs15(node: str, port: int, log: Path, **env: str) -> Iterator[str]:
    """The Next.js 15 app on ``port`` (Auth.js 5's variables); yields its base URL."""
    url = f"http://localhost:{port}"
    with running_nextjs(node, APP15_DIR, port, log, {"AUTH_URL": url, "AUTH_SECRET": SECRET, **env}):
        yield url


def oidc_env(op: OpenIDProvider) -> dict[str, str]:
    """What turns on the apps' ``local`` provider: the issuer and the confidential client."""
    client = op.confidential
    return {
        "OIDC_ISSUER": op.issuer,
        "OIDC_CLIENT_ID": client.client_id,
        "OIDC_CLIENT_SECRET": client.client_secret or "",
    }


def python_listening_socket() -> socket.socket:
    """A bound (not yet serving) 127.0.0.1 socket for a Python app the OpenID Provider must know."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def nextjs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running Next.js 14 app whose next-auth uses :data:`SECRET`."""
    node = nextjs_node()
    log = tmp_path_factory.mktemp("nextjs") / "next-start.log"
    with running_nextjs14(node, free_port(), log) as url:
        yield url


@pytest.fixture(scope="session")
def nextjs_oidc(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCInterop]:
    """Next.js 14 with next-auth's ``local`` OIDC provider on, the provider, and a socket for Python."""
    node = nextjs_node()
    logs = tmp_path_factory.mktemp("nextjs-oidc")
    python_socket = python_listening_socket()
    port = free_port()
    python_url = f"http://127.0.0.1:{python_socket.getsockname()[1]}"
    uris = [f"{origin}/api/auth/callback/local" for origin in (python_url, f"http://127.0.0.1:{port}")]
    process = ProviderProcess(oidc_node, uris, logs / "provider.log")
    try:
        op = process.start()
        with running_nextjs14(node, port, logs / "next-start.log", **oidc_env(op)) as url:
            yield OIDCInterop(op, url, python_socket)
    finally:
        process.stop()
        python_socket.close()


async def create_schema(database_url: str) -> None:
    adapter = SQLAlchemyAdapter(database_url)
    try:
        await adapter.create_schema()
    finally:
        await adapter.close()


@pytest.fixture(scope="session")
def nextjs15_database(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseInterop]:
    """Next.js 15 with database sessions on a fresh PostgreSQL database, the provider, a socket for Python."""
    node = nextjs_node(APP15_DIR)
    logs = tmp_path_factory.mktemp("nextjs15-database")
    with postgres_database(f"authsession_nextjs15_{os.getpid()}_{secrets.token_hex(4)}") as database_url:
        asyncio.run(create_schema(database_url))
        python_socket = python_listening_socket()
        port = free_port()
        origins = (f"http://localhost:{python_socket.getsockname()[1]}", f"http://localhost:{port}")
        process = ProviderProcess(oidc_node, [f"{o}/api/auth/callback/local" for o in origins], logs / "provider.log")
        try:
            op = process.start()
            env = {**oidc_env(op), "DATABASE_URL": driver_dsn(database_url)}
            with running_nextjs15(node, port, logs / "next-start.log", **env) as url:
                yield DatabaseInterop(op, url, python_socket, database_url, host="localhost")
        finally:
            process.stop()
            python_socket.close()


@pytest.fixture(scope="session")
def nextjs15_oidc(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCInterop]:
    """Next.js 15 (JWT sessions) signing in through the provider, which knows both apps' callbacks."""
    node = nextjs_node(APP15_DIR)
    logs = tmp_path_factory.mktemp("nextjs15-oidc")
    python_socket = python_listening_socket()
    port = free_port()
    origins = (f"http://localhost:{python_socket.getsockname()[1]}", f"http://localhost:{port}")
    process = ProviderProcess(oidc_node, [uri for o in origins for uri in redirect_uris(o)], logs / "provider.log")
    try:
        op = process.start()
        with running_nextjs15(node, port, logs / "next-start.log", **oidc_env(op)) as url:
            yield OIDCInterop(op, url, python_socket, host="localhost")
    finally:
        process.stop()
        python_socket.close()


@pytest.fixture(scope="session")
def nextjs15_server(nextjs15_oidc: OIDCInterop) -> str:
    """The base URL of the Next.js 15 app with JWT sessions (credentials, and the OIDC providers)."""
    return nextjs15_oidc.nextjs_url
