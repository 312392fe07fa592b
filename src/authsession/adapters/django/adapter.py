"""``DjangoAdapter``: the adapter protocol on this app's models, through Django's ORM."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db import Error as DatabaseError
from django.db.models import F, QuerySet
from django.utils.connection import ConnectionDoesNotExist

from authsession.adapters._authjs_schema import ACCOUNT_FIELDS, USER_FIELDS, int_id, pick
from authsession.adapters.base import AdapterError
from authsession.types import Account, AdapterSession, Authenticator, TwoFactorRecord, User, VerificationToken

T = TypeVar("T")

#: Record key -> model attribute, where they differ only by case style.
_USER_ATTRS = {"name": "name", "email": "email", "emailVerified": "email_verified", "image": "image"}
_ACCOUNT_ATTRS = {key: "provider_account_id" if key == "providerAccountId" else key for key in ACCOUNT_FIELDS}
_AUTHENTICATOR_ATTRS = {
    "credentialID": "credential_id",
    "providerAccountId": "provider_account_id",
    "credentialPublicKey": "credential_public_key",
    "counter": "counter",
    "credentialDeviceType": "credential_device_type",
    "credentialBackedUp": "credential_backed_up",
    "transports": "transports",
}
#: A session's details (``session_details``): record key -> model attribute.
_DETAIL_ATTRS = {"createdAt": "created_at", "userAgent": "user_agent", "ip": "ip"}


class DjangoAdapter:
    """Store users, accounts, database sessions, email tokens, passkeys, two-factor enrolments,
    session details and generations, and password hashes with Django's ORM.

    It implements :class:`~authsession.adapters.Adapter` and every extension authsession has:
    ``TwoFactorAdapter``, ``AuthenticatorAdapter``, ``SessionManagementAdapter`` and
    ``PasswordAdapter``.

    :param using: the alias in ``settings.DATABASES`` of the database that holds the tables.

    Add ``"authsession.adapters.django"`` to ``INSTALLED_APPS`` and run ``migrate``; the app
    needs ``USE_TZ = True`` (a system check says so). Errors from the database are raised as
    :class:`~authsession.adapters.AdapterError`, without the password.

    Django's ORM is synchronous, so every method runs its queries in one of ten threads kept for
    the adapters of the process, and awaits them: the event loop never blocks, and any loop may
    call (uvicorn's, ``asyncio.run``'s, the one behind Flask's and Django's sync views). Each
    thread has its own connection, as Django's request threads do. Each call is handled
    like a Django request: before and after it the thread's connection is closed if it broke
    or outlived ``CONN_MAX_AGE``. With the default ``CONN_MAX_AGE = 0`` every call connects
    anew; set it (and ``CONN_HEALTH_CHECKS``) to keep connections between calls.

    Security: the ``sessions`` table holds live session tokens, ``passwords`` password hashes.
    Give the database user only the rights it needs.
    """

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using

    def __repr__(self) -> str:
        return f"DjangoAdapter(using={self.using!r})"

    # --- users ------------------------------------------------------------------------------

    async def create_user(self, user: User) -> User:
        """Insert ``user`` and return it with the id the database gave it."""
        values = _attrs(pick(user, USER_FIELDS), _USER_ATTRS)

        def work(m: ModuleType) -> User:
            return _user(m.User.objects.using(self.using).create(**values))

        return await self._run("create_user", work)

    async def get_user(self, id: str) -> User | None:
        user_id = int_id(id)
        if user_id is None:
            return None
        return await self._run("get_user", lambda m: _first_user(m.User.objects.using(self.using).filter(id=user_id)))

    async def get_user_by_email(self, email: str) -> User | None:
        return await self._run(
            "get_user_by_email", lambda m: _first_user(m.User.objects.using(self.using).filter(email=email))
        )

    async def get_user_by_account(self, provider: str, provider_account_id: str) -> User | None:
        """The user who linked this provider account (one query, a join)."""

        def work(m: ModuleType) -> User | None:
            users = m.User.objects.using(self.using)
            return _first_user(
                users.filter(accounts__provider=provider, accounts__provider_account_id=provider_account_id)
            )

        return await self._run("get_user_by_account", work)

    async def update_user(self, user: User) -> User:
        """Set the fields present in ``user`` and return the whole user."""
        user_id = int_id(user.get("id"))
        values = _attrs(pick(user, USER_FIELDS), _USER_ATTRS)

        def work(m: ModuleType) -> User | None:
            users = m.User.objects.using(self.using).filter(id=user_id)
            if values and user_id is not None:
                users.update(**values)
            return _first_user(users) if user_id is not None else None

        updated = await self._run("update_user", work)
        if updated is None:
            raise AdapterError(f"DjangoAdapter.update_user: no user with id {user.get('id')!r}")
        return updated

    async def delete_user(self, user_id: str) -> None:
        """Delete the user with everything of theirs (accounts, sessions and their details, passkeys,
        two-factor, session generation, password), in one transaction."""
        uid = int_id(user_id)
        if uid is None:
            return

        def work(m: ModuleType) -> None:
            with transaction.atomic(using=self.using):
                # The database cascades too. A write first takes SQLite's write lock at once: Django
                # reads the sessions before it deletes them (to delete their details).
                m.SessionDetail.objects.using(self.using).filter(session__user_id=uid).delete()
                owned = (m.Session, m.Account, m.Authenticator, m.TwoFactorRecoveryCode, m.TwoFactor)
                for model in (*owned, m.SessionGeneration, m.Password):
                    model.objects.using(self.using).filter(user_id=uid).delete()
                m.User.objects.using(self.using).filter(id=uid).delete()

        await self._run("delete_user", work)

    # --- accounts ---------------------------------------------------------------------------

    async def link_account(self, account: Account) -> None:
        """Insert the account; a second link of the same provider account raises :class:`AdapterError`.

        Keys that are not columns of the Auth.js schema (extra token fields) are not stored.
        """
        uid = int_id(account.get("userId"))
        if uid is None:
            raise AdapterError(f"DjangoAdapter.link_account: no user with id {account.get('userId')!r}")
        values = _attrs(pick(account, ACCOUNT_FIELDS), _ACCOUNT_ATTRS)
        await self._run("link_account", lambda m: m.Account.objects.using(self.using).create(user_id=uid, **values))

    async def unlink_account(self, provider: str, provider_account_id: str) -> None:
        def work(m: ModuleType) -> None:
            accounts = m.Account.objects.using(self.using)
            accounts.filter(provider=provider, provider_account_id=provider_account_id).delete()

        await self._run("unlink_account", work)

    # --- sessions ---------------------------------------------------------------------------

    async def create_session(self, session: AdapterSession) -> AdapterSession:
        """Insert the session, and its ``createdAt``, ``userAgent`` and ``ip`` if the record has any
        (in ``session_details``, beside the Auth.js row)."""
        uid = int_id(session["userId"])
        if uid is None:
            raise AdapterError(f"DjangoAdapter.create_session: no user with id {session['userId']!r}")
        token, expires = session["sessionToken"], _aware(session["expires"])
        details = {
            key: _aware(value) if isinstance(value, datetime) else value
            for key, value in pick(session, tuple(_DETAIL_ATTRS)).items()
        }

        def work(m: ModuleType) -> AdapterSession:
            with transaction.atomic(using=self.using):
                m.Session.objects.using(self.using).create(session_token=token, user_id=uid, expires=expires)
                if details:
                    m.SessionDetail.objects.using(self.using).create(session_id=token, **_attrs(details, _DETAIL_ATTRS))
            return {"sessionToken": token, "userId": str(uid), "expires": expires, **details}  # type: ignore[typeddict-item]

        return await self._run("create_session", work)

    async def get_session_and_user(self, session_token: str) -> tuple[AdapterSession, User] | None:
        """The session and its user, in one query (a join)."""

        def work(m: ModuleType) -> tuple[AdapterSession, User] | None:
            sessions = m.Session.objects.using(self.using).select_related("user")
            found = _first(sessions.filter(session_token=session_token))
            return None if found is None else (_session(found), _user(found.user))

        return await self._run("get_session_and_user", work)

    async def update_session(self, session_token: str, expires: datetime) -> AdapterSession | None:
        expires = _aware(expires)

        def work(m: ModuleType) -> AdapterSession | None:
            sessions = m.Session.objects.using(self.using).filter(session_token=session_token)
            if not sessions.update(expires=expires):
                return None
            found = _first(sessions)
            return None if found is None else _session(found)

        return await self._run("update_session", work)

    async def delete_session(self, session_token: str) -> AdapterSession | None:
        """Delete and return the session (``None`` if there was none). Of two concurrent deletes,
        only the one whose DELETE removed the row gets it."""

        def work(m: ModuleType) -> AdapterSession | None:
            found = _first(m.Session.objects.using(self.using).filter(session_token=session_token))
            # With its details: Django deletes them first, in one transaction.
            if found is None or not _deleted(m.Session, found.delete(using=self.using)):
                return None
            return _session(found)

        return await self._run("delete_session", work)

    # --- verification tokens ----------------------------------------------------------------

    async def create_verification_token(self, token: VerificationToken) -> VerificationToken:
        made: VerificationToken = {
            "identifier": token["identifier"],
            "token": token["token"],
            "expires": _aware(token["expires"]),
        }
        await self._run(
            "create_verification_token", lambda m: m.VerificationToken.objects.using(self.using).create(**made)
        )
        return made

    async def use_verification_token(self, identifier: str, token: str) -> VerificationToken | None:
        """Delete the token and return it. Of two concurrent uses, only the one whose DELETE
        removed the row gets it: single use without a transaction or a row lock."""

        def work(m: ModuleType) -> VerificationToken | None:
            tokens = m.VerificationToken.objects.using(self.using).filter(identifier=identifier, token=token)
            found = _first(tokens)
            if found is None or not tokens.delete()[0]:
                return None
            return {"identifier": found.identifier, "token": found.token, "expires": found.expires}

        return await self._run("use_verification_token", work)

    async def has_verification_token_expiring_after(self, identifier: str, after: datetime) -> bool:
        """authsession's extension for rate-limiting email sign-in (not in Auth.js)."""
        after = _aware(after)

        def work(m: ModuleType) -> bool:
            tokens = m.VerificationToken.objects.using(self.using)
            return bool(tokens.filter(identifier=identifier, expires__gt=after).exists())

        return await self._run("has_verification_token_expiring_after", work)

    # --- two-factor (TwoFactorAdapter) --------------------------------------------------------

    async def get_two_factor(self, user_id: str) -> TwoFactorRecord | None:
        uid = int_id(user_id)
        if uid is None:
            return None

        def work(m: ModuleType) -> TwoFactorRecord | None:
            found = _first(m.TwoFactor.objects.using(self.using).filter(user_id=uid))
            if found is None:
                return None
            return {
                "userId": str(found.user_id),
                "secret": found.secret,
                "enabledAt": found.enabled_at,
                "lastStep": found.last_step,
            }

        return await self._run("get_two_factor", work)

    async def set_two_factor(self, record: TwoFactorRecord, recovery_codes: Sequence[str] | None = None) -> None:
        uid = int_id(record["userId"])
        if uid is None:
            raise AdapterError(f"DjangoAdapter.set_two_factor: no user with id {record['userId']!r}")
        enabled_at = record["enabledAt"]
        values = {
            "secret": record["secret"],
            "enabled_at": None if enabled_at is None else _aware(enabled_at),
            "last_step": record["lastStep"],
        }

        def work(m: ModuleType) -> None:
            with transaction.atomic(using=self.using):
                if not m.TwoFactor.objects.using(self.using).filter(user_id=uid).update(**values):
                    m.TwoFactor.objects.using(self.using).create(user_id=uid, **values)
                if recovery_codes is not None:
                    codes = m.TwoFactorRecoveryCode.objects.using(self.using)
                    codes.filter(user_id=uid).delete()
                    codes.bulk_create(
                        [m.TwoFactorRecoveryCode(user_id=uid, code_hash=code) for code in set(recovery_codes)]
                    )

        await self._run("set_two_factor", work)

    async def delete_two_factor(self, user_id: str) -> None:
        uid = int_id(user_id)
        if uid is None:
            return

        def work(m: ModuleType) -> None:
            with transaction.atomic(using=self.using):
                m.TwoFactorRecoveryCode.objects.using(self.using).filter(user_id=uid).delete()
                m.TwoFactor.objects.using(self.using).filter(user_id=uid).delete()

        await self._run("delete_two_factor", work)

    async def use_two_factor_step(self, user_id: str, step: int) -> bool:
        """One conditional UPDATE: of two requests with the same code, the database lets one through."""
        uid = int_id(user_id)
        if uid is None:
            return False

        def work(m: ModuleType) -> bool:
            records = m.TwoFactor.objects.using(self.using).filter(user_id=uid, last_step__lt=step)
            return bool(records.update(last_step=step) == 1)

        return await self._run("use_two_factor_step", work)

    async def use_recovery_code(self, user_id: str, code_hash: str) -> bool:
        uid = int_id(user_id)
        if uid is None:
            return False

        def work(m: ModuleType) -> bool:
            codes = m.TwoFactorRecoveryCode.objects.using(self.using).filter(user_id=uid, code_hash=code_hash)
            return bool(codes.delete()[0] == 1)

        return await self._run("use_recovery_code", work)

    async def count_recovery_codes(self, user_id: str) -> int:
        uid = int_id(user_id)
        if uid is None:
            return 0
        return await self._run(
            "count_recovery_codes",
            lambda m: int(m.TwoFactorRecoveryCode.objects.using(self.using).filter(user_id=uid).count()),
        )

    # --- authenticators (passkeys) ----------------------------------------------------------

    async def create_authenticator(self, authenticator: Authenticator) -> Authenticator:
        """Insert the passkey; one whose ``credentialID`` is stored raises :class:`AdapterError`."""
        uid = int_id(authenticator["userId"])
        if uid is None:
            raise AdapterError(f"DjangoAdapter.create_authenticator: no user with id {authenticator['userId']!r}")
        values = {_AUTHENTICATOR_ATTRS[key]: value for key, value in authenticator.items() if key != "userId"}
        row = await self._run(
            "create_authenticator", lambda m: m.Authenticator.objects.using(self.using).create(user_id=uid, **values)
        )
        return _authenticator(row)

    async def get_authenticator(self, credential_id: str) -> Authenticator | None:
        def work(m: ModuleType) -> Authenticator | None:
            found = _first(m.Authenticator.objects.using(self.using).filter(credential_id=credential_id))
            return None if found is None else _authenticator(found)

        return await self._run("get_authenticator", work)

    async def list_authenticators_by_user_id(self, user_id: str) -> list[Authenticator]:
        uid = int_id(user_id)
        if uid is None:
            return []

        def work(m: ModuleType) -> list[Authenticator]:
            return [_authenticator(row) for row in m.Authenticator.objects.using(self.using).filter(user_id=uid)]

        return await self._run("list_authenticators_by_user_id", work)

    async def update_authenticator_counter(self, credential_id: str, counter: int) -> Authenticator:
        def work(m: ModuleType) -> Authenticator | None:
            with transaction.atomic(using=self.using):
                rows = m.Authenticator.objects.using(self.using).filter(credential_id=credential_id)
                rows.update(counter=counter)
                found = _first(rows)
            return None if found is None else _authenticator(found)

        updated = await self._run("update_authenticator_counter", work)
        if updated is None:
            raise AdapterError("DjangoAdapter.update_authenticator_counter: no authenticator with this id")
        return updated

    # --- session management (SessionManagementAdapter) -------------------------------------------

    async def list_sessions_of_user(self, user_id: str) -> list[AdapterSession]:
        """The user's unexpired sessions, oldest first, with their details (one query, a left join)."""
        uid = int_id(user_id)
        if uid is None:
            return []

        def work(m: ModuleType) -> list[AdapterSession]:
            sessions = m.Session.objects.using(self.using).filter(user_id=uid, expires__gt=datetime.now(UTC))
            rows = sessions.order_by("id").values_list(
                "session_token", "expires", "details__created_at", "details__user_agent", "details__ip"
            )
            return [
                {
                    "sessionToken": token,
                    "userId": str(uid),
                    "expires": expires,
                    "createdAt": created_at,
                    "userAgent": user_agent,
                    "ip": ip,
                }
                for token, expires, created_at, user_agent, ip in rows
            ]

        return await self._run("list_sessions_of_user", work)

    async def delete_sessions_of_user(self, user_id: str, keep: str | None = None) -> int:
        """Delete every session of the user but ``keep``, with their details; how many went."""
        uid = int_id(user_id)
        if uid is None:
            return 0

        def work(m: ModuleType) -> int:
            sessions = m.Session.objects.using(self.using).filter(user_id=uid)
            details = m.SessionDetail.objects.using(self.using).filter(session__user_id=uid)
            if keep is not None:
                sessions = sessions.exclude(session_token=keep)
                details = details.exclude(session_id=keep)
            with transaction.atomic(using=self.using):
                # Explicit and first, as in delete_user: the write takes SQLite's lock at once.
                details.delete()
                return _deleted(m.Session, sessions.delete())

        return await self._run("delete_sessions_of_user", work)

    async def get_session_generation(self, user_id: str) -> int:
        uid = int_id(user_id)
        if uid is None:
            return 0

        def work(m: ModuleType) -> int:
            generations = m.SessionGeneration.objects.using(self.using).filter(user_id=uid)
            return int(_first(generations.values_list("generation", flat=True)) or 0)

        return await self._run("get_session_generation", work)

    async def bump_session_generation(self, user_id: str) -> int:
        """An UPDATE then a read of the row it locked (an INSERT for the first bump), in one
        transaction: concurrent bumps all count, each sees its own value."""
        uid = int_id(user_id)
        if uid is None:
            raise AdapterError(f"DjangoAdapter.bump_session_generation: no user with id {user_id!r}")

        def work(m: ModuleType) -> int:
            generations = m.SessionGeneration.objects.using(self.using).filter(user_id=uid)
            with transaction.atomic(using=self.using):
                if not generations.update(generation=F("generation") + 1):
                    try:
                        with transaction.atomic(using=self.using):
                            m.SessionGeneration.objects.using(self.using).create(user_id=uid, generation=1)
                        return 1
                    except IntegrityError:
                        # Another request inserted it first (bump that row), or there is no such user.
                        if not generations.update(generation=F("generation") + 1):
                            raise
                return int(_first(generations.values_list("generation", flat=True)))

        return await self._run("bump_session_generation", work)

    # --- passwords (PasswordAdapter) -------------------------------------------------------------

    async def get_password_hash(self, user_id: str) -> str | None:
        uid = int_id(user_id)
        if uid is None:
            return None

        def work(m: ModuleType) -> str | None:
            found = _first(m.Password.objects.using(self.using).filter(user_id=uid).values_list("hash", flat=True))
            return None if found is None else str(found)

        return await self._run("get_password_hash", work)

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Insert or replace the user's hash; an unknown user raises :class:`AdapterError`."""
        uid = int_id(user_id)
        if uid is None:
            raise AdapterError(f"DjangoAdapter.set_password_hash: no user with id {user_id!r}")

        def work(m: ModuleType) -> None:
            values = {"hash": password_hash, "updated_at": datetime.now(UTC)}
            with transaction.atomic(using=self.using):
                if not m.Password.objects.using(self.using).filter(user_id=uid).update(**values):
                    m.Password.objects.using(self.using).create(user_id=uid, **values)

        await self._run("set_password_hash", work)

    # --- running the ORM --------------------------------------------------------------------

    async def _run(self, method: str, work: Callable[[ModuleType], T]) -> T:
        # Not Django's thread-sensitive executor: a sync view blocked on the sync bridge holds the
        # very thread such a call would wait for. The adapter's own threads never wait on a view.
        run = sync_to_async(self._call, thread_sensitive=False, executor=_executor())
        return await run(method, work)

    def _call(self, method: str, work: Callable[[ModuleType], T]) -> T:
        try:
            connection = connections[self.using]
            connection.close_if_unusable_or_obsolete()
            try:
                return work(_models())
            finally:
                connection.close_if_unusable_or_obsolete()
        except (DatabaseError, ValueError, ImproperlyConfigured, ConnectionDoesNotExist) as exc:
            message = f"DjangoAdapter.{method} failed: {_describe(exc)}"
            password = str(connections.settings.get(self.using, {}).get("PASSWORD") or "")
            if password:
                message = message.replace(password, "***")
            raise AdapterError(message, cause=exc) from exc


#: Threads that run the adapters' queries (each holds its own connection per database alias).
THREADS = 10
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="authsession-django")
        return _pool


def _forget_after_fork() -> None:
    # The threads did not survive the fork (a pre-forking server): the child makes its own.
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def _models() -> ModuleType:
    try:
        from authsession.adapters.django import models
    except (AppRegistryNotReady, RuntimeError) as exc:
        raise ImproperlyConfigured(
            "DjangoAdapter needs Django set up (django.setup(), done by manage.py and Django's WSGI and ASGI"
            ' handlers) with "authsession.adapters.django" in INSTALLED_APPS'
        ) from exc
    return models


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise AdapterError("naive datetime: pass a timezone-aware one (datetime.now(UTC))")
    return value.astimezone(UTC)


def _attrs(record: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Record keys to model attributes; datetimes checked for a time zone."""
    return {names[key]: _aware(value) if isinstance(value, datetime) else value for key, value in record.items()}


def _first(rows: QuerySet[Any]) -> Any:
    """The first row or None, by ``LIMIT 1`` (no ``ORDER BY``, unlike ``QuerySet.first``)."""
    return next(iter(rows[:1]), None)


def _deleted(model: Any, result: tuple[int, dict[str, int]]) -> int:
    """How many rows of ``model`` a ``delete()`` removed (its total counts cascaded rows too)."""
    return result[1].get(model._meta.label, 0)


def _first_user(users: QuerySet[Any]) -> User | None:
    found = _first(users)
    return None if found is None else _user(found)


def _user(row: Any) -> User:
    return {
        "id": str(row.id),
        "name": row.name,
        "email": row.email,
        "emailVerified": row.email_verified,
        "image": row.image,
    }


def _session(row: Any) -> AdapterSession:
    return {"sessionToken": row.session_token, "userId": str(row.user_id), "expires": row.expires}


def _describe(exc: BaseException) -> str:
    # The driver's first line only: never the SQL or its parameters (tokens).
    cause = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ is not None else exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _authenticator(row: Any) -> Authenticator:
    return {
        "credentialID": row.credential_id,
        "userId": str(row.user_id),
        "providerAccountId": row.provider_account_id,
        "credentialPublicKey": row.credential_public_key,
        "counter": row.counter,
        "credentialDeviceType": row.credential_device_type,
        "credentialBackedUp": row.credential_backed_up,
        "transports": row.transports,
    }
