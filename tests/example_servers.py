"""The examples under real servers, as their READMEs say to run them: one command per (example,
server), started in a subprocess on a free loopback port, for the tests that drive them over HTTP
or in Chromium."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import IO

import httpx2

from helpers import requires
from oauth.app import listening_socket

ROOT = Path(__file__).resolve().parents[1]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CSRF = re.compile(r'name="csrfToken" value="([0-9a-f]{64})"')

#: The arguments after ``python`` for each (example, server); ``{port}`` is the port to listen on.
#: The demo and the Litestar example read ``HOST`` and ``PORT`` themselves (``python -m examples.demo``).
SERVERS = {
    "demo-uvicorn": ["-m", "examples.demo"],
    "litestar-uvicorn": ["-m", "examples.litestar_app"],
    "flask-waitress": ["-m", "waitress", "--listen=127.0.0.1:{port}", "--call", "examples.flask_app:create_app"],
    "django-uvicorn": [
        "-m",
        "uvicorn",
        "--host=127.0.0.1",
        "--port={port}",
        "--lifespan=off",
        "examples.django_app.asgi:application",
    ],
    "django-waitress": ["-m", "waitress", "--listen=127.0.0.1:{port}", "examples.django_app.wsgi:application"],
}


def requires_waitress() -> None:
    requires(importlib.util.find_spec("waitress") is not None, "waitress is not installed: pip install waitress")


def free_port() -> int:
    with listening_socket() as probe:
        port: int = probe.getsockname()[1]
        return port


def start_example(
    server: str, port: int, env: dict[str, str], output: IO[str] | int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """Start ``server`` (a key of :data:`SERVERS`) on ``port`` with ``env``.

    It is not waited for (``helpers.wait_until_answering``), so several can start side by side;
    its output goes to ``output`` (a pipe by default, which :func:`stop` closes).
    """
    command = [sys.executable, *(arg.format(port=port) for arg in SERVERS[server])]
    return subprocess.Popen(
        command, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=output, stderr=subprocess.STDOUT, text=True
    )


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


def check_demo_user_pages_then_sign_out(client: httpx2.Client) -> None:
    """The seed's pages for the signed-in demo account, then a sign-out with the profile page's
    CSRF token, after which ``/api/me`` knows nobody."""
    profile = client.get("/profile").text
    assert "Welcome, Demo User!" in profile
    assert "Your email is demo@example.com" in profile
    assert client.get("/api/me").json() == {"userEmail": "demo@example.com"}
    token = CSRF.search(profile)
    assert token is not None
    signed_out = client.post("/api/auth/signout", data={"csrfToken": token.group(1)})
    assert signed_out.status_code == 302
    assert client.get("/api/me").json() == {"userEmail": None}
