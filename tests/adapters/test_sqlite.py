"""The SQLAlchemy adapter on SQLite (aiosqlite), a database file per test."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.testing.adapter_suite import at

from .sql_suite import SQLAlchemyAdapterSuite


class TestSQLiteAdapter(SQLAlchemyAdapterSuite):
    @pytest.fixture
    async def adapter(self, tmp_path: Path) -> AsyncIterator[SQLAlchemyAdapter]:
        adapter = SQLAlchemyAdapter(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
        await adapter.create_schema()
        yield adapter
        await adapter.close()


@pytest.mark.parametrize("url", ["sqlite:///{path}", "sqlite+aiosqlite:///{path}"])
async def test_plain_urls_get_the_async_driver(tmp_path: Path, url: str) -> None:
    adapter = SQLAlchemyAdapter(url.format(path=tmp_path / "auth.db"))
    assert adapter.engine.url.drivername == "sqlite+aiosqlite"
    await adapter.create_schema()
    await adapter.close()


async def test_in_memory_database_is_shared_by_the_pool() -> None:
    adapter = SQLAlchemyAdapter("sqlite://")
    await adapter.create_schema()
    created = await adapter.create_user({"email": "memory@example.com"})
    assert await adapter.get_user(created["id"]) == created
    await adapter.close()


async def test_data_survives_a_new_adapter(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    first = SQLAlchemyAdapter(url)
    await first.create_schema()
    user = await first.create_user({"email": "disk@example.com", "name": "Disk"})
    session = await first.create_session({"sessionToken": "t", "userId": user["id"], "expires": at(1)})
    await first.close()
    second = SQLAlchemyAdapter(url)
    await second.create_schema()
    assert await second.get_session_and_user("t") == (session, user)
    await second.close()


async def test_ids_of_deleted_users_are_not_reused(tmp_path: Path) -> None:
    adapter = SQLAlchemyAdapter(f"sqlite:///{tmp_path / 'auth.db'}")
    await adapter.create_schema()
    first = await adapter.create_user({"email": "first@example.com"})
    await adapter.delete_user(first["id"])
    second = await adapter.create_user({"email": "second@example.com"})
    assert int(second["id"]) > int(first["id"])
    await adapter.close()


async def test_reads_skip_the_thread_hop(tmp_path: Path) -> None:
    """A read on a SQLite file runs on the event loop's thread: aiosqlite runs no statement."""
    adapter = SQLAlchemyAdapter(f"sqlite:///{tmp_path / 'auth.db'}")
    await adapter.create_schema()
    user = await adapter.create_user({"email": "loop@example.com"})
    session = await adapter.create_session({"sessionToken": "loop", "userId": user["id"], "expires": at(1)})
    through_aiosqlite: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        through_aiosqlite.append(statement)

    event.listen(adapter.engine.sync_engine, "before_cursor_execute", record)
    assert await adapter.get_session_and_user("loop") == (session, user)
    assert await adapter.get_user_by_email("loop@example.com") == user
    assert through_aiosqlite == []
    await adapter.close()


async def test_a_locked_database_is_read_through_aiosqlite(tmp_path: Path) -> None:
    """While a lock keeps the direct read out, the read waits in aiosqlite's thread instead."""
    path = tmp_path / "auth.db"
    adapter = SQLAlchemyAdapter(f"sqlite:///{path}")
    await adapter.create_schema()
    user = await adapter.create_user({"email": "locked@example.com"})
    # A rollback journal (not WAL) and a writer holding its lock: readers get "database is locked".
    async with adapter.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA journal_mode = DELETE")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        reading = asyncio.ensure_future(adapter.get_user(user["id"]))
        await asyncio.sleep(0.2)
        assert not reading.done()  # waiting for the lock in aiosqlite's thread, the loop free
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert await reading == user
    await adapter.close()
