"""Shared fixtures: Node oracles, a clean environment, the wire format, a clock, a core client,
and the Django ORM adapter's databases (SQLite per test, PostgreSQL per run).

What they are built on (``requires``, ``make_options``, ``CoreClient``, ...) lives in
``tests/helpers.py``; test modules import it from there.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from django_db import migrate, point, run_sql
from helpers import (
    AUTH_ENV,
    DJANGO_POSTGRES,
    DJANGO_SQLITE,
    NODE_DIR,
    NOW,
    CoreClient,
    FakeClock,
    NodeOracle,
    configure_django,
    make_options,
    postgres_database,
    requires,
)

# --- Node oracles -----------------------------------------------------------------------------


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


# --- core fixtures ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that builds an app which configures logging (Litestar's default ``logging_config``
    sets the root logger to INFO and adds its queue handler) does not change logging for the tests
    after it: there the authsession logger's INFO records would reach pytest's capture, whose records
    keep their arguments (request data among them) alive, and memory tests would count them."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    for handler in root.handlers[:]:
        if handler not in handlers and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)


@pytest.fixture
def clean_auth_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``AUTH_*``/``NEXTAUTH_*`` variables leak in from the environment."""
    for name in AUTH_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["v4", "v5"])
def format(request: pytest.FixtureRequest) -> Literal["v4", "v5"]:
    """The wire format; parametrize with ``indirect=True`` to pick one."""
    value: Literal["v4", "v5"] = request.param
    return value


@pytest.fixture
def now() -> float:
    return NOW


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(format: Literal["v4", "v5"], clean_auth_env: None) -> CoreClient:
    """A :class:`CoreClient` over ``make_options(format=format)`` at :data:`NOW`."""
    return CoreClient(make_options(format=format))


# --- Django databases for the Django ORM adapter (tests/django_db.py) --------------------------


@pytest.fixture(scope="session")
def django_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the migration applied, copied for each test (migrating takes longer)."""
    configure_django()
    template = tmp_path_factory.mktemp("django") / "template.sqlite3"
    point(DJANGO_SQLITE, str(template))
    migrate(DJANGO_SQLITE)
    return template


@pytest.fixture
def django_sqlite(django_sqlite_template: Path, tmp_path: Path) -> str:
    """The alias of a migrated SQLite database of this test's own."""
    shutil.copyfile(django_sqlite_template, tmp_path / "auth.sqlite3")
    point(DJANGO_SQLITE, str(tmp_path / "auth.sqlite3"))
    return DJANGO_SQLITE


@pytest.fixture(scope="session")
def django_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this run's own for the Django adapter: its migration adds tables
    the SQLAlchemy tests' schema comparison must not see."""
    with postgres_database(f"authsession_test_{os.getpid()}_{secrets.token_hex(4)}_django") as url:
        yield url


@pytest.fixture(scope="session")
def django_postgres_migrated(django_postgres_url: str) -> str:
    configure_django()
    point(DJANGO_POSTGRES, django_postgres_url.rsplit("/", 1)[1])
    migrate(DJANGO_POSTGRES)
    return DJANGO_POSTGRES


@pytest.fixture
def django_postgres(django_postgres_migrated: str) -> str:
    """The alias of the run's migrated PostgreSQL database, its tables emptied."""
    tables = (
        "users, accounts, sessions, verification_token, authenticators, two_factor, two_factor_recovery_codes,"
        " session_details, session_generations, passwords"
    )
    run_sql(django_postgres_migrated, f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return django_postgres_migrated
