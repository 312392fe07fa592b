"""The demo's sign-up store: users in the Auth.js schema, their argon2 hashes beside them.

Users live in the ``users`` table that :class:`~authsession.adapters.sqlalchemy.SQLAlchemyAdapter`
reads and writes, so credentials, email and OAuth sign-in all find the same person. Auth.js has
no place for passwords, so the hashes go to a table of the demo's own, ``demo_passwords``, in the
same SQLite file, keyed by the id the adapter gave the user.

A sign-up proves nothing about the address it names, so it creates no user: it waits in
``demo_signups`` until the link mailed to that address is opened (:meth:`UserStore.confirm_sign_up`).
Otherwise anyone could sign up as ``victim@example.com`` with their own password before the victim
ever came, and keep a password into the account the victim later reaches by an email link or
OAuth ("account pre-hijacking"). Only a confirmed password is ever checked at sign-in.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import URL, Column, DateTime, ForeignKey, MetaData, Table, Text, delete, insert, select, update
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

#: Sign-ups waiting for their address to be confirmed: no user exists for them yet. The token
#: is stored as a SHA-256 hash, like Auth.js' verification tokens; a new sign-up replaces the old.
signups = Table(
    "demo_signups",
    demo_metadata,
    Column("email", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("token_hash", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False),
)

#: How long a sign-up's confirmation link works, and how often one address may be sent one.
SIGN_UP_MAX_AGE = timedelta(hours=24)
SIGN_UP_RESEND_AFTER = timedelta(minutes=1)


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
        """Store a new user through the adapter, then their hash; raises :class:`EmailTaken`.

        For trusted callers only (the seed account, scripts): the password works at once. The
        sign-up page goes through :meth:`request_sign_up` and :meth:`confirm_sign_up` instead.
        """
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

    async def request_sign_up(self, *, name: str, email: str, password: str) -> str | None:
        """Keep a sign-up until its address is confirmed; the token to mail, or ``None`` when
        one was sent to this address less than :data:`SIGN_UP_RESEND_AFTER` ago.

        It answers the same whether or not the address has an account (the caller must too):
        confirming proves the inbox, as an email sign-in link does, so it may set the password
        of an existing account as well.
        """
        email = normalize_email(email)
        password_hash = await anyio.to_thread.run_sync(self.hasher.hash, password)
        now = datetime.now(UTC)
        token = secrets.token_urlsafe(32)
        row = {
            "name": name.strip(),
            "hash": password_hash,
            "token_hash": _token_hash(token),
            "created": now,
            "expires": now + SIGN_UP_MAX_AGE,
        }
        async with self.adapter.engine.begin() as conn:
            created = await conn.scalar(select(signups.c.created).where(signups.c.email == email))
            if created is not None and _aware(created) > now - SIGN_UP_RESEND_AFTER:
                return None
            if created is None:
                await conn.execute(insert(signups).values(email=email, **row))
            else:
                await conn.execute(update(signups).where(signups.c.email == email).values(**row))
        return token

    async def confirm_sign_up(self, email: str, token: str) -> User | None:
        """Use a sign-up's link once: the user (created now if new, its address marked verified)
        with the sign-up's password, or ``None`` for an unknown, used or expired link."""
        email = normalize_email(email)
        async with self.adapter.engine.begin() as conn:
            found = (await conn.execute(select(signups).where(signups.c.email == email))).first()
            if found is None or not hmac.compare_digest(found.token_hash, _token_hash(token)):
                return None
            await conn.execute(delete(signups).where(signups.c.email == email))
        if _aware(found.expires) < datetime.now(UTC):
            return None
        now = datetime.now(UTC)
        user = await self.adapter.get_user_by_email(email)
        if user is None:
            user = await self.adapter.create_user({"name": found.name, "email": email, "emailVerified": now})
        elif user.get("emailVerified") is None:
            user = await self.adapter.update_user({"id": user["id"], "emailVerified": now})
        await self._set_password(user["id"], found.hash)
        return user

    async def drop_sign_up(self, email: str) -> None:
        """Forget a waiting sign-up: the address's owner signed in another way, so a sign-up they
        did not finish (perhaps someone else's, with that someone's password) must not linger."""
        async with self.adapter.engine.begin() as conn:
            await conn.execute(delete(signups).where(signups.c.email == normalize_email(email)))

    async def _set_password(self, user_id: str, password_hash: str) -> None:
        async with self.adapter.engine.begin() as conn:
            await conn.execute(delete(passwords).where(passwords.c.user_id == user_id))
            await conn.execute(insert(passwords).values(user_id=user_id, hash=password_hash))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        # VerifyMismatchError (wrong password) is a VerificationError; InvalidHashError is a bad row.
        except (VerificationError, InvalidHashError):
            return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
