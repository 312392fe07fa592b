"""A real Next.js 14 + next-auth 4 server (``tests/node/nextjs``) for the session interop tests.

``nextjs_server`` builds the app once (``next build``, skipped when ``.next`` holds a stamp of
the current sources), starts ``next start`` on a free 127.0.0.1 port and yields its base URL.
``nextjs_oidc`` does the same with a real OpenID Provider (``tests/oidc_provider.py``) that
both Next.js and a Python app can sign in through: next-auth's ``local`` OAuth provider is on
only when ``OIDC_ISSUER`` and the client's variables are passed. Both sides use :data:`SECRET`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import NODE_DIR, requires
from oidc_provider import OpenIDProvider, ProviderProcess, oidc_node

__all__ = ["SECRET", "OIDCInterop", "nextjs_oidc", "nextjs_server", "oidc_node"]

APP_DIR = NODE_DIR / "nextjs"
SECRET = "interop-secret-4f0c2b8e9d1a7c3e5b6f8a0d2c4e6a8b"
#: Inside ``.next`` so that deleting the build deletes the stamp.
STAMP = APP_DIR / ".next" / "authsession-build-stamp"
BUILD_TIMEOUT = 180
START_TIMEOUT = 30
#: Variables that would change what next-auth or Next.js does; the server gets only ours.
_CLEARED_ENV = (
    "AUTH_SECRET",
    "NEXTAUTH_SECRET",
    "NEXTAUTH_URL",
    "AUTH_URL",
    "VERCEL",
    "AUTH_TRUST_HOST",
    "PORT",
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
)


def source_hash() -> str:
    """A hash of everything ``next build`` reads: the lock, the config and the pages."""
    digest = hashlib.sha256()
    files = [APP_DIR / "package.json", APP_DIR / "package-lock.json", APP_DIR / "next.config.js"]
    files += sorted(p for p in (APP_DIR / "pages").rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(APP_DIR)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def node_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED_ENV}
    env.update(NEXT_TELEMETRY_DISABLED="1", **extra)
    return env


def build(node: str) -> None:
    """``next build`` unless the stamp says the current sources are already built."""
    wanted = source_hash()
    # A lock, so two pytest processes do not build into the same .next at once.
    with (APP_DIR / ".build-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if STAMP.is_file() and STAMP.read_text() == wanted:
            return
        proc = subprocess.run(
            [node, "node_modules/next/dist/bin/next", "build"],
            cwd=APP_DIR,
            env=node_env(),
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            pytest.fail(f"next build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}", pytrace=False)
        STAMP.write_text(wanted)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"next start exited with {proc.returncode}:\n{log.read_text()}", pytrace=False)
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/api/auth/providers", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"next start was not ready after {START_TIMEOUT} s:\n{log.read_text()}", pytrace=False)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and anything it spawned: it leads its own process group."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def nextjs_node() -> str:
    """Node, with the app's npm packages installed and the app built."""
    node = shutil.which("node")
    requires(node is not None, "Node.js is not installed")
    assert node is not None
    requires(
        (APP_DIR / "node_modules" / "next").is_dir(),
        f"npm packages missing: run `npm ci` in {os.path.relpath(APP_DIR)} (or `make node`)",
    )
    build(node)
    return node


@contextlib.contextmanager
def running_nextjs(node: str, port: int, log: Path, **env: str) -> Iterator[str]:
    """``next start`` on 127.0.0.1:``port`` with ``env`` added; yields its base URL."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [node, "node_modules/next/dist/bin/next", "start", "-p", str(port), "-H", "127.0.0.1"],
            cwd=APP_DIR,
            env=node_env(NEXTAUTH_URL=url, NEXTAUTH_SECRET=SECRET, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_ready(proc, url, log)
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


@dataclass(frozen=True)
class OIDCInterop:
    """A running OpenID Provider, and a Next.js app that signs in through it as ``local``.

    ``python_socket`` is bound (not yet serving) for the Python app, whose
    ``/api/auth/callback/local`` the provider accepts too; the provider's confidential client
    is the one both apps use.
    """

    op: OpenIDProvider
    nextjs_url: str
    python_socket: socket.socket

    @property
    def python_url(self) -> str:
        return f"http://127.0.0.1:{self.python_socket.getsockname()[1]}"


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
