"""The machine a run happened on, for the report: cores, CPU model, Python and Node versions."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any


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
