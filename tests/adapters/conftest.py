"""Real servers for the adapter tests.

PostgreSQL: ``AUTHSESSION_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``)
names a server and a database to connect to; each test run creates its own database
``authsession_test_<pid>_<hex>`` there and drops it at the end.

The Django ORM adapter's databases are the root conftest's (``django_sqlite``, ``django_postgres``).

Redis: ``AUTHSESSION_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); each run uses its
own key prefix and deletes its keys at the end.

A missing server skips these tests on a laptop and fails them under ``CI=true``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from helpers import postgres_database, requires

REDIS_URL = os.environ.get("AUTHSESSION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = f"{os.getpid()}_{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test run (SQLAlchemy URL, asyncpg driver)."""
    with postgres_database(f"authsession_test_{RUN_ID}") as url:
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
