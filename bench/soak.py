"""``make soak``: the demo app as shipped, under mixed traffic on loopback for a bounded time.

One uvicorn worker serves ``bench.apps.demo:create_app`` (SQLite, database sessions, the seeded
demo account). Client threads play browsers: open the login page, sign in with the credentials
form, read the session, the dashboard and ``/api/me`` a few times, sign out and check the
session is gone; others only read anonymously. Every answer is checked. The worker's RSS is
sampled from ``/proc/<pid>/status``.

It passes with zero errors, no traceback in the server's log and flat memory: the resting RSS
(the lowest sample of a window) of the last tenth of the run is within ``--flat-mb`` of the
resting RSS right after warm-up (the first tenth). ``--duration`` is in seconds (600 by default).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from tests import nextjs_app

from bench.http import Jar, password_sign_in_path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-soak-secret-5f0c2b7e9d1a3c4e6f8a0b2d4c6e8f1a"
EMAIL, PASSWORD = "demo@example.com", "demo-password"


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def request(self, kind: str) -> None:
        with self.lock:
            self.requests[kind] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/<pid>/status")


def expect(tally: Tally, kind: str, response: httpx2.Response, status: int, check: bool = True) -> None:
    tally.request(kind)
    if response.status_code != status or not check:
        tally.error(f"{kind}: {response.status_code} {response.headers.get('location', '')} {response.text[:120]!r}")


def send(client: httpx2.Client, jar: Jar, method: str, path: str, **kwargs: Any) -> httpx2.Response:
    """One request with ``jar``'s cookies only (httpx2's own jar is emptied: it would add stale ones)."""
    client.cookies.clear()
    headers = {**kwargs.pop("headers", {}), **({"cookie": jar.header()} if jar.values else {})}
    response = client.request(method, path, headers=headers, **kwargs)
    jar.apply(response)
    return response


def browser(url: str, tally: Tally, stop: threading.Event, reads: int) -> None:
    """Sign in, read, sign out, again and again, until ``stop``."""
    with httpx2.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        while not stop.is_set():
            jar = Jar()
            expect(tally, "GET /login", send(client, jar, "GET", "/login"), 200)
            csrf = send(client, jar, "GET", "/api/auth/csrf")
            expect(tally, "GET /api/auth/csrf", csrf, 200)
            token = csrf.json()["csrfToken"]
            form = {"csrfToken": token, "email": EMAIL, "password": PASSWORD, "callbackUrl": "/dashboard"}
            signed_in = send(client, jar, "POST", password_sign_in_path(client), data=form)
            expect(tally, "POST sign-in", signed_in, 302, signed_in.headers.get("location", "").endswith("/dashboard"))
            for _ in range(reads):
                session = send(client, jar, "GET", "/api/auth/session")
                expect(tally, "GET /api/auth/session", session, 200, (session.json() or {}).get("user") is not None)
                expect(tally, "GET /dashboard", send(client, jar, "GET", "/dashboard"), 200)
                me = send(client, jar, "GET", "/api/me")
                expect(tally, "GET /api/me", me, 200, me.json().get("userEmail") == EMAIL)
            signed_out = send(client, jar, "POST", "/api/auth/signout", data={"csrfToken": token})
            expect(tally, "POST sign-out", signed_out, 302)
            after = send(client, jar, "GET", "/api/auth/session")
            expect(tally, "GET /api/auth/session (signed out)", after, 200, not after.json())


def visitor(url: str, tally: Tally, stop: threading.Event) -> None:
    """Anonymous reads: the home page, the session, a protected page that redirects to /login."""
    with httpx2.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        while not stop.is_set():
            jar = Jar()
            expect(tally, "GET / (anonymous)", send(client, jar, "GET", "/"), 200)
            session = send(client, jar, "GET", "/api/auth/session")
            expect(tally, "GET /api/auth/session (anonymous)", session, 200, not session.json())
            protected = send(client, jar, "GET", "/dashboard", headers={"accept": "text/html"})
            expect(tally, "GET /dashboard (anonymous)", protected, 307)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of traffic (default 600)")
    parser.add_argument("--browsers", type=int, default=3, help="signing-in client threads (default 3)")
    parser.add_argument("--visitors", type=int, default=1, help="anonymous client threads (default 1)")
    parser.add_argument("--reads", type=int, default=5, help="reads per sign-in (default 5)")
    parser.add_argument("--flat-mb", type=float, default=10.0, help="allowed RSS growth after warm-up (default 10)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="authsession-soak-") as workdir:
        port = nextjs_app.free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "uvicorn", "--factory", "bench.apps.demo:create_app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--http", "httptools", "--no-access-log", "--log-level", "warning"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_SECRET": SECRET}
        env["BENCH_DEMO_DB"] = str(Path(workdir) / "demo.sqlite3")
        for name in ("AUTH_URL", "NEXTAUTH_URL", "AUTH_TRUST_HOST"):
            env.pop(name, None)
        log = Path(workdir) / "uvicorn.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            nextjs_app.wait_ready(proc, url, log, 60)
            return run(url, proc.pid, args, log)
        finally:
            nextjs_app.stop(proc)


def run(url: str, pid: int, args: argparse.Namespace, log: Path) -> int:
    tally = Tally()
    stop = threading.Event()
    threads = [threading.Thread(target=browser, args=(url, tally, stop, args.reads)) for _ in range(args.browsers)]
    threads += [threading.Thread(target=visitor, args=(url, tally, stop)) for _ in range(args.visitors)]
    for thread in threads:
        thread.daemon = True
        thread.start()
    start = time.monotonic()
    warm_up = args.duration / 10
    samples: list[tuple[float, float]] = []
    while (elapsed := time.monotonic() - start) < args.duration:
        samples.append((elapsed, rss_mb(pid)))
        if not all(thread.is_alive() for thread in threads):
            tally.error("a client thread died")
            break
        time.sleep(min(1.0, max(args.duration - elapsed, 0.1)))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    samples.append((time.monotonic() - start, rss_mb(pid)))

    # Resting memory: the lowest sample of a window. Single samples swing by 64 MB per argon2
    # hash in progress, so the floors of the first window after warm-up and of the last are compared.
    tenth = samples[-1][0] / 10
    early = min(rss for at, rss in samples if warm_up <= at <= warm_up + tenth) if len(samples) > 2 else samples[0][1]
    late = min(rss for at, rss in samples if at >= samples[-1][0] - tenth)
    total = sum(tally.requests.values())
    print(f"soak: {args.duration:.0f} s, {total} requests ({total / samples[-1][0]:.0f}/s), {len(tally.errors)} errors")
    for kind, count in sorted(tally.requests.items()):
        print(f"  {count:8d}  {kind}")
    print(
        f"  RSS {samples[0][1]:.1f} MB at start; resting {early:.1f} MB after warm-up ({warm_up:.0f} s) and "
        f"{late:.1f} MB at the end; peak {max(rss for _, rss in samples):.1f} MB ({len(samples)} samples)"
    )
    for message in tally.errors[:20]:
        print(f"  error: {message}")
    server_log = log.read_text(errors="replace")
    if "Traceback" in server_log:
        print("  the server logged a traceback:\n" + server_log[-3000:])
    flat = late - early <= args.flat_mb
    if not flat:
        print(f"  memory is not flat: grew {late - early:.1f} MB after warm-up (allowed {args.flat_mb} MB)")
    ok = not tally.errors and flat and "Traceback" not in server_log and total > 0
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
