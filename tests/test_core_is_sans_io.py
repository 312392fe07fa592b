"""The core does no I/O and imports no framework: ``authsession._core`` imports with them blocked.

The import runs in a fresh interpreter, so modules the test session already loaded (Starlette,
FastAPI, httpx2 ...) cannot hide a stray import.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = (
    "starlette",
    "fastapi",
    "flask",
    "django",
    "litestar",
    "httpx2",
    "werkzeug",
    "requests",
    "aiohttp",
    "uvicorn",
    "limits",
    "redis",
)

SCRIPT = textwrap.dedent(
    """
    import importlib
    import pkgutil
    import sys

    BLOCKED = {blocked!r}


    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"the sans-I/O core must not import {{name}}")
            return None


    sys.meta_path.insert(0, Blocker())
    for name in BLOCKED:
        assert name not in sys.modules, name

    import authsession._core
    import authsession._core.handler

    names = ["authsession._core"]
    for info in pkgutil.walk_packages(authsession._core.__path__, "authsession._core."):
        importlib.import_module(info.name)
        names.append(info.name)
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not leaked, leaked
    print("\\n".join(names))
    """
).format(blocked=BLOCKED)


def run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)


def test_core_imports_without_web_frameworks() -> None:
    result = run(SCRIPT)
    assert result.returncode == 0, result.stderr
    imported = set(result.stdout.split())
    expected = {
        "authsession._core.handler",
        "authsession._core.context",
        "authsession._core.cookies",
        "authsession._core.csrf",
        "authsession._core.callback_url",
        "authsession._core.server_session",
        "authsession._core.jwe",
        "authsession._core.actions.session",
        "authsession._core.actions.signin",
        "authsession._core.actions.signout",
        "authsession._core.actions.callback",
        "authsession._core.pages.signin",
    }
    assert expected <= imported


def test_the_blocker_works() -> None:
    """The same script fails when the core is made to import a blocked module."""
    result = run(SCRIPT.replace("import authsession._core.handler", "import authsession._core.handler\nimport httpx2"))
    assert result.returncode != 0
    assert "must not import httpx2" in result.stderr
