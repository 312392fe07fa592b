"""Sign-in throughput and the memory of an idle worker, for the servers of :mod:`bench.http`.

    python -m bench signin [--seconds S] [--clients N] [--servers ...] [--baseline DIR]

* **credentials**: what a new browser does, over and over from ``--clients`` threads for
  ``--seconds``: ``GET /api/auth/csrf``, ``POST /api/auth/callback/<id>`` (the demo's
  ``password``, the others' ``credentials``), then the session and the profile page it lands on
  (:func:`bench.http.sign_in`). The demo hashes
  passwords with argon2, the twin and the Next.js app compare them as plain text, so compare each
  server with itself before and after, not the demo with Next.js.
* **oidc** (the demo, whose ``make demo`` starts the local OpenID Provider, oidc-provider on
  Node.js): ``POST /api/auth/signin/local``, the provider's login and consent pages, the callback
  (code exchange, ID token check, a new user or account on the first one, a session).
* **idle memory**: the resident set (VmRSS) of each process that serves requests (each uvicorn
  worker; Next.js's server) after the sign-ins, once it has been idle for a second.

Servers run one at a time, each case right after the same case of the one before.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2

from bench import http, machine, peers
from bench.soak import rss_mb

#: The demo's local OpenID Provider, as ``examples/demo/local_oidc.py`` registers it.
OIDC_PROVIDER_ID = "local"


def credentials_sign_in(url: str, server: http.Server) -> None:
    http.sign_in(url, server)


def oidc_sign_in(url: str, server: http.Server) -> None:
    agent = _user_agent()(url, login="alice")
    try:
        response = agent.sign_in(OIDC_PROVIDER_ID, "/profile")
        where = response.headers.get("location", "")
        if response.status_code != 302 or not where.endswith("/profile"):
            raise RuntimeError(f"{server.key}: OIDC sign-in ended with {response.status_code} to {where!r}")
    finally:
        agent.close()


def _has_oidc(server: http.Server) -> bool:
    # What make demo runs starts the local provider; the twin and Next.js app have none.
    return server.command == "demo"


def _user_agent() -> Any:
    # The test suite's scripted browser for oidc-provider's login and consent pages; its module
    # imports its siblings in tests/ as top-level modules.
    tests = str(peers.ROOT / "tests")
    if tests not in sys.path:
        sys.path.append(tests)
    from tests.oauth.app import UserAgent

    return UserAgent


def throughput(sign_in: Callable[[], None], seconds: float, clients: int) -> dict[str, Any]:
    """Sign-ins per second from ``clients`` threads for ``seconds``, and the failures."""
    done = [0] * clients
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < stop:
            try:
                sign_in()
            except (RuntimeError, httpx2.HTTPError, AssertionError, KeyError) as exc:
                errors.append(str(exc)[:300])
            else:
                done[index] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    return {"per_s": sum(done) / elapsed, "sign_ins": sum(done), "errors": len(errors), "first_error": errors[:1]}


def serving_pids(url: str, server: http.Server, leader: int) -> list[int]:
    """The processes that accept on the server's port: its workers (not uvicorn's supervisor)."""
    port = url.rsplit(":", 1)[1]
    proc = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=False)
    pids = {int(part.split(",", 1)[0]) for part in proc.stdout.split("pid=")[1:]}
    if server.command != "next" and server.workers > 1:
        pids.discard(leader)
    return sorted(pids)


def main(seconds: float, clients: int, only_servers: list[str] | None, base: Path | None, out: Path) -> dict[str, Any]:
    chosen = [s for s in http.servers() if s.key in (only_servers or ["next", "as-1w", "demo-1w", "demo-2w"])]
    if base is not None:
        chosen += http.baseline(chosen, base)
    results: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="authsession-signin-") as tmp, contextlib.ExitStack() as stack:
        live = []
        for server in chosen:
            print(f"starting {server.label} ({server.key})", flush=True)
            try:
                ready = stack.enter_context(http.prepared(server))
                url, leader = stack.enter_context(http.running(ready, Path(tmp)))
                http.sign_in(url, ready)
                if _has_oidc(ready):
                    oidc_sign_in(url, ready)  # the first one creates the user
                live.append((ready, url, leader))
            except (peers.PeerMissing, RuntimeError, subprocess.TimeoutExpired, httpx2.HTTPError) as exc:
                print(f"   skipped: {exc}", flush=True)
        for kind, sign_in in (("credentials", credentials_sign_in), ("oidc", oidc_sign_in)):
            for server, url, _ in live:
                if kind == "oidc" and not _has_oidc(server):
                    continue
                found = throughput(lambda: sign_in(url, server), seconds, clients)  # noqa: B023
                found |= {"server": server.key, "case": kind, "load_average": os.getloadavg()[0]}
                results.append(found)
                rate, errors = found["per_s"], found["errors"]
                print(f"   {server.key:16} {kind:12} {rate:7.1f} sign-ins/s  errors {errors}", flush=True)
        time.sleep(1.0)
        for server, url, leader in live:
            rss = [round(rss_mb(pid), 1) for pid in serving_pids(url, server, leader)]
            results.append({"server": server.key, "case": "idle-rss-mb", "per_worker": rss})
            print(f"   {server.key:16} idle RSS per worker: {', '.join(f'{r:.1f} MB' for r in rss)}", flush=True)
    result = {
        "seconds": seconds,
        "clients": clients,
        "machine": machine.facts(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "servers": {s.key: s.label for s in chosen},
        "results": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print_report(result)
    return result


def print_report(result: dict[str, Any]) -> None:
    found = {(r["server"], r["case"]): r for r in result["results"]}
    print(
        f"\nSign-ins per second ({result['clients']} clients, {result['seconds']:g} s per case) and idle RSS;"
        f" load average {result['load_average_before'][0]:.1f} before, {result['load_average_after'][0]:.1f} after\n"
    )
    print("| server | email + password /s | OIDC /s | idle RSS per worker (MB) |\n|---|---:|---:|---:|")
    for key, label in result["servers"].items():
        cells = []
        for case in ("credentials", "oidc"):
            run = found.get((key, case))
            cells.append(
                "-" if run is None else f"{run['per_s']:.2f}" + (f" ({run['errors']} failed)" if run["errors"] else "")
            )
        rss = found.get((key, "idle-rss-mb"))
        cells.append("-" if rss is None else ", ".join(f"{m:.1f}" for m in rss["per_worker"]))
        print(f"| {label} | " + " | ".join(cells) + " |")
