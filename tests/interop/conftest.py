"""A real Next.js 14 + next-auth 4 server (``tests/node/nextjs``) for the session interop tests.

``nextjs_server`` builds the app once (``next build``, skipped when ``.next`` holds a stamp of
the current sources), starts ``next start`` on a free 127.0.0.1 port and yields its base URL.
``nextjs_oidc`` does the same with a real OpenID Provider (``tests/oidc_provider.py``) that
both Next.js and a Python app can sign in through: next-auth's ``local`` OAuth provider is on
only when ``OIDC_ISSUER`` and the client's variables are passed. Both sides use ``peers.SECRET``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import requires
from nextjs_app import APP_DIR, NextAppError, build, free_port, node_env, start_command, stop, wait_ready
from oidc_provider import ProviderProcess, oidc_node

from .peers import SECRET, OIDCInterop

#: ``oidc_node`` is a fixture from tests/oidc_provider.py, made available to this folder.
__all__ = ["nextjs_oidc", "nextjs_server", "oidc_node"]

START_TIMEOUT = 30


def nextjs_node() -> str:
    """Node, with the app's npm packages installed and the app built."""
    node = shutil.which("node")
    requires(node is not None, "Node.js is not installed")
    assert node is not None
    requires(
        (APP_DIR / "node_modules" / "next").is_dir(),
        f"npm packages missing: run `npm ci` in {os.path.relpath(APP_DIR)} (or `make node`)",
    )
    try:
        build(node)
    except NextAppError as exc:
        pytest.fail(str(exc), pytrace=False)
    return node


@contextlib.contextmanager
def running_nextjs(node: str, port: int, log: Path, **env: str) -> Iterator[str]:
    """``next start`` on 127.0.0.1:``port`` with ``env`` added; yields its base URL."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            start_command(node, port),
            cwd=APP_DIR,
            env=node_env(NEXTAUTH_URL=url, NEXTAUTH_SECRET=SECRET, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_ready(proc, url, log, START_TIMEOUT)
        except NextAppError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def nextjs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running Next.js app whose next-auth uses :data:`SECRET`."""
    node = nextjs_node()
    log = tmp_path_factory.mktemp("nextjs") / "next-start.log"
    with running_nextjs(node, free_port(), log) as url:
        yield url


@pytest.fixture(scope="session")
def nextjs_oidc(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCInterop]:
    """Next.js with next-auth's ``local`` OIDC provider on, the provider, and a socket for Python."""
    node = nextjs_node()
    logs = tmp_path_factory.mktemp("nextjs-oidc")
    python_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    python_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    python_socket.bind(("127.0.0.1", 0))
    port = free_port()
    python_url = f"http://127.0.0.1:{python_socket.getsockname()[1]}"
    uris = [f"{origin}/api/auth/callback/local" for origin in (python_url, f"http://127.0.0.1:{port}")]
    process = ProviderProcess(oidc_node, uris, logs / "provider.log")
    try:
        op = process.start()
        client = op.confidential
        env = {
            "OIDC_ISSUER": op.issuer,
            "OIDC_CLIENT_ID": client.client_id,
            "OIDC_CLIENT_SECRET": client.client_secret or "",
        }
        with running_nextjs(node, port, logs / "next-start.log", **env) as url:
            yield OIDCInterop(op, url, python_socket)
    finally:
        process.stop()
        python_socket.close()
