"""The SQLAlchemy adapter on PostgreSQL (asyncpg), in a database made for this test run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text

from authsession.adapters import AdapterError
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.testing.adapter_suite import at
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
                "TRUNCATE users, accounts, sessions, verification_token, two_factor, two_factor_recovery_codes,"
                " session_details, session_generations, passwords"
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
    # Auth.js 5's Authenticator model: key (userId, credentialID), the credential id unique.
    assert ("authenticators", 5, "counter", "integer", None, "NO", "") in columns
    assert ("authenticators", 7, "credentialBackedUp", "boolean", None, "NO", "") in columns
    assert ("authenticators", 8, "transports", "text", None, "YES", "") in columns
    assert ("authenticators", "authenticators_pkey", "PRIMARY KEY", "userId,credentialID", "") in constraints
    assert ("authenticators", "authenticators_credentialID_key", "UNIQUE", "credentialID", "") in constraints
    assert ("authenticators", "authenticators_userId_fkey", "FOREIGN KEY", "userId", "CASCADE") in constraints


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


async def test_a_session_read_is_one_round_trip(postgres_url: str) -> None:
    """No pre-ping, no BEGIN/ROLLBACK: a read on a warm connection is one message on the wire
    (Bind/Execute/Sync of the statement asyncpg prepared on that connection's first read)."""
    adapter = await fresh_adapter(postgres_url)
    user = await adapter.create_user({"email": "one-trip@example.com"})
    session = await adapter.create_session({"sessionToken": "one-trip", "userId": user["id"], "expires": at(1)})
    await adapter.engine.dispose()
    sent: list[bytes] = []

    def count_messages(dbapi_connection: Any, record: Any) -> None:
        transport = dbapi_connection.driver_connection._transport
        write = transport.write

        def counted(data: bytes) -> None:
            sent.append(bytes(data))
            write(data)

        transport.write = counted

    event.listen(adapter.engine.sync_engine, "connect", count_messages)
    assert await adapter.get_session_and_user("one-trip") == (session, user)  # connects and prepares
    sent.clear()
    for _ in range(5):
        assert await adapter.get_session_and_user("one-trip") == (session, user)
    assert len(sent) == 5, sent
    await adapter.close()


async def test_recovers_after_connections_are_killed(postgres_url: str) -> None:
    """A database restart (here: every connection terminated) costs no request, and no read pays
    for a ping: the pool asks asyncpg whether the server closed the connection."""
    adapter = await fresh_adapter(postgres_url)
    created = await adapter.create_user({"email": "restart@example.com"})
    await kill_connections(postgres_url)
    assert await adapter.get_user(created["id"]) == created
    assert await adapter.get_user_by_email("restart@example.com") == created
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


async def test_a_read_on_a_connection_closed_under_it_is_retried(postgres_url: str) -> None:
    """The server may close a connection after the pool handed it out: the read runs again on
    a new connection instead of failing the page."""
    adapter = await fresh_adapter(postgres_url)
    created = await adapter.create_user({"email": "retried@example.com"})
    terminated: list[int] = []

    def terminate_at_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if not terminated:
            terminated.append(dbapi_connection.driver_connection.get_server_pid())
            dbapi_connection.driver_connection.terminate()

    # Runs after the adapter's own checkout check, so the connection is handed out, then dies.
    event.listen(adapter.engine.sync_engine, "checkout", terminate_at_checkout)
    assert await adapter.get_user(created["id"]) == created
    assert terminated
    await adapter.close()
