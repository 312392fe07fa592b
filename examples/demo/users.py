"""The demo's sign-up store: users in an embedded SQLite file, passwords hashed with argon2.

Every method opens its own short-lived connection, so the store is safe to call from the
worker threads that run the credentials provider's (sync) ``authorize``.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
# argon2 accepts any length; a cap keeps one request from hashing megabytes.
MAX_PASSWORD_LENGTH = 1024
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class StoredUser:
    id: str
    name: str
    email: str


class EmailTaken(Exception):
    """Someone already signed up with this email address."""


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
    """Users in the SQLite file at ``path`` (created with its table on first use)."""

    def __init__(self, path: str | Path, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self.hasher = hasher or PasswordHasher()
        with self._connect() as db:
            db.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # closing() ends the connection; the inner `with db` commits or rolls back.
        with closing(sqlite3.connect(self.path)) as db, db:
            yield db

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hasher.hash(uuid.uuid4().hex)

    def create(self, *, name: str, email: str, password: str) -> StoredUser:
        """Store a new user; raises :class:`EmailTaken` if the email is already registered."""
        user = StoredUser(id=uuid.uuid4().hex, name=name.strip(), email=normalize_email(email))
        password_hash = self.hasher.hash(password)
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT INTO users (id, name, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    (user.id, user.name, user.email, password_hash, datetime.now(UTC).isoformat()),
                )
        except sqlite3.IntegrityError as exc:
            raise EmailTaken(user.email) from exc
        return user

    def ensure(self, *, name: str, email: str, password: str) -> bool:
        """Create the user unless the email exists; whether it was created."""
        try:
            self.create(name=name, email=email, password=password)
        except EmailTaken:
            return False
        return True

    def authenticate(self, email: str, password: str) -> StoredUser | None:
        """The user with this email and password, or ``None``.

        An unknown email still costs one hash check, so response times do not reveal
        which addresses have accounts.
        """
        email = normalize_email(email)
        with self._connect() as db:
            row = db.execute("SELECT id, name, email, password_hash FROM users WHERE email = ?", (email,)).fetchone()
        if row is None:
            self._verify(self._dummy_hash, password)
            return None
        user_id, name, stored_email, password_hash = row
        if not self._verify(password_hash, password):
            return None
        if self.hasher.check_needs_rehash(password_hash):
            with self._connect() as db:
                db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (self.hasher.hash(password), user_id))
        return StoredUser(id=user_id, name=name, email=stored_email)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        # VerifyMismatchError (wrong password) is a VerificationError; InvalidHashError is a bad row.
        except (VerificationError, InvalidHashError):
            return False
