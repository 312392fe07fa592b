"""The pinned Next.js 14 + next-auth 4 app in ``tests/node/nextjs``: build it, start it, stop it.

One module for the interop tests (``tests/interop/conftest.py``) and the HTTP benchmark
(``bench/http.py``), so both build the same way and share one build: ``next build`` is skipped
while ``.next`` holds a stamp of the current sources. Errors are :class:`NextAppError`; callers
turn them into a test failure or a benchmark message.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

APP_DIR = Path(__file__).parent / "node" / "nextjs"
#: Inside ``.next`` so that deleting the build deletes the stamp.
STAMP = APP_DIR / ".next" / "authsession-build-stamp"
BUILD_TIMEOUT = 300
#: Variables that would change what next-auth or Next.js does; the server gets only the caller's.
CLEARED_ENV = (
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


class NextAppError(RuntimeError):
    """The app could not be built or did not come up."""


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
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(NEXT_TELEMETRY_DISABLED="1", **extra)
    return env


def build(node: str) -> None:
    """``next build`` unless the stamp says the current sources are already built."""
    wanted = source_hash()
    # A lock, so two processes (pytest, the benchmark) do not build into the same .next at once.
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
            raise NextAppError(f"next build failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        STAMP.write_text(wanted)


def start_command(node: str, port: int) -> list[str]:
    return [node, "node_modules/next/dist/bin/next", "start", "-p", str(port), "-H", "127.0.0.1"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    """Poll ``<url>/api/auth/providers`` until it answers 200 (both our apps and Next.js serve it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise NextAppError(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/api/auth/providers", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise NextAppError(f"the server was not ready after {timeout} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started with ``start_new_session=True`` and everything in its process group."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    # Workers (uvicorn's, Next's) share the group; make sure none outlives the leader.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
