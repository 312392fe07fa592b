"""SQL adapter on SQLAlchemy 2 (async): SQLite by default, PostgreSQL in production.

The tables are the ones ``@auth/pg-adapter`` reads and writes (its ``schema.sql``): ``users``,
``accounts``, ``sessions`` and ``verification_token``, with the same quoted camelCase column
names (``"userId"``, ``"providerAccountId"``, ``"sessionToken"``, ``"emailVerified"``), the same
types and constraints. A Next.js app using that adapter and a Python app using this one can
share one PostgreSQL database. Passkeys live in ``authenticators``, with the columns of Auth.js
5's ``Authenticator`` model (``@auth/pg-adapter`` 1.11.3 has no authenticator methods to share).

Create the tables with ``await adapter.create_schema()`` (idempotent), or apply
``authsession/adapters/sql/001_authjs_schema.sql`` by hand or from your migration tool (and
``002_two_factor.sql``, authsession's own two-factor tables, which Auth.js never reads, and
``003_authenticators.sql``, Auth.js 5's table of passkeys). Alembic users can point
``target_metadata`` at :data:`metadata`.

Reads are one round trip. On PostgreSQL (asyncpg) a read runs on the driver directly, as a
statement asyncpg prepares once per connection, on a connection from the engine's pool; the
pool drops connections the server closed (a restart) by asking asyncpg, which knows without a
ping, and a read that meets a dead connection anyway is retried once on a new one. On a SQLite
file a read is a short indexed lookup, run on the event loop's own thread without aiosqlite's
thread hop (it falls back to aiosqlite while a writer holds a lock). Writes, and other drivers'
reads, go through SQLAlchemy.

Ids are ``SERIAL`` integers, as in Auth.js' SQL schema: the database assigns a new user's id
(any ``id`` you pass to ``create_user`` is ignored, exactly as ``@auth/pg-adapter`` does) and
records carry it as a decimal string, because the adapter protocol's ids are strings.

Requires ``pip install authsession[sqlalchemy]`` (SQLite, through aiosqlite) or
``authsession[postgres]`` (PostgreSQL, through asyncpg).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

try:
    from sqlalchemy import (
        BigInteger,
        Boolean,
        Column,
        DateTime,
        Dialect,
        ForeignKey,
        Integer,
        MetaData,
        PrimaryKeyConstraint,
        String,
        Table,
        Text,
        UniqueConstraint,
        bindparam,
        delete,
        event,
        exists,
        func,
        insert,
        select,
        text,
        update,
    )
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
    from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
    from sqlalchemy.pool import StaticPool
    from sqlalchemy.sql import Select
    from sqlalchemy.types import TypeDecorator
    from sqlalchemy.util import await_only, greenlet_spawn
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "SQLAlchemyAdapter needs SQLAlchemy 2 with asyncio: pip install authsession[sqlalchemy]"
        " (SQLite) or authsession[postgres] (PostgreSQL)"
    ) from exc

from authsession.adapters._authjs_schema import ACCOUNT_FIELDS, USER_FIELDS, int_id, pick
from authsession.adapters.base import AdapterError
from authsession.types import Account, AdapterSession, Authenticator, TwoFactorRecord, User, VerificationToken

__all__ = ["SQLAlchemyAdapter", "metadata"]


class _UTCDateTime(TypeDecorator[datetime]):
    """``TIMESTAMPTZ`` on PostgreSQL, naive UTC text on SQLite; timezone-aware UTC in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware one (datetime.now(UTC))")
        value = value.astimezone(UTC)
        # SQLite has no time zones; every stored value is UTC, so comparisons stay correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The Auth.js SQL schema. Column order, names, types and constraints follow @auth/pg-adapter.
metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255)),
    Column("email", String(255), unique=True),
    Column("emailVerified", _UTCDateTime),
    Column("image", Text),
    # Never reuse the id of a deleted user on SQLite (PostgreSQL's SERIAL never does).
    sqlite_autoincrement=True,
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(255), nullable=False),
    Column("provider", String(255), nullable=False),
    Column("providerAccountId", String(255), nullable=False),
    Column("refresh_token", Text),
    Column("access_token", Text),
    Column("expires_at", BigInteger),
    Column("id_token", Text),
    Column("scope", Text),
    Column("session_state", Text),
    Column("token_type", Text),
    UniqueConstraint("provider", "providerAccountId"),
    sqlite_autoincrement=True,
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("expires", _UTCDateTime, nullable=False),
    Column("sessionToken", String(255), unique=True, nullable=False),
    sqlite_autoincrement=True,
)

verification_token = Table(
    "verification_token",
    metadata,
    Column("identifier", Text, nullable=False),
    Column("expires", _UTCDateTime, nullable=False),
    Column("token", Text, nullable=False),
    PrimaryKeyConstraint("identifier", "token"),
)

#: Auth.js 5's passkeys (``sql/003_authenticators.sql``); @auth/pg-adapter has no table for them.
authenticators = Table(
    "authenticators",
    metadata,
    Column("credentialID", Text, nullable=False, unique=True),
    Column("userId", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("providerAccountId", Text, nullable=False),
    Column("credentialPublicKey", Text, nullable=False),
    Column("counter", Integer, nullable=False),
    Column("credentialDeviceType", Text, nullable=False),
    Column("credentialBackedUp", Boolean, nullable=False),
    Column("transports", Text),
    PrimaryKeyConstraint("userId", "credentialID"),
)

#: authsession's two-factor tables (``sql/002_two_factor.sql``): not part of Auth.js, which never reads them.
two_factor = Table(
    "two_factor",
    metadata,
    Column("userId", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    Column("secret", Text, nullable=False),
    Column("enabledAt", _UTCDateTime),
    Column("lastStep", BigInteger, nullable=False, server_default=text("0")),
)

two_factor_recovery_codes = Table(
    "two_factor_recovery_codes",
    metadata,
    Column("userId", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("codeHash", String(255), nullable=False),
    PrimaryKeyConstraint("userId", "codeHash"),
)

#: The reads, built once (building a statement costs more than running it on a warm connection).
_SESSION_AND_USER = (
    select(sessions.c.sessionToken, sessions.c.userId, sessions.c.expires, *users.c)
    .join(users, users.c.id == sessions.c.userId)
    .where(sessions.c.sessionToken == bindparam("token"))
)
_USER_BY_ID = select(users).where(users.c.id == bindparam("id"))
_USER_BY_EMAIL = select(users).where(users.c.email == bindparam("email"))
_USER_BY_ACCOUNT = (
    select(users)
    .join(accounts, accounts.c.userId == users.c.id)
    .where(accounts.c.provider == bindparam("provider"), accounts.c.providerAccountId == bindparam("account_id"))
)

_AUTHENTICATOR_FIELDS = tuple(c.name for c in authenticators.columns if c.name != "userId")

#: authsession's session-management tables (``sql/004_session_management.sql``); Auth.js never reads them.
session_details = Table(
    "session_details",
    metadata,
    Column("sessionToken", String(255), ForeignKey("sessions.sessionToken", ondelete="CASCADE"), primary_key=True),
    Column("createdAt", _UTCDateTime),
    Column("userAgent", Text),
    Column("ip", String(45)),
)

session_generations = Table(
    "session_generations",
    metadata,
    Column("userId", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False, server_default=text("0")),
)

#: Password hashes (``sql/005_passwords.sql``), for authsession.providers.password; Auth.js never reads it.
passwords = Table(
    "passwords",
    metadata,
    Column("userId", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    Column("hash", Text, nullable=False),
    Column("updatedAt", _UTCDateTime, nullable=False),
)

_DETAIL_FIELDS = ("createdAt", "userAgent", "ip")
#: Plain URLs get the async driver this adapter is tested with.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
_EXTRA_FOR_DRIVER = {"aiosqlite": "sqlalchemy", "asyncpg": "postgres", "psycopg": "postgres"}


class SQLAlchemyAdapter:
    """Store users, accounts, database sessions and email tokens in SQLite or PostgreSQL.

    :param url_or_engine: a database URL such as ``sqlite+aiosqlite:///auth.db`` or
        ``postgresql+asyncpg://user:password@host/db`` (plain ``sqlite://`` and ``postgresql://``
        URLs get those drivers), or an :class:`~sqlalchemy.ext.asyncio.AsyncEngine` you made.
    :param engine_options: extra keyword arguments for ``create_async_engine`` (``pool_size``,
        ``echo``...) when you pass a URL.

    Call :meth:`create_schema` once at start-up (or run the SQL migration), and :meth:`close`
    at shutdown. Errors from the database are raised as
    :class:`~authsession.adapters.AdapterError`; their messages never contain the password.

    Security: the ``sessions`` table holds live session tokens. Give the database user only the
    rights it needs, and keep the database off the public network.
    """

    def __init__(self, url_or_engine: str | URL | AsyncEngine, **engine_options: Any) -> None:
        if isinstance(url_or_engine, AsyncEngine):
            self._bound_engine = url_or_engine
            self._owns_engine = False
        else:
            url = _async_url(url_or_engine)
            options = _default_engine_options(url)
            options.update(engine_options)
            try:
                self._bound_engine = create_async_engine(url, **options)
            except ModuleNotFoundError as exc:
                extra = _EXTRA_FOR_DRIVER.get(url.get_driver_name(), "sqlalchemy")
                raise ImportError(
                    f"the {url.get_driver_name()!r} database driver is not installed: pip install authsession[{extra}]"
                ) from exc
            self._owns_engine = True
        self._password = self._bound_engine.url.password or ""
        dialect = self._bound_engine.dialect
        #: What _errors turns into AdapterError: reads on the driver directly raise its own errors.
        self._failures: tuple[type[Exception], ...] = (
            SQLAlchemyError,
            OSError,
            ValueError,
            sqlite3.Error,
            *_driver_errors(dialect.driver),
        )
        self._statements: dict[Select[Any], _Statement] = {}
        # Where reads skip aiosqlite's thread: a plain SQLite file, one connection per thread.
        self._sqlite_file = _plain_sqlite_file(self._bound_engine.url) if dialect.driver == "aiosqlite" else None
        self._on_asyncpg = dialect.driver == "asyncpg"
        self._sqlite_readers = threading.local()
        self._sqlite_opened: list[sqlite3.Connection] = []
        # Reads (and single-statement writes) need no transaction: on autocommit they cost one
        # round trip instead of BEGIN, query, ROLLBACK. Same pool as the engine. Not on SQLite:
        # there is no wire to save, and switching aiosqlite's mode costs two thread hops a call.
        if self._bound_engine.dialect.name == "sqlite":
            self._bound_autocommit: AsyncEngine = self._bound_engine
        else:
            self._bound_autocommit = self._bound_engine.execution_options(isolation_level="AUTOCOMMIT")
        if self._bound_engine.dialect.name == "sqlite":
            event.listen(self._bound_engine.sync_engine, "connect", _configure_sqlite)
        if self._bound_engine.dialect.driver == "aiosqlite":
            _hide_aiosqlite_arguments()
        if self._on_asyncpg:
            event.listen(self._bound_engine.sync_engine, "checkout", _drop_closed_asyncpg)
        # The loop the pool's connections belong to (see _follow_loop). aiosqlite's connections
        # are threads that answer whichever loop calls them: they need no following.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_bound = self._bound_engine.dialect.driver != "aiosqlite"

    @property
    def engine(self) -> AsyncEngine:
        """The engine behind the adapter, for your own queries on the same tables.

        Fetch it where you use it (``adapter.engine.begin()``): on a new event loop the adapter
        first lets go of the connections the previous loop opened.
        """
        return self._engine

    @property
    def _engine(self) -> AsyncEngine:
        self._follow_loop()
        return self._bound_engine

    @property
    def _autocommit(self) -> AsyncEngine:
        self._follow_loop()
        return self._bound_autocommit

    def _follow_loop(self) -> None:
        """Start a fresh pool when the running event loop is not the one the pool was used on.

        Async drivers' connections (asyncpg, aiosqlite) belong to the loop that opened them; once
        it is closed (``asyncio.run`` before the server, one ``TestClient`` per test) they raise
        "Event loop is closed" and every session read fails. Their old loop cannot close them
        any more, so the pool is dropped without closing them, and the engine opens new ones.
        """
        if not self._loop_bound:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # sync code (repr, set-up) opens no connection
        if loop is self._loop:
            return
        if self._loop is not None:
            self._bound_engine.sync_engine.dispose(close=False)
        self._loop = loop

    def __repr__(self) -> str:
        # SQLAlchemy's URL repr masks the password.
        return f"SQLAlchemyAdapter({self._bound_engine.url!r})"

    async def create_schema(self) -> None:
        """Create the Auth.js tables that do not exist yet (safe to call on every start)."""
        try:
            async with self._engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
        except DBAPIError:
            # Another process may have created the tables between the check and the CREATE:
            # check again, and fail only if that was not it.
            with self._errors("create_schema"):
                async with self._engine.begin() as conn:
                    await conn.run_sync(metadata.create_all)

    async def close(self) -> None:
        """Close the connection pool, if the adapter made it (an engine you passed is yours)."""
        for reader in self._sqlite_opened:
            reader.close()
        self._sqlite_opened.clear()
        if self._owns_engine:
            await self._engine.dispose()

    # --- users ------------------------------------------------------------------------------

    async def create_user(self, user: User) -> User:
        """Insert ``user`` and return it with the id the database gave it."""
        values = pick(user, USER_FIELDS)
        with self._errors("create_user"):
            async with self._engine.begin() as conn:
                row = (await conn.execute(insert(users).values(values).returning(*users.c))).mappings().one()
        return _user(row)

    async def get_user(self, id: str) -> User | None:
        user_id = int_id(id)
        if user_id is None:
            return None
        return await self._one_user("get_user", _USER_BY_ID, {"id": user_id})

    async def get_user_by_email(self, email: str) -> User | None:
        return await self._one_user("get_user_by_email", _USER_BY_EMAIL, {"email": email})

    async def get_user_by_account(self, provider: str, provider_account_id: str) -> User | None:
        params = {"provider": provider, "account_id": provider_account_id}
        return await self._one_user("get_user_by_account", _USER_BY_ACCOUNT, params)

    async def update_user(self, user: User) -> User:
        """Set the fields present in ``user`` and return the whole user."""
        user_id = int_id(user.get("id"))
        values = pick(user, USER_FIELDS)
        with self._errors("update_user"):
            async with self._engine.begin() as conn:
                if values and user_id is not None:
                    statement = update(users).where(users.c.id == user_id).values(values).returning(*users.c)
                    row = (await conn.execute(statement)).mappings().one_or_none()
                else:
                    row = (await conn.execute(select(users).where(users.c.id == user_id))).mappings().one_or_none()
        if row is None:
            raise AdapterError(f"SQLAlchemyAdapter.update_user: no user with id {user.get('id')!r}")
        return _user(row)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user, their accounts, sessions and authenticators, in one transaction."""
        uid = int_id(user_id)
        if uid is None:
            return
        with self._errors("delete_user"):
            async with self._engine.begin() as conn:
                # ON DELETE CASCADE does this too; explicit deletes also clean a schema made
                # from the Auth.js docs, which has no foreign keys.
                tokens = select(sessions.c.sessionToken).where(sessions.c.userId == uid)
                await conn.execute(delete(session_details).where(session_details.c.sessionToken.in_(tokens)))
                await conn.execute(delete(sessions).where(sessions.c.userId == uid))
                await conn.execute(delete(authenticators).where(authenticators.c.userId == uid))
                await conn.execute(delete(accounts).where(accounts.c.userId == uid))
                await conn.execute(delete(two_factor_recovery_codes).where(two_factor_recovery_codes.c.userId == uid))
                await conn.execute(delete(two_factor).where(two_factor.c.userId == uid))
                await conn.execute(delete(session_generations).where(session_generations.c.userId == uid))
                await conn.execute(delete(passwords).where(passwords.c.userId == uid))
                await conn.execute(delete(users).where(users.c.id == uid))

    # --- accounts ---------------------------------------------------------------------------

    async def link_account(self, account: Account) -> None:
        """Insert the account; a second link of the same provider account raises :class:`AdapterError`.

        Keys that are not columns of the Auth.js schema (extra token fields) are not stored.
        """
        uid = int_id(account.get("userId"))
        if uid is None:
            raise AdapterError(f"SQLAlchemyAdapter.link_account: no user with id {account.get('userId')!r}")
        values = pick(account, ACCOUNT_FIELDS)
        values["userId"] = uid
        with self._errors("link_account"):
            async with self._engine.begin() as conn:
                await conn.execute(insert(accounts).values(values))

    async def unlink_account(self, provider: str, provider_account_id: str) -> None:
        statement = delete(accounts).where(
            accounts.c.provider == provider, accounts.c.providerAccountId == provider_account_id
        )
        with self._errors("unlink_account"):
            async with self._engine.begin() as conn:
                await conn.execute(statement)

    # --- sessions ---------------------------------------------------------------------------

    async def create_session(self, session: AdapterSession) -> AdapterSession:
        uid = int_id(session["userId"])
        if uid is None:
            raise AdapterError(f"SQLAlchemyAdapter.create_session: no user with id {session['userId']!r}")
        statement = (
            insert(sessions)
            .values(sessionToken=session["sessionToken"], userId=uid, expires=session["expires"])
            .returning(sessions.c.sessionToken, sessions.c.userId, sessions.c.expires)
        )
        details = pick(session, _DETAIL_FIELDS)
        with self._errors("create_session"):
            async with self._engine.begin() as conn:
                row = (await conn.execute(statement)).mappings().one()
                if details:
                    await conn.execute(insert(session_details).values(sessionToken=row["sessionToken"], **details))
        return {**_session(row), **details}  # type: ignore[typeddict-item]

    async def get_session_and_user(self, session_token: str) -> tuple[AdapterSession, User] | None:
        """The session and its user, in one query (a join)."""
        row = await self._read("get_session_and_user", _SESSION_AND_USER, {"token": session_token})
        if row is None:
            return None
        return _session(row), _user(row)

    async def update_session(self, session_token: str, expires: datetime) -> AdapterSession | None:
        statement = (
            update(sessions)
            .where(sessions.c.sessionToken == session_token)
            .values(expires=expires)
            .returning(sessions.c.sessionToken, sessions.c.userId, sessions.c.expires)
        )
        with self._errors("update_session"):
            # begin(): commits on SQLite; on autocommit it sends no BEGIN at all.
            async with self._autocommit.begin() as conn:
                row = (await conn.execute(statement)).mappings().one_or_none()
        return _session(row) if row is not None else None

    async def delete_session(self, session_token: str) -> AdapterSession | None:
        statement = (
            delete(sessions)
            .where(sessions.c.sessionToken == session_token)
            .returning(sessions.c.sessionToken, sessions.c.userId, sessions.c.expires)
        )
        with self._errors("delete_session"):
            async with self._engine.begin() as conn:
                row = (await conn.execute(statement)).mappings().one_or_none()
        return _session(row) if row is not None else None

    # --- verification tokens ----------------------------------------------------------------

    async def create_verification_token(self, token: VerificationToken) -> VerificationToken:
        statement = insert(verification_token).values(
            identifier=token["identifier"], token=token["token"], expires=token["expires"]
        )
        with self._errors("create_verification_token"):
            async with self._engine.begin() as conn:
                await conn.execute(statement)
        return {"identifier": token["identifier"], "token": token["token"], "expires": token["expires"].astimezone(UTC)}

    async def use_verification_token(self, identifier: str, token: str) -> VerificationToken | None:
        """Delete the token and return it, in one statement (``DELETE ... RETURNING``): single use."""
        statement = (
            delete(verification_token)
            .where(verification_token.c.identifier == identifier, verification_token.c.token == token)
            .returning(verification_token.c.identifier, verification_token.c.token, verification_token.c.expires)
        )
        with self._errors("use_verification_token"):
            async with self._engine.begin() as conn:
                row = (await conn.execute(statement)).mappings().one_or_none()
        if row is None:
            return None
        return {"identifier": row["identifier"], "token": row["token"], "expires": row["expires"]}

    async def has_verification_token_expiring_after(self, identifier: str, after: datetime) -> bool:
        """authsession's extension for rate-limiting email sign-in (not in Auth.js)."""
        query = select(
            exists().where(verification_token.c.identifier == identifier, verification_token.c.expires > after)
        )
        with self._errors("has_verification_token_expiring_after"):
            async with self._autocommit.connect() as conn:
                return bool((await conn.execute(query)).scalar())

    # --- two-factor (TwoFactorAdapter) --------------------------------------------------------

    async def get_two_factor(self, user_id: str) -> TwoFactorRecord | None:
        uid = int_id(user_id)
        if uid is None:
            return None
        with self._errors("get_two_factor"):
            async with self._autocommit.connect() as conn:
                row = (await conn.execute(select(two_factor).where(two_factor.c.userId == uid))).mappings().first()
        if row is None:
            return None
        return {
            "userId": str(row["userId"]),
            "secret": row["secret"],
            "enabledAt": row["enabledAt"],
            "lastStep": row["lastStep"],
        }

    async def set_two_factor(self, record: TwoFactorRecord, recovery_codes: Sequence[str] | None = None) -> None:
        uid = int_id(record["userId"])
        if uid is None:
            raise AdapterError(f"SQLAlchemyAdapter.set_two_factor: no user with id {record['userId']!r}")
        values = {"secret": record["secret"], "enabledAt": record["enabledAt"], "lastStep": record["lastStep"]}
        with self._errors("set_two_factor"):
            async with self._engine.begin() as conn:
                changed = await conn.execute(update(two_factor).where(two_factor.c.userId == uid).values(values))
                if changed.rowcount == 0:
                    await conn.execute(insert(two_factor).values(userId=uid, **values))
                if recovery_codes is not None:
                    codes = two_factor_recovery_codes
                    await conn.execute(delete(codes).where(codes.c.userId == uid))
                    if recovery_codes:
                        await conn.execute(insert(codes), [{"userId": uid, "codeHash": h} for h in set(recovery_codes)])

    async def delete_two_factor(self, user_id: str) -> None:
        uid = int_id(user_id)
        if uid is None:
            return
        with self._errors("delete_two_factor"):
            async with self._engine.begin() as conn:
                await conn.execute(delete(two_factor_recovery_codes).where(two_factor_recovery_codes.c.userId == uid))
                await conn.execute(delete(two_factor).where(two_factor.c.userId == uid))

    async def use_two_factor_step(self, user_id: str, step: int) -> bool:
        """One conditional UPDATE: of two requests with the same code, the database lets one through."""
        uid = int_id(user_id)
        if uid is None:
            return False
        statement = (
            update(two_factor).where(two_factor.c.userId == uid, two_factor.c.lastStep < step).values(lastStep=step)
        )
        with self._errors("use_two_factor_step"):
            async with self._engine.begin() as conn:
                return bool((await conn.execute(statement)).rowcount == 1)

    async def use_recovery_code(self, user_id: str, code_hash: str) -> bool:
        uid = int_id(user_id)
        if uid is None:
            return False
        codes = two_factor_recovery_codes
        statement = delete(codes).where(codes.c.userId == uid, codes.c.codeHash == code_hash)
        with self._errors("use_recovery_code"):
            async with self._engine.begin() as conn:
                return bool((await conn.execute(statement)).rowcount == 1)

    async def count_recovery_codes(self, user_id: str) -> int:
        uid = int_id(user_id)
        if uid is None:
            return 0
        codes = two_factor_recovery_codes
        query = select(func.count()).select_from(codes).where(codes.c.userId == uid)
        with self._errors("count_recovery_codes"):
            async with self._autocommit.connect() as conn:
                return int((await conn.execute(query)).scalar_one())

    # --- authenticators (passkeys) ----------------------------------------------------------

    async def create_authenticator(self, authenticator: Authenticator) -> Authenticator:
        """Insert the credential; one whose ``credentialID`` is stored raises :class:`AdapterError`."""
        uid = int_id(authenticator["userId"])
        if uid is None:
            raise AdapterError(f"SQLAlchemyAdapter.create_authenticator: no user with id {authenticator['userId']!r}")
        values = {**pick(authenticator, _AUTHENTICATOR_FIELDS), "userId": uid}
        with self._errors("create_authenticator"):
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(insert(authenticators).values(values).returning(*authenticators.c))
                ).mappings()
                return _authenticator(row.one())

    async def get_authenticator(self, credential_id: str) -> Authenticator | None:
        query = select(authenticators).where(authenticators.c.credentialID == credential_id)
        with self._errors("get_authenticator"):
            async with self._autocommit.connect() as conn:
                row = (await conn.execute(query)).mappings().one_or_none()
        return _authenticator(row) if row is not None else None

    async def list_authenticators_by_user_id(self, user_id: str) -> list[Authenticator]:
        uid = int_id(user_id)
        if uid is None:
            return []
        query = select(authenticators).where(authenticators.c.userId == uid)
        with self._errors("list_authenticators_by_user_id"):
            async with self._autocommit.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        return [_authenticator(row) for row in rows]

    async def update_authenticator_counter(self, credential_id: str, counter: int) -> Authenticator:
        statement = (
            update(authenticators)
            .where(authenticators.c.credentialID == credential_id)
            .values(counter=counter)
            .returning(*authenticators.c)
        )
        with self._errors("update_authenticator_counter"):
            async with self._autocommit.begin() as conn:
                row = (await conn.execute(statement)).mappings().one_or_none()
        if row is None:
            raise AdapterError("SQLAlchemyAdapter.update_authenticator_counter: no authenticator with this id")
        return _authenticator(row)

    # --- session management (SessionManagementAdapter) -------------------------------------------

    async def list_sessions_of_user(self, user_id: str) -> list[AdapterSession]:
        uid = int_id(user_id)
        if uid is None:
            return []
        query = (
            select(sessions.c.sessionToken, sessions.c.userId, sessions.c.expires, *session_details.c[1:])
            .outerjoin(session_details, session_details.c.sessionToken == sessions.c.sessionToken)
            .where(sessions.c.userId == uid, sessions.c.expires > datetime.now(UTC))
            .order_by(sessions.c.id)
        )
        with self._errors("list_sessions_of_user"):
            async with self._autocommit.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        return [{**_session(row), **{k: row[k] for k in _DETAIL_FIELDS}} for row in rows]  # type: ignore[typeddict-item]

    async def delete_sessions_of_user(self, user_id: str, keep: str | None = None) -> int:
        uid = int_id(user_id)
        if uid is None:
            return 0
        statement = delete(sessions).where(sessions.c.userId == uid)
        if keep is not None:
            statement = statement.where(sessions.c.sessionToken != keep)
        with self._errors("delete_sessions_of_user"):
            async with self._engine.begin() as conn:
                # Explicit, for a schema made without the foreign key's cascade.
                tokens = select(sessions.c.sessionToken).where(sessions.c.userId == uid)
                if keep is not None:
                    tokens = tokens.where(sessions.c.sessionToken != keep)
                await conn.execute(delete(session_details).where(session_details.c.sessionToken.in_(tokens)))
                return int((await conn.execute(statement)).rowcount)

    async def get_session_generation(self, user_id: str) -> int:
        uid = int_id(user_id)
        if uid is None:
            return 0
        query = select(session_generations.c.generation).where(session_generations.c.userId == uid)
        with self._errors("get_session_generation"):
            async with self._autocommit.connect() as conn:
                return int((await conn.execute(query)).scalar() or 0)

    async def bump_session_generation(self, user_id: str) -> int:
        """One UPDATE ... RETURNING (an INSERT for the first bump): concurrent bumps all count."""
        uid = int_id(user_id)
        if uid is None:
            raise AdapterError(f"SQLAlchemyAdapter.bump_session_generation: no user with id {user_id!r}")
        generations = session_generations
        bump = (
            update(generations)
            .where(generations.c.userId == uid)
            .values(generation=generations.c.generation + 1)
            .returning(generations.c.generation)
        )
        with self._errors("bump_session_generation"):
            async with self._engine.begin() as conn:
                value = (await conn.execute(bump)).scalar()
                if value is None:
                    try:
                        async with conn.begin_nested():
                            await conn.execute(insert(generations).values(userId=uid, generation=1))
                        return 1
                    except DBAPIError:  # another request inserted it first: bump that row
                        value = (await conn.execute(bump)).scalar_one()
                return int(value)

    # --- passwords (PasswordAdapter) -------------------------------------------------------------

    async def get_password_hash(self, user_id: str) -> str | None:
        uid = int_id(user_id)
        if uid is None:
            return None
        with self._errors("get_password_hash"):
            async with self._autocommit.connect() as conn:
                found = (await conn.execute(select(passwords.c.hash).where(passwords.c.userId == uid))).scalar()
        return str(found) if found is not None else None

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        uid = int_id(user_id)
        if uid is None:
            raise AdapterError(f"SQLAlchemyAdapter.set_password_hash: no user with id {user_id!r}")
        values = {"hash": password_hash, "updatedAt": datetime.now(UTC)}
        with self._errors("set_password_hash"):
            async with self._engine.begin() as conn:
                changed = await conn.execute(update(passwords).where(passwords.c.userId == uid).values(values))
                if changed.rowcount == 0:
                    await conn.execute(insert(passwords).values(userId=uid, **values))

    # --- helpers ----------------------------------------------------------------------------

    async def _one_user(self, method: str, query: Select[Any], params: Mapping[str, Any]) -> User | None:
        row = await self._read(method, query, params)
        return _user(row) if row is not None else None

    async def _read(self, method: str, query: Select[Any], params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The first row of ``query``, a read of at most one row by a unique key.

        ``params`` are strings and integers, which every driver takes as they are.
        """
        # try/except, not ``with self._errors(method)``: every database session read passes here,
        # and the two context managers cost more than the rest of this method.
        try:
            if self._sqlite_file is not None:
                try:
                    return self._read_sqlite(self._statement(query), params)
                except sqlite3.OperationalError:
                    pass  # a writer's lock (rare with WAL): wait for it in aiosqlite's thread, not on the loop
            elif self._on_asyncpg:
                return await greenlet_spawn(self._read_asyncpg, self._autocommit, self._statement(query), params)
            async with self._autocommit.connect() as conn:
                return cast("Mapping[str, Any] | None", (await conn.execute(query, params)).mappings().first())
        except self._failures as exc:
            raise self._error(method, exc) from exc

    def _statement(self, query: Select[Any]) -> _Statement:
        statement = self._statements.get(query)
        if statement is None:
            statement = self._statements[query] = _Statement.compile(query, self._bound_engine.dialect)
        return statement

    def _read_asyncpg(
        self, engine: AsyncEngine, statement: _Statement, params: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        # Runs in SQLAlchemy's greenlet: one switch for the pool checkout, the query and the return.
        # asyncpg prepares the statement once per connection and caches it.
        arguments = statement.arguments(params)
        for attempt in (1, 2):
            connection = engine.sync_engine.raw_connection()
            driver = connection.driver_connection
            assert driver is not None
            try:
                record = await_only(driver.fetchrow(statement.sql, *arguments))
            except _asyncpg_disconnects() as exc:
                # Closed under us (a restart, an idle timeout): a read is safe to run again.
                connection.invalidate(exc)
                if attempt == 2:
                    raise
                continue
            finally:
                connection.close()
            return statement.row(record) if record is not None else None
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_sqlite(self, statement: _Statement, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        reader: sqlite3.Connection | None = getattr(self._sqlite_readers, "connection", None)
        if reader is None:
            assert self._sqlite_file is not None
            # timeout=0: a locked database raises at once (the caller falls back) instead of
            # blocking the event loop; query_only: this connection can never write.
            reader = sqlite3.connect(self._sqlite_file, timeout=0, isolation_level=None, check_same_thread=False)
            reader.execute("PRAGMA query_only = ON")
            self._sqlite_readers.connection = reader
            self._sqlite_opened.append(reader)
        # fetchall, not fetchone: it runs the statement to its end, which ends the read
        # transaction, so the next read sees the latest commit.
        rows = reader.execute(statement.sql, statement.arguments(params)).fetchall()
        return statement.row(rows[0]) if rows else None

    @contextlib.contextmanager
    def _errors(self, method: str) -> Iterator[None]:
        """Re-raise database and driver errors as AdapterError, with the password masked."""
        try:
            yield
        except self._failures as exc:
            raise self._error(method, exc) from exc

    def _error(self, method: str, exc: Exception) -> AdapterError:
        message = f"SQLAlchemyAdapter.{method} failed: {_describe(exc)}"
        if self._password:
            message = message.replace(self._password, "***")
        return AdapterError(message, cause=exc)


@dataclass(frozen=True, slots=True)
class _Statement:
    """A read compiled once for one dialect: its SQL, the order of its parameters, and how to
    turn the driver's values into what SQLAlchemy would return (aware UTC datetimes)."""

    sql: str
    names: tuple[str, ...]
    keys: tuple[str, ...]
    decoders: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def compile(cls, query: Select[Any], dialect: Dialect) -> _Statement:
        compiled = query.compile(dialect=dialect)
        columns = list(query.selected_columns)
        return cls(
            sql=str(compiled),
            names=tuple(compiled.positiontup or ()),
            keys=tuple(str(column.key) for column in columns),
            decoders=tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns),
        )

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple([params[name] for name in self.names])

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        return {
            key: decode(value) if decode is not None else value
            for key, decode, value in zip(self.keys, self.decoders, values, strict=True)
        }


def _plain_sqlite_file(url: URL) -> str | None:
    """The file of a SQLite URL that names one plainly (no memory database, URI or options)."""
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file:") or url.query:
        return None
    return name


def _driver_errors(driver: str) -> tuple[type[Exception], ...]:
    """The driver's own errors, which reads running on the driver directly can raise."""
    if driver != "asyncpg":
        return ()
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError)


@functools.cache
def _asyncpg_disconnects() -> tuple[type[Exception], ...]:
    import asyncpg

    return (
        ConnectionError,
        asyncpg.InterfaceError,  # "connection is closed"
        asyncpg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError among them
        asyncpg.exceptions.AdminShutdownError,  # 57P01: the server is shutting down or restarting
        # The server's goodbye (an error while idle) has arrived, the socket's close not yet:
        # asyncpg refuses to start a query ("another operation is in progress").
        asyncpg.exceptions.InternalClientError,
    )


def _drop_closed_asyncpg(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    """The pool's check at checkout, in place of ``pool_pre_ping``'s round trip: asyncpg learns
    that the server closed a connection (a restart, ``pg_terminate_backend``) from the socket."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def _async_url(url: str | URL) -> URL:
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver is not None else parsed


class _CallName(logging.Filter):
    """aiosqlite logs each call it runs in its thread, arguments included, at DEBUG ("executing
    functools.partial(<execute>, sql, (session token, ...))"). Keep the call's name, drop the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], functools.partial):
            call = record.args[0].func
            record.args = (f"<{getattr(call, '__name__', type(call).__name__)} (arguments hidden by authsession)>",)
        return True


_CALL_NAME = _CallName()


def _hide_aiosqlite_arguments() -> None:
    # One filter on aiosqlite's own logger, added once; it only ever removes text.
    aiosqlite_logger = logging.getLogger("aiosqlite")
    if _CALL_NAME not in aiosqlite_logger.filters:
        aiosqlite_logger.addFilter(_CALL_NAME)


def _default_engine_options(url: URL) -> dict[str, Any]:
    # Bound parameters are session tokens, email tokens and OAuth tokens: SQLAlchemy must not
    # put them in its error messages (they reach tracebacks in logs) nor in its echo log.
    hidden: dict[str, Any] = {"hide_parameters": True}
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            # An in-memory database lives in one connection: share it.
            return {**hidden, "poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        return {**hidden, "pool_pre_ping": True}
    # pool_pre_ping: recover after the database restarts (asyncpg needs no ping: see
    # _drop_closed_asyncpg); pool_recycle: outlive idle timeouts of proxies and load balancers
    # between the app and the database.
    options: dict[str, Any] = {
        **hidden,
        "pool_pre_ping": url.get_driver_name() != "asyncpg",
        "pool_recycle": 1800,
        "pool_size": 10,
        "max_overflow": 10,
        "pool_timeout": 30,
    }
    if url.get_driver_name() == "asyncpg":
        # A database that accepts connections but never answers must not hang a page forever.
        options["connect_args"] = {"timeout": 10, "command_timeout": 10}
    return options


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection.
        cursor.execute("PRAGMA foreign_keys = ON")
        # Wait for a writer instead of failing at once; WAL lets readers run beside a writer.
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _describe(exc: BaseException) -> str:
    # Only the driver's first line: SQLAlchemy's own message repeats the SQL and its parameters,
    # which may be session or access tokens.
    cause: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _user(row: Mapping[Any, Any]) -> User:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "email": row["email"],
        "emailVerified": row["emailVerified"],
        "image": row["image"],
    }


def _session(row: Mapping[Any, Any]) -> AdapterSession:
    return {"sessionToken": row["sessionToken"], "userId": str(row["userId"]), "expires": row["expires"]}


def _authenticator(row: Mapping[Any, Any]) -> Authenticator:
    return {
        "credentialID": row["credentialID"],
        "userId": str(row["userId"]),
        "providerAccountId": row["providerAccountId"],
        "credentialPublicKey": row["credentialPublicKey"],
        "counter": int(row["counter"]),
        "credentialDeviceType": row["credentialDeviceType"],
        "credentialBackedUp": bool(row["credentialBackedUp"]),
        "transports": row["transports"],
    }
