"""The pinned Next.js apps under ``tests/node``: build them, start them, stop them; and their
Python twin (:func:`twin_app`), with the same users, callbacks and pages.

``tests/node/nextjs`` (:data:`APP_DIR`) is Next.js 14 + next-auth 4 with the Pages Router;
``tests/node/nextjs15`` (:data:`APP15_DIR`) is Next.js 15 + next-auth 5 with the App Router, the
same users and callbacks, and database sessions through ``@auth/pg-adapter`` when started with
``DATABASE_URL``.

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
from html import escape
from pathlib import Path
from typing import Any

import httpx2
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse

from authsession import AuthOptions, get_server_session
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Credentials
from authsession.types import User

APP_DIR = Path(__file__).parent / "node" / "nextjs"
APP15_DIR = Path(__file__).parent / "node" / "nextjs15"
#: Inside ``.next`` so that deleting the build deletes the stamp.
STAMP_NAME = "authsession-build-stamp"
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


def source_hash(app_dir: Path = APP_DIR) -> str:
    """A hash of everything ``next build`` reads: the app's files but its packages and dotfiles."""
    digest = hashlib.sha256()
    top = [p for p in app_dir.iterdir() if p.name != "node_modules" and not p.name.startswith(".")]
    files = sorted(f for p in top for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
    for path in files:
        digest.update(str(path.relative_to(app_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def node_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(NEXT_TELEMETRY_DISABLED="1", **extra)
    return env


def build(node: str, app_dir: Path = APP_DIR) -> None:
    """``next build`` unless the stamp says the current sources are already built."""
    wanted = source_hash(app_dir)
    stamp = app_dir / ".next" / STAMP_NAME
    # A lock, so two processes (pytest, the benchmark) do not build into the same .next at once.
    with (app_dir / ".build-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text() == wanted:
            return
        proc = subprocess.run(
            [node, "node_modules/next/dist/bin/next", "build"],
            cwd=app_dir,
            env=node_env(),
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            raise NextAppError(f"next build failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        stamp.write_text(wanted)


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
        with contextlib.suppress(httpx2.TransportError):
            if httpx2.get(f"{url}/api/auth/providers", timeout=2).status_code == 200:
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


# --- the Python twin: the same users, callbacks and pages as tests/node/nextjs -------------------

PASSWORD = "correct-horse"
ADA = {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com"}
#: Signing in as Babbage adds a large claim, so his session cookie is chunked (.0, .1).
BABBAGE = {"id": "2", "name": "Charles Babbage", "email": "babbage@example.com"}
USERS = {user["email"]: user for user in (ADA, BABBAGE)}
BIG_CLAIM_LENGTH = 5000
LOGGED_OUT = "You must be logged in to view this page."


def authorize(credentials: dict[str, Any]) -> User | None:
    user = USERS.get(credentials.get("email", ""))
    if user is not None and credentials.get("password") == PASSWORD:
        return User(id=user["id"], name=user["name"], email=user["email"])
    return None


def jwt_callback(token: dict[str, Any], user: dict[str, Any] | None = None) -> dict[str, Any]:
    if user is not None and user.get("id") == "2":
        token["notes"] = "n" * BIG_CLAIM_LENGTH
    return token


def session_callback(session: dict[str, Any], token: dict[str, Any] | None = None) -> dict[str, Any]:
    if token is not None and isinstance(token.get("notes"), str):
        session["notesLength"] = len(token["notes"])
    return session


def twin_options(*, secret: str, url: str | None, credentials: bool = True, **options: Any) -> AuthOptions:
    """The Next.js app's next-auth options in Python (v4, JWT unless ``options`` say otherwise).

    Like next-auth, the JWT is re-encrypted on every read (``refresh_threshold=None``), so the
    interop tests can compare each read's cookies with the Next.js app's.
    """
    providers = [
        Credentials(
            authorize=authorize,
            credentials={
                "email": {"label": "Email", "type": "email"},
                "password": {"label": "Password", "type": "password"},
            },
        )
    ]
    options.setdefault("format", "v4")
    options.setdefault("session", {"strategy": "jwt", "refresh_threshold": None})
    return AuthOptions(
        secret=secret,
        url=url,
        providers=providers if credentials else [],
        callbacks={"jwt": jwt_callback, "session": session_callback},
        **options,
    )


def twin_app(options: AuthOptions, **fastapi: Any) -> FastAPI:
    """The Next.js app's pages in FastAPI: the seed's ``/profile`` and ``/api/me``."""
    app = FastAPI(**fastapi)
    AuthSession(app, options)

    @app.get("/profile", response_class=HTMLResponse)
    async def profile(request: Request, response: Response) -> str:
        session = await get_server_session(request, response, options)
        if session is None:
            return f"<p>{LOGGED_OUT}</p>"
        user = session["user"]
        return (
            f"<main><h1>Welcome, {escape(str(user.get('name')))}!</h1>"
            f"<p>Your email is {escape(str(user.get('email')))}</p></main>"
        )

    @app.get("/api/me")
    async def me(request: Request, response: Response) -> dict[str, Any]:
        session = await get_server_session(request, response, options)
        return {"userEmail": session["user"].get("email") if session else None}

    return app
