"""The package as users get it: one version, a lock that matches pyproject.toml, and the built
wheel and sdist. The wheel, installed into a fresh virtualenv with only the ``fastapi`` extra,
runs the README quick start from a directory outside the repository."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import authsession
from doc_blocks import programs
from helpers import requires

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = ROOT / "requirements" / "dev.lock"
README = (ROOT / "README.md").read_text()
#: The README's install line for the quick start: the fastapi extra plus the example's own needs.
README_INSTALL = re.compile(r"^pip install '\.\[fastapi\]'(?P<others>( [\w.-]+)*)$", re.MULTILINE)


def run(command: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def fail_unless_offline(what: str, result: subprocess.CompletedProcess[str]) -> None:
    """A failed build or install is a bug, unless no package registry answers (a laptop offline)."""
    probe = run([sys.executable, "-m", "pip", "index", "versions", "hatchling"], cwd=ROOT)
    requires(probe.returncode == 0, f"{what} needs a package registry and none answers")
    pytest.fail(f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}", pytrace=False)


# --- one version, one lock ----------------------------------------------------------------------


def test_the_version_has_one_source() -> None:
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "src/authsession/__init__.py"
    assert importlib.metadata.version("authsession") == authsession.__version__


def test_the_changelog_describes_the_current_version() -> None:
    releases = re.findall(r"^## \[(\d[^\]]*)\]", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert releases[0] == authsession.__version__


def declared_requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    declared += [item for item in PYPROJECT["dependency-groups"]["dev"] if isinstance(item, str)]
    return [req for req in map(Requirement, declared) if canonicalize_name(req.name) != "authsession"]


def locked_versions() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", LOCK.read_text(), re.MULTILINE)
    return {canonicalize_name(name): version for name, version in pins}


def test_the_lock_pins_every_declared_dependency_within_its_range() -> None:
    pins = locked_versions()
    disagreeing = [
        f"{req} (locked: {pins.get(canonicalize_name(req.name), 'nothing')})"
        for req in declared_requirements()
        if not req.specifier.contains(pins.get(canonicalize_name(req.name), "0.dev0"), prereleases=True)
    ]
    assert disagreeing == [], f"pyproject.toml moved past {LOCK.relative_to(ROOT)}; run `make lock`"


def third_party_imports() -> dict[str, set[str]]:
    """Top-level modules that src/, tests/ and examples/ import, minus the stdlib and our own."""
    ours = {"authsession", "examples", "bench", "tests"} | {path.stem for path in (ROOT / "tests").iterdir()}
    found: dict[str, set[str]] = {}
    for folder in ("src", "tests", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in ours:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_comes_from_the_lock() -> None:
    # A module that only happens to be installed here (left over in an old venv) would pass
    # locally and fail in CI, which builds its environment from the lock alone.
    pins = locked_versions()
    providers = importlib.metadata.packages_distributions()
    unlocked = {
        module: sorted(files)[:3]
        for module, files in third_party_imports().items()
        if not any(canonicalize_name(dist) in pins for dist in providers.get(module, []))
    }
    assert unlocked == {}, "imported but not in requirements/dev.lock: declare it in pyproject.toml, run `make lock`"


def test_the_lock_carries_a_hash_for_every_pin() -> None:
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n", 2)[2])
    assert entries
    assert [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry] == []


# --- the built artifacts ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel that ``build`` makes from it (so the sdist is proved complete)."""
    out = tmp_path_factory.mktemp("dist")
    result = run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out)
    if result.returncode != 0:
        fail_unless_offline("Building the sdist and wheel", result)
    return out


def test_the_sdist_holds_the_package_and_none_of_the_test_rig(dist: Path) -> None:
    (sdist,) = dist.glob("authsession-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for needed in (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
        "src/authsession/__init__.py",
        "src/authsession/py.typed",
        "src/authsession/adapters/sql/001_authjs_schema.sql",
    ):
        assert needed in names
    unwanted = sorted(
        name
        for name in names
        if name.split("/")[0] in {"tests", "bench", "requirements", ".ci", ".venv", ".git"}
        or {"node_modules", "__pycache__"} & set(name.split("/"))
    )
    assert unwanted == []


def test_the_wheel_is_typed_licensed_and_lean(dist: Path) -> None:
    (wheel,) = dist.glob("authsession-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = (name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode())
    assert "authsession/py.typed" in names
    assert "authsession/adapters/sql/001_authjs_schema.sql" in names
    # The Django app migrates with these: without them `migrate` finds nothing or fails.
    for needed in (
        "authsession/adapters/django/migrations/0001_initial.py",
        "authsession/adapters/django/migrations/0002_two_factor.py",
        "authsession/adapters/django/migrations/0003_session_management_and_passwords.py",
        "authsession/adapters/sql/003_authenticators.sql",
        "authsession/adapters/sql/sqlite/001_authjs_schema.sql",
        "authsession/adapters/sql/sqlite/002_two_factor.sql",
        "authsession/adapters/sql/sqlite/003_authenticators.sql",
        "authsession/adapters/sql/sqlite/004_session_management.sql",
        "authsession/adapters/sql/sqlite/005_passwords.sql",
    ):
        assert needed in names
    assert not [name for name in names if name.startswith(("tests/", "examples/", "bench/"))]
    assert metadata["Version"] == authsession.__version__
    assert metadata["License-Expression"] == "MIT"
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    fastapi_extra = [req for req in metadata.get_all("Requires-Dist") or [] if "extra == 'fastapi'" in req]
    assert fastapi_extra
    # The integration parses form bodies itself; python-multipart is the demo's, not the extra's.
    assert not [req for req in fastapi_extra if req.startswith("python-multipart")]


QUICK_START_WALK = """
import sys
from pathlib import Path

import authsession
from starlette.testclient import TestClient

import app

# The package comes from the fresh virtualenv, never from the repository.
assert Path(authsession.__file__).is_relative_to(sys.prefix), authsession.__file__

with TestClient(app.app, follow_redirects=False) as client:
    assert "You must be logged in to view this page." in client.get("/profile").text
    assert client.get("/dashboard", headers={"accept": "application/json"}).status_code == 401
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]
    form = {"csrfToken": csrf, "email": "ada@example.com", "password": "correct horse", "callbackUrl": "/profile"}
    signed_in = client.post("/api/auth/callback/credentials", data=form)
    assert signed_in.headers["location"] == "http://testserver/profile", signed_in.headers
    assert "Welcome, Ada Lovelace!" in client.get("/profile").text
    assert client.get("/api/me").json() == {"userEmail": "ada@example.com"}
print("quick start: signed in as ada@example.com")
"""


@pytest.fixture(scope="session")
def fresh_python(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with the wheel and its ``fastapi`` extra, plus what the README example needs."""
    home = tmp_path_factory.mktemp("fresh")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    (wheel,) = dist.glob("authsession-*.whl")
    found = README_INSTALL.search(README)
    assert found, "README.md lost its `pip install '.[fastapi]' ...` line"
    result = run([python, "-m", "pip", "install", "--quiet", f"{wheel}[fastapi]", *found["others"].split()], cwd=home)
    if result.returncode != 0:
        fail_unless_offline("Installing the wheel with the fastapi extra", result)
    return python


def test_the_wheel_runs_the_readme_quick_start_in_a_fresh_virtualenv(fresh_python: Path, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    (tmp_path / "app.py").write_text(next(b for b in blocks if "get_server_session(request, response" in b))
    (tmp_path / "walk.py").write_text(QUICK_START_WALK)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env |= {"AUTH_SECRET": "packaging-secret-0123456789abcdef0123456789", "AUTH_URL": "http://testserver"}
    # -E -s: no PYTHON* variables, no user site-packages; the script's own directory stays on the path.
    result = run([fresh_python, "-E", "-s", "walk.py"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "quick start: signed in as ada@example.com" in result.stdout


DJANGO_WALK = """
import sys
from pathlib import Path

import authsession
import app

assert Path(authsession.__file__).is_relative_to(sys.prefix), authsession.__file__
app.test_the_seed_pages()
print("django: signed in as ada@example.com")
"""


def install_with_only(extra: str, dist: Path, home: Path) -> Path:
    """A new virtualenv under ``home`` with the wheel and only its ``extra``: its python."""
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    (wheel,) = dist.glob("authsession-*.whl")
    result = run([python, "-m", "pip", "install", "--quiet", f"{wheel}[{extra}]"], cwd=home)
    if result.returncode != 0:
        fail_unless_offline(f"Installing the wheel with the {extra} extra", result)
    return python


def run_walk(python: Path, home: Path, walk: str, url: str) -> str:
    """Run ``walk`` with ``python``, isolated from the repository and the caller's AUTH_* settings."""
    (home / "walk.py").write_text(walk)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "AUTH_"))}
    env |= {"AUTH_SECRET": "packaging-secret-0123456789abcdef0123456789", "AUTH_URL": url}
    result = run([python, "-E", "-s", "walk.py"], cwd=home, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_wheel_with_only_the_django_extra_runs_the_django_page(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``pip install authsession[django]`` alone: docs/django.md's whole project and its walk run."""
    home = tmp_path_factory.mktemp("fresh-django")
    python = install_with_only("django", dist, home)
    program = next(p for p in programs(ROOT / "docs" / "django.md") if p.name == "django-seed")
    (home / "app.py").write_text(program.source)
    assert "django: signed in as ada@example.com" in run_walk(python, home, DJANGO_WALK, "http://testserver")


FLASK_WALK = """
import sys
from pathlib import Path

import authsession
from flask import Flask

from authsession import AuthOptions
from authsession.integrations.flask import AuthSession, auth_required, get_server_session
from authsession.providers import Credentials

assert Path(authsession.__file__).is_relative_to(sys.prefix), authsession.__file__


def authorize(credentials):
    if credentials.get("password") == "correct horse":
        return {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com"}
    return None


app = Flask(__name__)
AuthSession(app, AuthOptions(providers=[Credentials(authorize=authorize)]))


@app.get("/profile")
def profile():
    session = get_server_session()
    return f"Welcome, {session['user']['name']}!" if session else "You must be logged in to view this page."


@app.get("/dashboard")
@auth_required
def dashboard():
    return "dashboard"


with app.test_client() as client:
    assert "You must be logged in" in client.get("/profile").get_data(as_text=True)
    assert client.get("/dashboard", headers={"accept": "application/json"}).status_code == 401
    csrf = client.get("/api/auth/csrf").get_json()["csrfToken"]
    form = {"csrfToken": csrf, "password": "correct horse", "callbackUrl": "/profile"}
    assert client.post("/api/auth/callback/credentials", data=form).status_code == 302
    assert client.get("/profile").get_data(as_text=True) == "Welcome, Ada Lovelace!"
print("flask: signed in as ada@example.com")
"""


def test_the_wheel_with_only_the_flask_extra_runs_a_flask_app(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``pip install authsession[flask]`` alone: sign-in, get_server_session and auth_required work."""
    home = tmp_path_factory.mktemp("fresh-flask")
    python = install_with_only("flask", dist, home)
    assert "flask: signed in as ada@example.com" in run_walk(python, home, FLASK_WALK, "http://localhost")


LITESTAR_WALK = """
import socket
import sys
import threading
import time
from pathlib import Path

import authsession
import httpx
import uvicorn

import app

assert Path(authsession.__file__).is_relative_to(sys.prefix), authsession.__file__

# Served as a user serves it: uvicorn, which the extra brings, on a free loopback port.
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
server = uvicorn.Server(uvicorn.Config(app.app, lifespan="off", log_level="warning"))
thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
thread.start()
deadline = time.monotonic() + 30
while not server.started:
    assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
    time.sleep(0.05)
try:
    with httpx.Client(base_url="http://127.0.0.1:%d" % sock.getsockname()[1]) as client:
        assert "You must be logged in" in client.get("/profile").text
        refused = client.get("/dashboard", headers={"accept": "text/html"})
        assert refused.headers["location"] == "/login?callbackUrl=%2Fdashboard", refused.headers
        assert client.get("/dashboard", headers={"accept": "application/json"}).status_code == 401
        csrf = client.get("/api/auth/csrf").json()["csrfToken"]
        form = {"csrfToken": csrf, "email": "ada@example.com", "password": "correct horse"}
        assert client.post("/api/auth/callback/credentials", data=form).status_code == 302
        assert "Welcome, Ada!" in client.get("/profile").text
        assert client.get("/api/me").json() == {"userEmail": "ada@example.com"}
finally:
    server.should_exit = True
    thread.join(timeout=10)
print("litestar: signed in as ada@example.com")
"""


def test_the_wheel_with_only_the_litestar_extra_serves_the_litestar_page(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``pip install authsession[litestar]`` alone: docs/litestar.md's app, guard included, served by uvicorn."""
    home = tmp_path_factory.mktemp("fresh-litestar")
    python = install_with_only("litestar", dist, home)
    program = next(p for p in programs(ROOT / "docs" / "litestar.md") if p.name == "litestar-seed")
    (home / "app.py").write_text(program.source)
    assert "litestar: signed in as ada@example.com" in run_walk(python, home, LITESTAR_WALK, "http://127.0.0.1")
