"""authsession against its peers: in-process session reads, and servers under ``wrk``.

    python -m bench [inprocess] [--iterations N] [--node-iterations N]      (make bench)
    python -m bench http [--duration S] [--rounds N] [--servers ...] [--baseline DIR]  (make bench-http)
    python -m bench signin [--seconds S] [--servers ...] [--baseline DIR]     sign-ins/s, idle RSS
    python -m bench chart                                                    redraw docs/performance.png
    python -m bench profile [--seconds S] [--server KEY]                     pyinstrument + py-spy
    python -m bench instructions [--calls N]                                 callgrind counts per read

Results go to ``bench/results/*.json``; each run redraws ``docs/performance.png`` from the
latest results of both kinds. The peers are installed on first use into their own folders
(``bench/peers``), never into the project's dependencies.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from bench import machine

RESULTS = Path(__file__).resolve().parent / "results"
INPROCESS_JSON = RESULTS / "inprocess.json"
HTTP_JSON = RESULTS / "http.json"


def _chart() -> None:
    from bench import chart, peers

    try:
        peers.python_site()
        path = chart.draw(INPROCESS_JSON, HTTP_JSON)
    except (peers.PeerMissing, ImportError) as exc:
        print(f"\nno chart: {exc}", file=sys.stderr)
        return
    print(f"\nchart: {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    inproc = sub.add_parser("inprocess", help="per-call cost in-process (the default)")
    for p in (parser, inproc):
        p.add_argument("--iterations", type=int, default=20_000, help="calls per Python case")
        p.add_argument("--node-iterations", type=int, default=5_000, help="calls per Node case")
    http = sub.add_parser("http", help="servers under wrk on 127.0.0.1")
    http.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    http.add_argument("--connections", type=int, nargs="+", default=[2, 50])
    http.add_argument("--servers", nargs="+", help="a subset of the servers (default: all available)")
    http.add_argument("--endpoints", nargs="+", help="a subset of the endpoints (default: all)")
    http.add_argument("--rounds", type=int, default=1, help="interleaved rounds per case; the median is reported")
    http.add_argument("--baseline", type=Path, help="another checkout: each server again with its code (before/after)")
    signin_args = sub.add_parser("signin", help="sign-ins per second and idle memory per worker")
    signin_args.add_argument("--seconds", type=float, default=10.0, help="seconds per case (default 10)")
    signin_args.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    signin_args.add_argument("--servers", nargs="+", help="default: next as-1w demo-1w demo-2w")
    signin_args.add_argument("--baseline", type=Path, help="another checkout: each server again with its code")
    sub.add_parser("chart", help="redraw docs/performance.png from bench/results")
    profile = sub.add_parser("profile", help="profile get_server_session and the HTTP path")
    profile.add_argument("--seconds", type=float, default=10.0)
    profile.add_argument("--server", default="as-1w", help="the 1-worker server py-spy samples (default as-1w)")
    instructions = sub.add_parser("instructions", help="instructions per session read under callgrind")
    instructions.add_argument("--calls", type=int, default=1_000, help="calls per measured process (and 3x that)")
    args = parser.parse_args(argv)
    # The servers run in process groups of their own, which only this process's `finally` blocks
    # stop: a SIGTERM (`kill`, `timeout`, a CI runner) must unwind them, not end Python on the spot.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    print(machine.describe())
    if args.command in (None, "inprocess"):
        from bench import inprocess

        inprocess.main(args.iterations, args.node_iterations, INPROCESS_JSON)
        _chart()
    elif args.command == "http":
        from bench import http

        http.main(args.duration, args.connections, args.servers, args.endpoints, HTTP_JSON, args.rounds, args.baseline)
        _chart()
    elif args.command == "signin":
        from bench import signin

        signin.main(args.seconds, args.clients, args.servers, args.baseline, RESULTS / "signin.json")
    elif args.command == "chart":
        _chart()
    elif args.command == "profile":
        from bench import profile

        profile.main(args.seconds, RESULTS / "profile", args.server)
    elif args.command == "instructions":
        from bench import instructions

        instructions.main(args.calls, RESULTS / "instructions.json")


def _exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


if __name__ == "__main__":
    main()
