"""Shared fixtures.

Sections: tool availability (``requires``), Node oracles (the pinned npm packages under
``tests/node`` run as reference implementations).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

# --- tool availability ------------------------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def requires(available: bool, reason: str) -> None:
    """Skip the calling test or fixture when a tool is missing, but fail it in CI.

    CI must run every test, so a missing tool there is a broken setup, not a reason to skip.
    """
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this is an error)", pytrace=False)
    pytest.skip(reason)


# --- Node oracles -----------------------------------------------------------------------------

NODE_DIR = Path(__file__).parent / "node"
#: Variables the npm packages read; cleared so the oracles start from their defaults.
_NODE_ENV_CLEARED = ("AUTH_SECRET", "NEXTAUTH_SECRET", "NEXTAUTH_URL", "AUTH_URL", "VERCEL", "AUTH_TRUST_HOST")


class OracleError(RuntimeError):
    """An operation threw inside Node. ``name`` is the JavaScript error name."""

    def __init__(self, message: str, name: str | None) -> None:
        super().__init__(f"{name}: {message}" if name else message)
        self.name = name


@dataclass(frozen=True)
class NodeOracle:
    """One of ``tests/node/v4/oracle.js`` and ``tests/node/v5/oracle.mjs``.

    :meth:`run` sends a batch of operations to a single Node process; batch what you can.
    """

    format: Literal["v4", "v5"]
    node: str
    script: Path

    def run_raw(self, ops: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Results as sent: ``{"ok": value}`` or ``{"error": message, "name": js_error_name}``."""
        env = {k: v for k, v in os.environ.items() if k not in _NODE_ENV_CLEARED}
        proc = subprocess.run(
            [self.node, self.script.name],
            input=json.dumps(list(ops)),
            capture_output=True,
            text=True,
            cwd=self.script.parent,
            env=env,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{self.script} exited with {proc.returncode}:\n{proc.stderr}")
        results: list[dict[str, Any]] = json.loads(proc.stdout)
        assert len(results) == len(ops)
        return results

    def run(self, ops: Sequence[dict[str, Any]]) -> list[Any]:
        """The value of every operation; raises :class:`OracleError` for the first that threw."""
        values = []
        for result in self.run_raw(ops):
            if "error" in result:
                raise OracleError(result["error"], result.get("name"))
            values.append(result["ok"])
        return values

    def call(self, op: str, **params: Any) -> Any:
        return self.run([{"op": op, **params}])[0]


@pytest.fixture(scope="session")
def node_binary() -> str:
    node = shutil.which("node")
    requires(node is not None, "Node.js is not installed")
    assert node is not None
    return node


def _oracle(node: str, format: Literal["v4", "v5"], script: str) -> NodeOracle:
    folder = NODE_DIR / format
    requires(
        (folder / "node_modules").is_dir(),
        f"npm packages missing: run `npm ci` in {os.path.relpath(folder)}",
    )
    return NodeOracle(format=format, node=node, script=folder / script)


@pytest.fixture(scope="session")
def node_v4(node_binary: str) -> NodeOracle:
    """next-auth@4.24.15 (``tests/node/v4``)."""
    return _oracle(node_binary, "v4", "oracle.js")


@pytest.fixture(scope="session")
def node_v5(node_binary: str) -> NodeOracle:
    """@auth/core@0.41.3 (``tests/node/v5``)."""
    return _oracle(node_binary, "v5", "oracle.mjs")


@pytest.fixture(params=["v4", "v5"])
def node_oracle(request: pytest.FixtureRequest) -> NodeOracle:
    """Both oracles in turn; ``node_oracle.format`` says which one a test got."""
    oracle: NodeOracle = request.getfixturevalue(f"node_{request.param}")
    return oracle
