"""The machine a run happened on, for the report: cores, CPU model, Python and Node versions, and
how long the host pauses a guest whose every core is busy."""

from __future__ import annotations

import multiprocessing
import os
import platform
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

#: A gap this long between two clock reads of a busy loop is the host's pause, not the loop's.
PAUSE_MS = 5.0


def facts() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    node = None
    if found := shutil.which("node"):
        node = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "node": node,
        "system": f"{platform.system()} {platform.release()}",
    }


def describe() -> str:
    f = facts()
    return f"machine: {f['nproc']} cores, {f['cpu']}, {f['system']}; Python {f['python']}, Node {f['node'] or '-'}"


def pauses(seconds: float = 3.0) -> dict[str, Any]:
    """Busy-loop on every core for ``seconds`` and report the longest stretch any loop was stopped.

    On a virtual machine whose host caps its CPU time, or shares its cores, both cores busy (wrk and
    a server, or two workers) can stall a core for tens of milliseconds, which lands in p99 of every
    server alike. Seen here: 100 ms pauses on a 2-core VM that showed none with one core busy.
    """
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
        found = list(pool.map(_busy_loop, [seconds] * cores))
    return {
        "seconds": seconds,
        "cores": cores,
        "longest_ms": round(max(longest for longest, _ in found), 1),
        "over_threshold": sum(count for _, count in found),
        "threshold_ms": PAUSE_MS,
    }


def _busy_loop(seconds: float) -> tuple[float, int]:
    """The longest gap between two clock reads in ms, and how many gaps passed :data:`PAUSE_MS`."""
    clock = time.perf_counter
    last = clock()
    end = last + seconds
    longest, count = 0.0, 0
    while (now := clock()) < end:
        gap = (now - last) * 1000
        if gap > PAUSE_MS:
            count += 1
            longest = max(longest, gap)
        last = now
    return longest, count


def describe_pauses(found: dict[str, Any]) -> str:
    line = (
        f"host pauses, {found['cores']} busy loops for {found['seconds']:g} s before the runs: "
        f"{found['over_threshold']} over {found['threshold_ms']:g} ms"
    )
    if found["over_threshold"]:
        line += f", the longest {found['longest_ms']:g} ms: p99 here records the host's pauses too"
    return line
