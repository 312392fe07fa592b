"""``DEMO_WORKERS=2 make demo``: two uvicorn worker processes serve one demo, and a browser signed in
on one is signed in on the other, even with the random secret of a demo started without
``AUTH_SECRET``. The console shows the sign-in links, so it carries no line per request."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from helpers import children_of, requires
from oauth.app import listening_socket

ROOT = Path(__file__).resolve().parents[2]
READS = 30


def start_demo(tmp_path: Path, workers: int) -> tuple[subprocess.Popen[str], str, Path]:
    with listening_socket() as probe:
        port = probe.getsockname()[1]
    log = tmp_path / "demo.log"
    drop = ("AUTH_SECRET", "NEXTAUTH_SECRET", "AUTH_URL", "NEXTAUTH_URL", "SMTP_URL", "EMAIL_SERVER", "DEMO_ACCESS_LOG")
    env = {
        **{k: v for k, v in os.environ.items() if k not in drop},
        "PORT": str(port),
        "DEMO_DB": str(tmp_path / "demo.sqlite3"),
        "DEMO_WORKERS": str(workers),
        "DEMO_LOCAL_OIDC": "0",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "examples.demo"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    return demo, f"http://127.0.0.1:{port}", log


def wait_for_workers(demo: subprocess.Popen[str], log: Path, workers: int) -> None:
    deadline = time.monotonic() + 90
    while log.read_text().count("Application startup complete") < workers:
        assert demo.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def sign_in(url: str) -> dict[str, str]:
    with httpx2.Client(base_url=url, timeout=30) as client:
        csrf = client.get("/api/auth/csrf")
        form = {"csrfToken": csrf.json()["csrfToken"], "email": "demo@example.com", "password": "demo-password"}
        # The demo's email and password form: its Password provider's, or its Credentials provider's.
        provider = "password" if "password" in client.get("/api/auth/providers").json() else "credentials"
        client.post(f"/api/auth/callback/{provider}", data=form)
        return dict(client.cookies)


def test_two_workers_share_one_session_and_log_no_requests(tmp_path: Path) -> None:
    requires(sys.platform == "linux", "reads /proc to count the worker processes")
    demo, url, log = start_demo(tmp_path, workers=2)
    try:
        wait_for_workers(demo, log, 2)
        assert "workers       2" in log.read_text()
        workers = [pid for pid in children_of(demo.pid) if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) == 2, log.read_text()

        cookies = sign_in(url)
        assert "authjs.session-token" in cookies
        # Each read on a new connection, which either worker may accept.
        for _ in range(READS):
            response = httpx2.get(f"{url}/api/me", cookies=cookies, timeout=30)
            assert response.json() == {"userEmail": "demo@example.com"}
        assert "GET /api/me" not in log.read_text()
    finally:
        demo.terminate()
        try:
            demo.wait(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(demo.pid, signal.SIGKILL)
