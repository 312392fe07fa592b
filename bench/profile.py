"""Where the time goes: pyinstrument over in-process ``get_server_session`` calls, and py-spy
sampling a uvicorn worker while wrk loads it. Reports go to ``bench/results/profile/``.

py-spy reads another process's memory, so it needs ptrace (root, or ``CAP_SYS_PTRACE`` in a
container); without it that half is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import collections
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from authsession import AuthOptions
from bench import asgi, http, inprocess, peers


def in_process(out: Path, calls: int = 20_000) -> None:
    from pyinstrument import Profiler

    for fmt in ("v4", "v5"):
        for label, session in (("default", None), ("every-read", {"refresh_threshold": None})):
            options = AuthOptions(secret=inprocess.SECRET, format=fmt, url=inprocess.URL, session=session)  # type: ignore[arg-type]
            call = asgi.starlette_session_call(options, inprocess.cookie_header(fmt, inprocess.mint(fmt)))

            async def loop(call: asgi.Call = call) -> None:
                for _ in range(calls):
                    await call()

            asyncio.run(loop())  # warm up
            profiler = Profiler(interval=0.0001, async_mode="disabled")
            with profiler:
                asyncio.run(loop())
            path = out / f"get_server_session-{fmt}-{label}.txt"
            path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
            print(f"pyinstrument: {path}")


def over_http(out: Path, seconds: float, server_key: str) -> None:
    py_spy = peers.py_spy()
    server = next(s for s in http.servers() if s.key == server_key)
    if server.command == "next" or server.workers != 1:
        raise RuntimeError(f"{server_key}: py-spy samples one uvicorn worker; pick a 1-worker server")
    with (
        tempfile.TemporaryDirectory(prefix="authsession-profile-") as tmp,
        http.prepared(server) as server,
        http.running(server, Path(tmp)) as (url, _),
    ):
        cookie = http.sign_in(url, server)
        pid = _worker_pid(url)
        for endpoint in ("/api/auth/session", "/profile"):
            name = endpoint.strip("/").replace("/", "-")
            collapsed = out / f"http-{server_key}-{name}.collapsed.txt"
            load = threading.Thread(target=http.wrk, args=(url + endpoint, cookie, 50, seconds + 2), daemon=True)
            load.start()
            command = [str(py_spy), "record", "--pid", str(pid), "--duration", str(int(seconds))]
            command += ["--rate", "500", "--format", "raw", "--output", str(collapsed), "--nonblocking"]
            proc = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
            load.join(timeout=seconds + 70)
            if proc.returncode != 0:
                raise peers.PeerMissing(f"py-spy failed (needs ptrace): {proc.stderr.strip()[-500:]}")
            report = out / f"http-{server_key}-{name}.top.txt"
            report.write_text(_top(collapsed))
            print(f"py-spy: {report} (flame graph input: {collapsed})")


def _worker_pid(url: str) -> int:
    # With one worker, uvicorn serves from the process it started; find it by its port.
    port = url.rsplit(":", 1)[1]
    proc = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=False)
    for part in proc.stdout.split("pid=")[1:]:
        return int(part.split(",", 1)[0])
    raise RuntimeError(f"no process listens on port {port}")


def _top(collapsed: Path, limit: int = 40) -> str:
    """Self and total sample shares per function, from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if f]
        samples += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    lines = [f"{samples} samples", "", "self %  total %  function"]
    for frame, count in own.most_common(limit):
        lines.append(f"{100 * count / samples:6.1f}  {100 * total[frame] / samples:7.1f}  {frame}")
    lines += ["", "total % (inclusive), top frames", ""]
    for frame, count in total.most_common(limit):
        lines.append(f"{100 * count / samples:6.1f}  {frame}")
    return "\n".join(lines) + "\n"


def _short(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)"
    name, _, where = frame.partition(" (")
    file = where.rstrip(")").rsplit("/", 1)[-1].split(":", 1)[0]
    return f"{name} ({file})" if file else name


def main(seconds: float, out: Path, server_key: str = "as-1w") -> None:
    out.mkdir(parents=True, exist_ok=True)
    peers.python_site()
    in_process(out)
    try:
        over_http(out, seconds, server_key)
    except (peers.PeerMissing, RuntimeError) as exc:
        print(f"skipped the HTTP profile: {exc}", file=sys.stderr)
