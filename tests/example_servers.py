"""The examples under real servers, as their READMEs say to run them: one command per (example,
server), started in a subprocess on a free loopback port, for the tests that drive them over HTTP
or in Chromium."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import IO

from helpers import requires
from oauth.app import listening_socket

ROOT = Path(__file__).resolve().parents[1]

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
