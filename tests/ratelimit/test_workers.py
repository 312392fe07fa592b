"""The limit holds across processes: two uvicorn workers sharing Redis refuse an account's sixth
failed sign-in in a minute whichever worker gets it (with in-memory counters each worker would
allow five)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from adapters.conftest import RUN_ID
from helpers import wait_until_answering
from oauth.app import listening_socket
from ratelimit.worker_app import LIMIT

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def workers(redis_url: str) -> Iterator[str]:
    with listening_socket() as probe:
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "RATELIMIT_REDIS_URL": redis_url,
        "RATELIMIT_PREFIX": f"authsession-test:{RUN_ID}:{secrets.token_hex(4)}",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "ratelimit.worker_app:create_app"]
    command += ["--app-dir", str(TESTS), "--workers", "2", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(server, f"{url}/api/auth/csrf")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


def attempt(url: str) -> httpx2.Response:
    # A new connection each time, so the kernel spreads them over both workers.
    with httpx2.Client(base_url=url, follow_redirects=False, timeout=10) as client:
        csrf = client.get("/api/auth/csrf").json()["csrfToken"]
        form = {"email": "victim@example.com", "password": secrets.token_hex(4), "csrfToken": csrf}
        return client.post("/api/auth/callback/credentials", data=form)


def test_two_workers_share_the_limit_through_redis(workers: str) -> None:
    outcomes: Counter[str] = Counter()
    served_by: Counter[str] = Counter()
    for _ in range(200):
        response = attempt(workers)
        assert response.status_code == 302
        limited = "code=rate_limited" in response.headers["location"]
        outcomes["limited" if limited else "guessed"] += 1
        served_by[response.headers["x-worker-pid"]] += 1
        if limited:
            assert int(response.headers["retry-after"]) >= 1
        if len(served_by) == 2 and outcomes["limited"] >= 10:
            break
    assert len(served_by) == 2, f"one worker served everything: {served_by}"
    assert outcomes["guessed"] == LIMIT, outcomes
