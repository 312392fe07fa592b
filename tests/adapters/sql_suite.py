"""What the adapters on the Auth.js SQL schema (SQLAlchemy, Django ORM) add to the conformance
suite, for every database they run on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from authsession.adapters import AdapterError
from authsession.adapters._authjs_schema import ACCOUNT_FIELDS
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter, accounts, metadata
from authsession.testing import AdapterConformanceSuite
from authsession.testing.adapter_suite import at, new_user, oauth_account


class AuthjsSchemaSuite(AdapterConformanceSuite):
    """Override :meth:`sql` (and :attr:`tables` if the adapter has more) to run the tests."""

    tables: tuple[str, ...] = ("users", "accounts", "sessions", "verification_token")

    async def sql(self, adapter: Any, statement: str) -> list[tuple[Any, ...]]:
        """Run ``statement`` on the adapter's database, committed, and return its rows."""
        raise NotImplementedError

    async def leftovers(self, adapter: Any) -> Sequence[str] | None:
        found = []
        for table in self.tables:
            [(count,)] = await self.sql(adapter, f"SELECT count(*) FROM {table}")  # noqa: S608 (our names)
            found += [table] * count
        return found

    async def test_ids_are_decimal_strings(self, adapter: Any) -> None:
        given = new_user()
        created = await adapter.create_user(given)
        # The Auth.js schema's ids are SERIAL: the database picks one, as @auth/pg-adapter does.
        assert created["id"].isdigit()
        assert created["id"] != given["id"]
        session = await self.create_session(adapter, created["id"])
        assert session["userId"] == created["id"]

    async def test_naive_datetimes_are_refused(self, adapter: Any) -> None:
        _, created = await self.create_user(adapter)
        with pytest.raises(AdapterError, match="naive datetime"):
            await adapter.create_session(
                {"sessionToken": uuid.uuid4().hex, "userId": created["id"], "expires": datetime(2030, 1, 1)}
            )

    async def test_session_for_unknown_user_is_refused(self, adapter: Any) -> None:
        for user_id in ("424242", "not-a-number"):
            with pytest.raises(AdapterError):
                await adapter.create_session({"sessionToken": uuid.uuid4().hex, "userId": user_id, "expires": at(1)})
        assert await self.leftovers(adapter) == []

    async def test_foreign_keys_cascade_in_the_database(self, adapter: Any) -> None:
        # A Next.js app deleting the user row directly must not leave orphans either.
        _, created = await self.create_user(adapter)
        await adapter.link_account(oauth_account(created["id"]))
        await self.create_session(adapter, created["id"])
        await self.sql(adapter, f"DELETE FROM users WHERE id = {int(created['id'])}")  # noqa: S608 (an int)
        assert await self.leftovers(adapter) == []

    async def test_extra_account_fields_are_ignored(self, adapter: Any) -> None:
        # next-auth 4 passes every token-endpoint field through to linkAccount.
        _, created = await self.create_user(adapter)
        account: Any = oauth_account(
            created["id"], expires_in=3600, refresh_expires_in=7200, **{"not-before-policy": 0}
        )
        await adapter.link_account(account)
        rows = await self.sql(adapter, 'SELECT "userId", access_token FROM accounts')
        assert rows == [(int(created["id"]), account["access_token"])]


class SQLAlchemyAdapterSuite(AuthjsSchemaSuite):
    tables = tuple(table.name for table in metadata.sorted_tables)

    async def sql(self, adapter: SQLAlchemyAdapter, statement: str) -> list[tuple[Any, ...]]:
        async with adapter.engine.begin() as conn:
            result = await conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []

    def test_account_fields_are_the_table_columns(self) -> None:
        assert tuple(c.name for c in accounts.columns if c.name not in ("id", "userId")) == ACCOUNT_FIELDS

    async def test_reads_see_the_latest_write(self, adapter: SQLAlchemyAdapter) -> None:
        # Reads may run on a connection of their own (SQLite) or skip the transaction (PostgreSQL):
        # each still sees what was committed just before it.
        _, created = await self.create_user(adapter)
        session = await self.create_session(adapter, created["id"])
        token = session["sessionToken"]
        for expires in (at(2), at(3)):
            await adapter.update_session(token, expires)
            found = await adapter.get_session_and_user(token)
            assert found is not None
            assert found[0]["expires"] == expires
        await adapter.delete_session(token)
        assert await adapter.get_session_and_user(token) is None

    async def test_create_schema_is_idempotent(self, adapter: SQLAlchemyAdapter) -> None:
        await adapter.create_schema()
        await adapter.create_schema()
