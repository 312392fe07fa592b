"""Instructions per session read, counted by valgrind's callgrind: a figure the machine's load does not move.

Wall-clock batches on a shared 2-core VM differ by several percent, more than one small step on
the read path saves. callgrind counts the instructions a call executes instead, the same to a few
instructions from run to run (with ``PYTHONHASHSEED`` fixed), so a change can be judged on its own.
Each case runs in a process of its own twice, ``calls`` and ``3 * calls`` calls after the same
warm-up; the difference, over ``2 * calls``, is the count per call without the start-up. The cases
are ``make bench``'s: the floor (AES decryption + ``json.loads``) and Starlette's
``get_server_session`` with default options, per token format.

Needs valgrind (Debian's package). Slow: about half a minute per case.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

CASES = ("floor", "get_server_session (default)")
FORMATS = ("v4", "v5")
_COLLECTED = re.compile(r"Collected : (\d+)")


def run_case(format: str, case: str, calls: int) -> None:
    """The measured process: warm up, then make ``calls`` calls of ``case``."""
    from authsession import AuthOptions
    from bench import asgi, inprocess

    token = inprocess.mint(format)
    if case == "floor":
        floor = inprocess.floor_for(format, token)

        async def call() -> Any:
            return floor()
    else:
        options = AuthOptions(secret=inprocess.SECRET, format=format, url=inprocess.URL)  # type: ignore[arg-type]
        call = asgi.starlette_session_call(options, inprocess.cookie_header(format, token))

    async def loop() -> None:
        for _ in range(200):
            await call()
        for _ in range(calls):
            await call()

    asyncio.run(loop())


def count(format: str, case: str, calls: int) -> int:
    """Instructions of one process running ``case`` ``calls`` times (start-up included)."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "bench.instructions", "--run", format, case, str(calls)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    found = _COLLECTED.search(proc.stderr)
    if proc.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind failed for {format} {case}: {proc.stderr.strip()[-500:]}")
    return int(found.group(1))


def main(calls: int, out: Path) -> None:
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed (apt-get install -y valgrind); nothing measured")
        return
    rows = []
    for format in FORMATS:
        per_call = {case: (count(format, case, 3 * calls) - count(format, case, calls)) / (2 * calls) for case in CASES}
        for case, instructions in per_call.items():
            rows.append(
                {
                    "format": format,
                    "case": case,
                    "instructions": round(instructions),
                    "ratio": instructions / per_call["floor"],
                }
            )
    print(f"\nInstructions per call under callgrind ({calls:,} and {3 * calls:,} calls, the difference per call)")
    print("\n| format | case | instructions per call | x floor |\n|---|---|---:|---:|")
    for row in rows:
        print(f"| {row['format']} | {row['case']} | {row['instructions']:,} | {row['ratio']:.2f} |")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"calls": calls, "rows": rows}, indent=2))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        run_case(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("run through `python -m bench instructions`")
