"""The peers the benchmark compares against, installed into their own folders on first use.

* Python: ``peers/python/requirements.txt`` goes into ``peers/python/site`` (``pip --target``,
  pinned, no dependency resolution), which is *appended* to ``sys.path``: the project's own
  packages win, the peers only add what the project does not have. Nothing here becomes a
  dependency of authsession.
* Node: the pinned packages the interop tests already use (``tests/node/v4``, ``v5``,
  ``nextjs``), installed with ``npm ci`` when their ``node_modules`` is missing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIR = Path(__file__).resolve().parent / "python"
REQUIREMENTS = PYTHON_DIR / "requirements.txt"
SITE = PYTHON_DIR / "site"
_STAMP = SITE / ".requirements-sha256"
NODE_TESTS = ROOT / "tests" / "node"
NODE_DIRS = ("v4", "v5", "nextjs")


class PeerMissing(RuntimeError):
    """A peer could not be installed here; the cases that need it are reported as skipped."""


def python_site() -> Path:
    """``peers/python/site``, installed or refreshed when the requirements changed, on ``sys.path``."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    current = _STAMP.read_text().strip() if _STAMP.is_file() else None
    if current != wanted:
        if SITE.exists():
            shutil.rmtree(SITE)
        print(f"bench: installing the Python peers into {SITE.relative_to(ROOT)} ...", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        command += ["--no-deps", "--target", str(SITE), "-r", str(REQUIREMENTS)]
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PeerMissing(f"pip could not install the Python peers:\n{proc.stderr[-2000:]}")
        _STAMP.write_text(wanted)
    if str(SITE) not in sys.path:
        sys.path.append(str(SITE))
    return SITE


def py_spy() -> Path:
    path = python_site() / "bin" / "py-spy"
    if not path.is_file():
        raise PeerMissing("py-spy is not installed in the peers' site")
    return path


def node() -> str:
    """The ``node`` executable, with the pinned npm packages in place (``npm ci`` if needed)."""
    found = shutil.which("node")
    if found is None:
        raise PeerMissing("Node.js is not installed")
    for name in NODE_DIRS:
        folder = NODE_TESTS / name
        if (folder / "node_modules" / ".package-lock.json").is_file():
            continue
        npm = shutil.which("npm")
        if npm is None:
            raise PeerMissing(f"npm is not installed and {folder} has no node_modules")
        print(f"bench: npm ci in {folder.relative_to(ROOT)} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise PeerMissing(f"npm ci failed in {folder}:\n{proc.stderr[-2000:]}")
    return found
