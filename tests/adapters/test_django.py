"""The Django ORM adapter (``authsession.adapters.django``) on SQLite and PostgreSQL: the
conformance suite, the tables its migration makes (the Auth.js schema, as SQLAlchemyAdapter
makes it) and Django's own checks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from asgiref.sync import sync_to_async

from authsession.adapters import AdapterError
from authsession.adapters.django import DjangoAdapter
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from django_db import migrate, run_sql
from helpers import DJANGO_POSTGRES, configure_django, driver_dsn

from .sql_suite import AuthjsSchemaSuite
from .test_postgres import describe, kill_connections


class DjangoAdapterSuite(AuthjsSchemaSuite):
    tables = (
        *AuthjsSchemaSuite.tables,
        "authenticators",
        "two_factor",
        "two_factor_recovery_codes",
        "session_details",
        "session_generations",
        "passwords",
    )

    async def sql(self, adapter: DjangoAdapter, statement: str) -> list[tuple[Any, ...]]:
        return await sync_to_async(run_sql, thread_sensitive=False)(adapter.using, statement)

    async def test_get_session_and_user_is_one_query(self, adapter: DjangoAdapter) -> None:
        from django.db.backends.signals import connection_created

        _, created = await self.create_user(adapter)
        session = await self.create_session(adapter, created["id"])
        statements: list[str] = []

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            statements.append(sql)
            return execute(sql, params, many, context)

        def watch(sender: Any, connection: Any, **kwargs: Any) -> None:
            connection.execute_wrappers.append(record)

        # CONN_MAX_AGE = 0: the read opens a connection of its own, in one of the adapter's threads.
        connection_created.connect(watch)
        try:
            assert await adapter.get_session_and_user(session["sessionToken"]) is not None
        finally:
            connection_created.disconnect(watch)
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(reads) == 1, statements
        assert "JOIN" in reads[0].upper()

    async def test_delete_user_removes_passkeys(self, adapter: DjangoAdapter) -> None:
        _, created = await self.create_user(adapter)
        uid = int(created["id"])
        await self.sql(
            adapter,
            "INSERT INTO authenticators VALUES"  # noqa: S608 (an int)
            f" ('cred-1', {uid}, 'cred-1', 'pk', 0, 'singleDevice', false, 'internal')",
        )
        await adapter.delete_user(created["id"])
        assert await self.leftovers(adapter) == []


class TestDjangoSQLite(DjangoAdapterSuite):
    @pytest.fixture
    def adapter(self, django_sqlite: str) -> DjangoAdapter:
        return DjangoAdapter(using=django_sqlite)


class TestDjangoPostgres(DjangoAdapterSuite):
    @pytest.fixture
    def adapter(self, django_postgres: str) -> DjangoAdapter:
        return DjangoAdapter(using=django_postgres)


# --- the tables: the same as SQLAlchemyAdapter's --------------------------------------------


async def test_migration_makes_the_sqlalchemy_schema_on_postgres(
    django_postgres_migrated: str, postgres_url: str
) -> None:
    sqlalchemy = SQLAlchemyAdapter(postgres_url)
    await sqlalchemy.create_schema()
    await sqlalchemy.close()
    described = []
    for url in (postgres_url, _django_url(postgres_url)):
        conn = await asyncpg.connect(driver_dsn(url))
        try:
            described.append(await describe(conn, "public"))
        finally:
            await conn.close()
    (sa_columns, sa_constraints), (dj_columns, dj_constraints) = described
    assert [c for c in dj_columns if c[0] != "django_migrations"] == sa_columns
    assert [c for c in dj_constraints if c[0] != "django_migrations"] == sa_constraints
    assert ("authenticators", "authenticators_pkey", "PRIMARY KEY", "userId,credentialID", "") in dj_constraints
    assert ("authenticators", "authenticators_userId_fkey", "FOREIGN KEY", "userId", "CASCADE") in dj_constraints


def _django_url(postgres_url: str) -> str:
    from django.db import connections

    return postgres_url.rsplit("/", 1)[0] + "/" + str(connections[DJANGO_POSTGRES].settings_dict["NAME"])


def test_migration_makes_the_sqlalchemy_schema_on_sqlite(django_sqlite_template: Path, tmp_path: Path) -> None:
    sqlalchemy = SQLAlchemyAdapter(f"sqlite:///{tmp_path / 'sa.sqlite3'}")
    asyncio.run(sqlalchemy.create_schema())
    asyncio.run(sqlalchemy.close())
    import sqlite3

    def shape(path: Path) -> dict[str, Any]:
        with sqlite3.connect(path) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {
                table: [
                    list(db.execute(f"PRAGMA table_info('{table}')")),
                    sorted(db.execute(f"PRAGMA foreign_key_list('{table}')")),
                    sorted(
                        (row[2], list(db.execute(f"PRAGMA index_info('{row[1]}')")))
                        for row in db.execute(f"PRAGMA index_list('{table}')")
                    ),
                ]
                for table in tables
                if table not in ("django_migrations", "sqlite_sequence")
            }

    assert shape(django_sqlite_template) == shape(tmp_path / "sa.sqlite3")


def test_migrate_adopts_tables_a_nextjs_app_made(django_postgres: str) -> None:
    """``CREATE TABLE IF NOT EXISTS``: migrating a database whose tables exist keeps their rows."""
    run_sql(django_postgres, "INSERT INTO users (name, email) VALUES ('Kept', 'kept@example.test')")
    run_sql(django_postgres, "DELETE FROM django_migrations WHERE app = 'authsession_adapter'")
    migrate(django_postgres)
    assert run_sql(django_postgres, "SELECT name FROM users") == [("Kept",)]
    applied = "SELECT name FROM django_migrations WHERE app = 'authsession_adapter' ORDER BY name"
    assert run_sql(django_postgres, applied) == [
        ("0001_initial",),
        ("0002_two_factor",),
        ("0003_session_management_and_passwords",),
    ]


def test_models_match_the_migration() -> None:
    from django.core.management import call_command

    configure_django()
    call_command("makemigrations", "authsession_adapter", check=True, dry_run=True, verbosity=0)


def test_migration_runs_backwards(django_sqlite: str) -> None:
    from django.core.management import call_command

    call_command("migrate", "authsession_adapter", "zero", database=django_sqlite, verbosity=0)
    tables = run_sql(django_sqlite, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    assert tables == [("django_migrations",)]


# --- Django's checks, and errors -----------------------------------------------------------


def test_system_check_wants_use_tz() -> None:
    from django.test import override_settings

    from authsession.adapters.django.apps import check_use_tz

    configure_django()
    assert check_use_tz() == []
    with override_settings(USE_TZ=False):
        [error] = check_use_tz()
    assert error.id == "authsession_adapter.E001"


async def test_unknown_alias_is_an_adapter_error() -> None:
    configure_django()
    with pytest.raises(AdapterError, match="get_user_by_email"):
        await DjangoAdapter(using="nowhere").get_user_by_email("ada@example.com")


async def test_password_never_in_errors(django_postgres_migrated: str) -> None:
    from django.db import connections

    settings = {**connections.settings[DJANGO_POSTGRES], "PORT": "9", "PASSWORD": "hunter2-secret"}
    connections.settings["adapter_unreachable"] = settings
    try:
        adapter = DjangoAdapter(using="adapter_unreachable")
        assert "hunter2" not in repr(adapter)
        with pytest.raises(AdapterError) as caught:
            await adapter.get_user("1")
        assert "hunter2" not in str(caught.value)
        assert "get_user" in str(caught.value)
    finally:
        del connections.settings["adapter_unreachable"]


async def test_recovers_after_connections_are_killed(django_postgres: str, django_postgres_url: str) -> None:
    """Persistent connections with health checks: a database restart (here: every connection
    terminated) costs no call."""
    from django.db import connections

    settings = connections.settings[django_postgres]
    settings.update(CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)
    try:
        adapter = DjangoAdapter(using=django_postgres)
        created = await adapter.create_user({"email": "restart@example.com"})
        await asyncio.gather(*(adapter.get_user(created["id"]) for _ in range(20)))  # connections in many threads
        await kill_connections(django_postgres_url)
        found = await asyncio.gather(*(adapter.get_user(created["id"]) for _ in range(20)))
        assert found == [created] * 20
    finally:
        # The threads' open connections are dropped with the run's database.
        settings.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)


async def test_a_sync_view_under_asgi_waiting_on_the_bridge(django_sqlite: str) -> None:
    """Django's ASGI handler runs a sync view in the thread of its request's thread-sensitive
    context; a view that reads the session waits on the sync bridge there. Had the adapter used
    Django's thread-sensitive executor, its query would wait for that very thread: a deadlock."""
    from asgiref.sync import ThreadSensitiveContext

    from authsession.integrations import _bridge

    adapter = DjangoAdapter(using=django_sqlite)
    created = await adapter.create_user({"email": "view@example.com"})

    def view() -> Any:
        return _bridge.run(asyncio.wait_for(adapter.get_user(created["id"]), timeout=10))

    async with ThreadSensitiveContext():
        assert await sync_to_async(view, thread_sensitive=True)() == created
