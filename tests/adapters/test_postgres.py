"""The SQLAlchemy adapter on PostgreSQL (asyncpg), in a database made for this test run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from authsession.adapters import AdapterError
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from helpers import driver_dsn

from .sql_suite import SQLAlchemyAdapterSuite

#: Every migration file, in order: 001 is the Auth.js schema, the later ones authsession's own tables.
MIGRATION = "\n".join(
    entry.read_text()
    for entry in sorted(files("authsession.adapters").joinpath("sql").iterdir(), key=lambda e: e.name)
    if entry.name.endswith(".sql")
)


async def fresh_adapter(url: str) -> SQLAlchemyAdapter:
    """An adapter on the run's database, with the Auth.js tables created and emptied."""
    adapter = SQLAlchemyAdapter(url)
    await adapter.create_schema()
    async with adapter.engine.begin() as conn:
        await conn.execute(
            text(
                "TRUNCATE users, accounts, sessions, verification_token, two_factor, two_factor_recovery_codes"
                " RESTART IDENTITY CASCADE"
            )
        )
    return adapter


class TestPostgresAdapter(SQLAlchemyAdapterSuite):
    @pytest.fixture
    async def adapter(self, postgres_url: str) -> AsyncIterator[SQLAlchemyAdapter]:
        adapter = await fresh_adapter(postgres_url)
        yield adapter
        await adapter.close()


_COLUMNS = """
SELECT table_name, ordinal_position, column_name, data_type, character_maximum_length, is_nullable,
       regexp_replace(coalesce(column_default, ''), '^nextval\\(''([a-z_]+\\.)?', 'nextval(''')
FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position
"""
_CONSTRAINTS = """
SELECT tc.table_name, tc.constraint_name, tc.constraint_type,
       string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position), coalesce(rc.delete_rule, '')
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu
  ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
LEFT JOIN information_schema.referential_constraints rc
  ON rc.constraint_schema = tc.constraint_schema AND rc.constraint_name = tc.constraint_name
WHERE tc.table_schema = $1
GROUP BY tc.table_name, tc.constraint_name, tc.constraint_type, rc.delete_rule
ORDER BY tc.table_name, tc.constraint_name
"""


async def describe(conn: Any, schema: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    columns = [tuple(row) for row in await conn.fetch(_COLUMNS, schema)]
    constraints = [tuple(row) for row in await conn.fetch(_CONSTRAINTS, schema)]
    return columns, constraints


async def test_create_schema_matches_the_migration_file(postgres_url: str) -> None:
    adapter = await fresh_adapter(postgres_url)
    await adapter.close()
    conn = await asyncpg.connect(driver_dsn(postgres_url))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS migration_check CASCADE; CREATE SCHEMA migration_check")
        await conn.execute("SET search_path TO migration_check")
        await conn.execute(MIGRATION)
        await conn.execute(MIGRATION)  # idempotent
        await conn.execute("SET search_path TO public")
        from_sqlalchemy = await describe(conn, "public")
        from_file = await describe(conn, "migration_check")
        await conn.execute("DROP SCHEMA migration_check CASCADE")
    finally:
        await conn.close()
    assert from_sqlalchemy == from_file
    columns, constraints = from_sqlalchemy
    # The facts @auth/pg-adapter's schema states, spelled out.
    assert ("users", 1, "id", "integer", None, "NO", "nextval('users_id_seq'::regclass)") in columns
    assert ("accounts", 2, "userId", "integer", None, "NO", "") in columns
    assert ("accounts", 8, "expires_at", "bigint", None, "YES", "") in columns
    assert ("sessions", 3, "expires", "timestamp with time zone", None, "NO", "") in columns
    assert ("sessions", 4, "sessionToken", "character varying", 255, "NO", "") in columns
    assert ("users", 4, "emailVerified", "timestamp with time zone", None, "YES", "") in columns
    assert ("accounts", "accounts_provider_providerAccountId_key", "UNIQUE", "provider,providerAccountId", "") in (
        constraints
    )
    assert ("sessions", "sessions_userId_fkey", "FOREIGN KEY", "userId", "CASCADE") in constraints
    assert ("verification_token", "verification_token_pkey", "PRIMARY KEY", "identifier,token", "") in constraints


async def test_password_never_in_errors() -> None:
    adapter = SQLAlchemyAdapter(
        "postgresql://authsession:hunter2-secret@127.0.0.1:9/nowhere", connect_args={"timeout": 2}
    )
    assert adapter.engine.url.drivername == "postgresql+asyncpg"
    assert "hunter2" not in repr(adapter)
    with pytest.raises(AdapterError) as caught:
        await adapter.get_user("1")
    assert "hunter2" not in str(caught.value)
    assert "get_user" in str(caught.value)
    await adapter.close()


async def test_recovers_after_connections_are_killed(postgres_url: str) -> None:
    """pool_pre_ping: a database restart (here: every connection terminated) costs no request."""
    adapter = await fresh_adapter(postgres_url)
    created = await adapter.create_user({"email": "restart@example.com"})
    await kill_connections(postgres_url)
    assert await adapter.get_user(created["id"]) == created
    await adapter.close()


async def kill_connections(url: str) -> None:
    """Terminate every other connection to the database of ``url``, as a restart would."""
    conn = await asyncpg.connect(driver_dsn(url))
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
