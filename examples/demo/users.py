"""The demo's sign-up store: users in the Auth.js schema, their argon2 hashes beside them.

Users live in the ``users`` table that :class:`~authsession.adapters.sqlalchemy.SQLAlchemyAdapter`
reads and writes, so credentials, email and OAuth sign-in all find the same person. Auth.js has
no place for passwords, so the hashes go to a table of the demo's own, ``demo_passwords``, in the
same SQLite file, keyed by the id the adapter gave the user.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from functools import cached_property
from pathlib import Path

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import URL, Column, ForeignKey, MetaData, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError

from authsession.adapters import AdapterError
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.adapters.sqlalchemy import metadata as authjs_metadata
from authsession.types import User

MIN_PASSWORD_LENGTH = 8
# argon2 accepts any length; a cap keeps one request from hashing megabytes.
MAX_PASSWORD_LENGTH = 1024
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

demo_metadata = MetaData()

#: One argon2 hash per user. The id is the adapter's (a decimal string); SQLite compares it with
#: ``users.id`` as an integer, and deleting the user deletes the hash.
passwords = Table(
    "demo_passwords",
    demo_metadata,
    Column("user_id", Text, ForeignKey(authjs_metadata.tables["users"].c.id, ondelete="CASCADE"), primary_key=True),
    Column("hash", Text, nullable=False),
)


class EmailTaken(Exception):
    """Someone already has an account with this email address."""


def sqlite_url(path: str | Path) -> URL:
    """``sqlite+aiosqlite:///{path}``, built so that any character in ``path`` is safe."""
    return URL.create("sqlite+aiosqlite", database=str(path))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def sign_up_problems(name: str, email: str, password: str, confirm: str) -> list[str]:
    """What is wrong with a sign-up form, as messages for the user; empty when it is fine."""
    problems = []
    if not name.strip():
        problems.append("Please enter your name.")
    elif len(name.strip()) > MAX_NAME_LENGTH:
        problems.append(f"Your name can be at most {MAX_NAME_LENGTH} characters.")
    email = normalize_email(email)
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        problems.append("Please enter a valid email address, like you@example.com.")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Your password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Your password can be at most {MAX_PASSWORD_LENGTH} characters long.")
    if password != confirm:
        problems.append("The two passwords do not match.")
    return problems


class UserStore:
    """Sign-up and password checks on top of ``adapter`` (the one authsession uses).

    argon2 is deliberately slow, so hashing runs in a worker thread, off the event loop.
    """

    def __init__(self, adapter: SQLAlchemyAdapter, hasher: PasswordHasher | None = None) -> None:
        self.adapter = adapter
        self.hasher = hasher or PasswordHasher()

    async def create_tables(self) -> None:
        """The Auth.js tables and ``demo_passwords``, where missing (safe on every start)."""
        await self.adapter.create_schema()
        async with self.adapter.engine.begin() as conn:
            await conn.run_sync(demo_metadata.create_all)

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hasher.hash(uuid.uuid4().hex)

    async def create(self, *, name: str, email: str, password: str) -> User:
        """Store a new user through the adapter, then their hash; raises :class:`EmailTaken`."""
        email = normalize_email(email)
        if await self.adapter.get_user_by_email(email) is not None:
            raise EmailTaken(email)
        password_hash = await anyio.to_thread.run_sync(self.hasher.hash, password)
        try:
            user = await self.adapter.create_user({"name": name.strip(), "email": email, "emailVerified": None})
        except AdapterError as exc:
            # Two sign-ups for one address at once: the UNIQUE constraint lets one through.
            if isinstance(exc.__cause__, IntegrityError):
                raise EmailTaken(email) from exc
            raise
        try:
            async with self.adapter.engine.begin() as conn:
                await conn.execute(insert(passwords).values(user_id=user["id"], hash=password_hash))
        except Exception:
            # A user without a password could never sign in with one, nor sign up again.
            await self.adapter.delete_user(user["id"])
            raise
        return user

    async def ensure(self, *, name: str, email: str, password: str) -> bool:
        """Create the user unless the email exists; whether it was created."""
        try:
            await self.create(name=name, email=email, password=password)
        except EmailTaken:
            return False
        return True

    async def authenticate(self, email: str, password: str) -> User | None:
        """The adapter's user with this email and password, or ``None``.

        An unknown email (or an account without a password: email or OAuth sign-in) still costs
        one hash check, so response times do not reveal which addresses have accounts.
        """
        user = await self.adapter.get_user_by_email(normalize_email(email))
        password_hash = await self._hash_of(user["id"]) if user is not None else None
        if user is None or password_hash is None:
            # A lambda, so that the first dummy hash is made in the worker thread too.
            await anyio.to_thread.run_sync(lambda: self._verify(self._dummy_hash, password))
            return None
        if not await anyio.to_thread.run_sync(self._verify, password_hash, password):
            return None
        if self.hasher.check_needs_rehash(password_hash):
            new_hash = await anyio.to_thread.run_sync(self.hasher.hash, password)
            async with self.adapter.engine.begin() as conn:
                await conn.execute(update(passwords).where(passwords.c.user_id == user["id"]).values(hash=new_hash))
        return user

    async def _hash_of(self, user_id: str) -> str | None:
        async with self.adapter.engine.connect() as conn:
            found = await conn.scalar(select(passwords.c.hash).where(passwords.c.user_id == user_id))
        return found if isinstance(found, str) else None

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        # VerifyMismatchError (wrong password) is a VerificationError; InvalidHashError is a bad row.
        except (VerificationError, InvalidHashError):
            return False


def seed_user(path: str | Path, *, name: str, email: str, password: str) -> bool:
    """From sync code (a script, a benchmark's set-up): create the tables, and the user unless
    the email exists; whether it was created. Not for use inside a running event loop."""

    async def seed() -> bool:
        adapter = SQLAlchemyAdapter(sqlite_url(path))
        try:
            store = UserStore(adapter)
            await store.create_tables()
            return await store.ensure(name=name, email=email, password=password)
        finally:
            await adapter.close()

    return asyncio.run(seed())
