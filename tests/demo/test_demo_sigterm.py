"""``make demo`` stopped with SIGTERM (``docker stop``, systemd, a process manager) takes its
local OIDC provider down with it. GNU make forwards SIGTERM to the command it runs, so the test
starts that command, ``python -m examples.demo``, and sends it SIGTERM."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from examples.demo import local_oidc

from helpers import children_of, requires
from oauth.app import listening_socket

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_LINE = re.compile(r"local OIDC .*\(provider (http://127\.0\.0\.1:\d+)\)")


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_stops_the_demo_and_its_oidc_provider(tmp_path: Path) -> None:
    requires(sys.platform == "linux", "reads /proc to find the provider process")
    requires(shutil.which("node") is not None, "Node.js is not installed")
    requires(
        (local_oidc.OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
        "oidc-provider missing: run `npm ci` in tests/node/oidc (or `make node`)",
    )
    with listening_socket() as probe:
        port = probe.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("AUTH_URL", "NEXTAUTH_URL", "SMTP_URL", "EMAIL_SERVER")},
        "PORT": str(port),
        "DEMO_DB": str(tmp_path / "demo.sqlite3"),
        "AUTH_SECRET": "sigterm-test-secret-0123456789abcdef",
        "PYTHONUNBUFFERED": "1",
    }
    demo = subprocess.Popen(
        [sys.executable, "-m", "examples.demo"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    provider = None
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 60
        issuer = None
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output.append(line)
            if match := PROVIDER_LINE.search(line):
                issuer = match.group(1)
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
        assert issuer is not None, "".join(output)
        (provider,) = children_of(demo.pid)
        assert alive(provider)

        demo.send_signal(signal.SIGTERM)
        output.append(demo.communicate(timeout=30)[0])
        for _ in range(50):
            if not alive(provider):
                break
            time.sleep(0.1)
        assert not alive(provider), f"the OIDC provider (pid {provider}) outlived the demo:\n{''.join(output)}"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        if provider is not None and alive(provider):
            os.killpg(provider, signal.SIGKILL)  # it leads its own process group
