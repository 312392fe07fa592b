"""Adapters: where users, accounts, database sessions, email tokens and passkeys are stored.

An adapter is any object with the methods of :class:`Adapter`, and of
:class:`AuthenticatorAdapter` for passkeys (Auth.js' adapter interface in snake_case). Records
are ``TypedDict``s whose keys are Auth.js' (``userId``, ``providerAccountId``, ``sessionToken``,
``emailVerified``), so they match the SQL schema a Next.js app using ``@auth/pg-adapter`` reads
and writes. Datetimes are timezone-aware UTC.

Ships with :class:`MemoryAdapter` (tests), ``authsession.adapters.sqlalchemy.SQLAlchemyAdapter``
(SQLite, PostgreSQL), ``authsession.adapters.django.DjangoAdapter`` (Django's ORM) and
``authsession.adapters.redis.RedisAdapter``; every one passes the conformance suite in
:mod:`authsession.testing`. Each also implements :class:`TwoFactorAdapter`, the storage of
two-factor sign-in, :class:`SessionManagementAdapter`, that of "Your sessions", and
:class:`PasswordAdapter`, that of password accounts. :class:`SessionCache` wraps
any of them to answer database session reads from memory for a few seconds.
"""

from authsession.adapters.base import (
    Adapter,
    AdapterError,
    AuthenticatorAdapter,
    PasswordAdapter,
    SessionManagementAdapter,
    TwoFactorAdapter,
)
from authsession.adapters.cache import SessionCache
from authsession.adapters.memory import MemoryAdapter

__all__ = [
    "Adapter",
    "AdapterError",
    "AuthenticatorAdapter",
    "MemoryAdapter",
    "PasswordAdapter",
    "SessionCache",
    "SessionManagementAdapter",
    "TwoFactorAdapter",
]
