"""Real servers for the adapter tests.

PostgreSQL: ``AUTHSESSION_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``)
names a server and a database to connect to; each test run creates its own database
``authsession_test_<pid>_<hex>`` there and drops it at the end.

Redis: ``AUTHSESSION_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); each run uses its
own key prefix and deletes its keys at the end.

A missing server skips these tests on a laptop and fails them under ``CI=true``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import DJANGO_POSTGRES, DJANGO_SQLITE, configure_django, postgres_database, requires

from .django_db import migrate, point, run_sql

REDIS_URL = os.environ.get("AUTHSESSION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = f"{os.getpid()}_{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test run (SQLAlchemy URL, asyncpg driver)."""
    with postgres_database(f"authsession_test_{RUN_ID}") as url:
        yield url


@pytest.fixture(scope="session")
def django_postgres_url() -> Iterator[str]:
    """Another one, for the Django adapter: its migration adds tables the SQLAlchemy tests'
    schema comparison must not see."""
    with postgres_database(f"authsession_test_{RUN_ID}_django") as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The test Redis; :func:`redis_prefix` keeps each run's keys apart."""
    try:
        import redis
    except ImportError:
        requires(False, "redis-py not installed: pip install authsession[redis]")
        raise
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        requires(False, f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield REDIS_URL
    for key in client.scan_iter(match=f"authsession-test:{RUN_ID}:*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_prefix(redis_url: str) -> str:
    """A key prefix of its own for one test."""
    return f"authsession-test:{RUN_ID}:{secrets.token_hex(4)}"


# --- Django databases (tests/adapters/django_db.py) ------------------------------------------


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
    shutil.copyfile(django_sqlite_template, tmp_path / "auth.sqlite3")
    point(DJANGO_SQLITE, str(tmp_path / "auth.sqlite3"))
    return DJANGO_SQLITE


@pytest.fixture(scope="session")
def django_postgres_migrated(django_postgres_url: str) -> str:
    configure_django()
    point(DJANGO_POSTGRES, django_postgres_url.rsplit("/", 1)[1])
    migrate(DJANGO_POSTGRES)
    return DJANGO_POSTGRES


@pytest.fixture
def django_postgres(django_postgres_migrated: str) -> str:
    tables = "users, accounts, sessions, verification_token, authenticators, two_factor, two_factor_recovery_codes"
    run_sql(django_postgres_migrated, f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return django_postgres_migrated
