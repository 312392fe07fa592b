"""What the SQLAlchemy adapter adds to the conformance suite, for every database it runs on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from authsession.adapters import AdapterError
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter, accounts, metadata, sessions, users
from authsession.testing import AdapterConformanceSuite
from authsession.testing.adapter_suite import at, new_user, oauth_account


class SQLAlchemyAdapterSuite(AdapterConformanceSuite):
    async def leftovers(self, adapter: Any) -> Sequence[str] | None:
        found = []
        async with adapter.engine.connect() as conn:
            for table in metadata.sorted_tables:
                count = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                found += [table.name] * count
        return found

    async def test_ids_are_decimal_strings(self, adapter: SQLAlchemyAdapter) -> None:
        given = new_user()
        created = await adapter.create_user(given)
        # The Auth.js schema's ids are SERIAL: the database picks one, as @auth/pg-adapter does.
        assert created["id"].isdigit()
        assert created["id"] != given["id"]
        session = await self.create_session(adapter, created["id"])
        assert session["userId"] == created["id"]

    async def test_get_session_and_user_is_one_query(self, adapter: SQLAlchemyAdapter) -> None:
        _, created = await self.create_user(adapter)
        session = await self.create_session(adapter, created["id"])
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(adapter.engine.sync_engine, "before_cursor_execute", record)
        try:
            assert await adapter.get_session_and_user(session["sessionToken"]) is not None
        finally:
            event.remove(adapter.engine.sync_engine, "before_cursor_execute", record)
        assert len(statements) == 1, statements
        assert "JOIN" in statements[0].upper()

    async def test_naive_datetimes_are_refused(self, adapter: SQLAlchemyAdapter) -> None:
        _, created = await self.create_user(adapter)
        with pytest.raises(AdapterError, match="naive datetime"):
            await adapter.create_session(
                {"sessionToken": uuid.uuid4().hex, "userId": created["id"], "expires": datetime(2030, 1, 1)}
            )

    async def test_session_for_unknown_user_is_refused(self, adapter: SQLAlchemyAdapter) -> None:
        for user_id in ("424242", "not-a-number"):
            with pytest.raises(AdapterError):
                await adapter.create_session({"sessionToken": uuid.uuid4().hex, "userId": user_id, "expires": at(1)})
        assert await self.leftovers(adapter) == []

    async def test_foreign_keys_cascade_in_the_database(self, adapter: SQLAlchemyAdapter) -> None:
        # A Next.js app deleting the user row directly must not leave orphans either.
        _, created = await self.create_user(adapter)
        await adapter.link_account(oauth_account(created["id"]))
        await self.create_session(adapter, created["id"])
        async with adapter.engine.begin() as conn:
            await conn.execute(users.delete().where(users.c.id == int(created["id"])))
            assert (await conn.execute(select(func.count()).select_from(accounts))).scalar_one() == 0
            assert (await conn.execute(select(func.count()).select_from(sessions))).scalar_one() == 0

    async def test_extra_account_fields_are_ignored(self, adapter: SQLAlchemyAdapter) -> None:
        # next-auth 4 passes every token-endpoint field through to linkAccount.
        _, created = await self.create_user(adapter)
        account: Any = oauth_account(
            created["id"], expires_in=3600, refresh_expires_in=7200, **{"not-before-policy": 0}
        )
        await adapter.link_account(account)
        async with adapter.engine.connect() as conn:
            row = (await conn.execute(text('SELECT "userId", access_token FROM accounts'))).one()
        assert row == (int(created["id"]), account["access_token"])

    async def test_create_schema_is_idempotent(self, adapter: SQLAlchemyAdapter) -> None:
        await adapter.create_schema()
        await adapter.create_schema()
