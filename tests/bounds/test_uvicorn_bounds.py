"""Proof of boundedness (issue 9 item 9), over the wire against a real uvicorn worker.

One uvicorn process (httptools, which accepts a Cookie header of a megabyte) serves
``tests.bounds.app`` on a random loopback port. Each attack sends 300 requests of about a
megabyte, each one distinct so no cache can fold them; the worker's resident memory
(``VmRSS`` in ``/proc/<pid>/status``) must stay flat after a warm-up, and no request may get a
5xx. A second test measures ``GET /api/auth/csrf`` while oversized bodies arrive and compares
it with its own baseline from the same run, so a slow machine slows both.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from nextjs_app import free_port, stop, wait_ready

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bounds-secret-0123456789abcdef0123456789abcdef"
MB = 1024 * 1024
KB = 1024
REQUESTS = 300
WARM_UP = 40
#: Growth of the worker's RSS allowed over 300 requests of one attack, after warm-up.
FLAT_MB = 6.0

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/<pid>/status (Linux)")


@dataclass(frozen=True)
class Worker:
    url: str
    port: int
    pid: int

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS line")


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.bounds.app:create_app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": python_path, "BOUNDS_SECRET": SECRET}
    for name in ("AUTH_URL", "NEXTAUTH_URL", "AUTH_TRUST_HOST"):
        env.pop(name, None)
    log = tmp_path_factory.mktemp("bounds") / "uvicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_ready(proc, url, log, 60)
        yield Worker(url=url, port=port, pid=proc.pid)
    finally:
        stop(proc)


def exchange(port: int, request: bytes) -> int:
    """Send one raw request, return the response status (0 when the server closed before answering
    all of it: it may refuse a body without reading it, and the close then resets the socket)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0


def http_request(
    method: str, path: str, *, body: bytes = b"", content_type: str = "", cookie: str = "", declare_length: bool = True
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if method == "POST":
        if declare_length:
            lines.append(f"Content-Length: {len(body)}")
        else:
            lines.append("Transfer-Encoding: chunked")
            body = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_token(i: int, size: int) -> str:
    header = b64url(json.dumps({"alg": "dir", "enc": "A256CBC-HS512", "kid": f"{i}", "x": "y" * size}).encode())
    return f"{header}..{b64url(bytes(16))}.{b64url(bytes(32))}.{b64url(bytes(32))}"


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

#: name -> (request i -> raw request). The megabyte kinds, then the same attacks just under the
#: bounds, where the request is parsed and a cache would have kept it.
ATTACKS: dict[str, Callable[[int], bytes]] = {
    "callbackUrl 1 MB in a POST body": lambda i: http_request(
        "POST", "/api/auth/signout", content_type=FORM, body=f"callbackUrl=/{i}/".encode() + b"x" * MB
    ),
    "callbackUrl 60 KB in a POST body": lambda i: http_request(
        "POST",
        "/api/auth/signout",
        content_type=FORM,
        body=f"callbackUrl=/{i}/".encode() + b"x" * 60 * KB,
    ),
    "forged JWE header 1 MB in the session cookie": lambda i: http_request(
        "GET", "/me", cookie=f"authjs.session-token={forged_token(i, 3 * MB // 4)}"
    ),
    "forged JWE header 45 KB in the session cookie": lambda i: http_request(
        "GET", "/api/auth/session", cookie=f"authjs.session-token={forged_token(i, 45 * KB)}"
    ),
    "form of 1 MB of a=& (chunked, no length)": lambda i: http_request(
        "POST",
        "/api/auth/callback/credentials",
        content_type=FORM,
        body=f"i={i}&".encode() + b"a=&" * (MB // 3),
        declare_length=False,
    ),
    "form of 60 KB of a=&": lambda i: http_request(
        "POST", "/api/auth/callback/credentials", content_type=FORM, body=f"i={i}&".encode() + b"a=&" * (20 * KB)
    ),
    "JSON nested 1 MB deep": lambda i: http_request(
        "POST",
        "/api/auth/signin/credentials",
        content_type=JSON,
        body=f'{{"i":{i},"a":'.encode() + b'{"a":' * (MB // 5),
    ),
    "JSON nested 3000 deep": lambda i: http_request(
        "POST",
        "/api/auth/signin/credentials",
        content_type=JSON,
        body=f'{{"i":{i},"a":'.encode() + b'{"a":' * 3000 + b"1" + b"}" * 3001,
    ),
    "1 MB of cookies": lambda i: http_request("GET", "/me", cookie="; ".join(f"c{i}x{n}=v" for n in range(MB // 12))),
    # httptools takes a request line of this size (not one of 500 KB): each URL is parsed whole.
    "query string of 60 KB on an auth route": lambda i: http_request(
        "GET", f"/api/auth/session?i={i}&x=" + "y" * 60 * KB
    ),
}


def attack(worker: Worker, make: Callable[[int], bytes], first: int, count: int) -> list[int]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda i: exchange(worker.port, make(i)), range(first, first + count)))


@pytest.mark.parametrize("kind", list(ATTACKS))
def test_memory_stays_flat_under_oversized_requests(worker: Worker, kind: str) -> None:
    make = ATTACKS[kind]
    statuses = attack(worker, make, 0, WARM_UP)
    before = worker.rss_mb()
    statuses += attack(worker, make, WARM_UP, REQUESTS)
    after = worker.rss_mb()
    assert not [s for s in statuses if s >= 500], statuses
    assert any(s != 0 for s in statuses), "the worker never answered"
    assert after - before < FLAT_MB, f"{kind}: RSS {before:.1f} MB -> {after:.1f} MB after {REQUESTS} requests"
    # Still serving, and a plain request still works.
    assert httpx2.get(f"{worker.url}/api/auth/csrf", timeout=30).status_code == 200
    print(f"\n{kind}: RSS {before:.1f} -> {after:.1f} MB; statuses {sorted(set(statuses))}")


def csrf_latencies(url: str, count: int) -> list[float]:
    timings = []
    with httpx2.Client(base_url=url, timeout=60) as client:
        for _ in range(count):
            start = time.perf_counter()
            assert client.get("/api/auth/csrf").status_code == 200
            timings.append(time.perf_counter() - start)
    return timings


def test_a_concurrent_request_stays_fast_while_oversized_bodies_arrive(worker: Worker) -> None:
    baseline = statistics.median(csrf_latencies(worker.url, 60))
    stop_attack = threading.Event()
    sent = [0]

    def attacker() -> None:
        # Just under a megabyte, so an unbounded parser reads it all: 1 MiB of a=& cost 0.7 s.
        body = b"a=&" * ((MB - 10) // 3)
        request = http_request("POST", "/api/auth/callback/credentials", content_type=FORM, body=body)
        while not stop_attack.is_set():
            exchange(worker.port, request)
            sent[0] += 1

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        loaded = statistics.median(csrf_latencies(worker.url, 60))
    finally:
        stop_attack.set()
        for thread in threads:
            thread.join(timeout=120)
    # A floor of 2 ms keeps a sub-millisecond baseline from turning scheduler noise into a ratio.
    ratio = loaded / max(baseline, 0.002)
    print(f"\ncsrf median {baseline * 1000:.1f} ms alone, {loaded * 1000:.1f} ms under attack ({sent[0]} bodies)")
    assert sent[0] > 10
    assert ratio < 10, f"csrf median {baseline * 1000:.1f} ms alone, {loaded * 1000:.1f} ms under attack"
