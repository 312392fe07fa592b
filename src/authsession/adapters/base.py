"""The adapter protocols (Auth.js ``Adapter``, protocol §7), async, over TypedDict records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from authsession.errors import AuthError
from authsession.types import Account, AdapterSession, Authenticator, TwoFactorRecord, User, VerificationToken


class AdapterError(AuthError):
    """An adapter method failed (the store is down, a constraint was violated...).

    The core logs it and answers as Auth.js does (``Configuration``, or no session on a read);
    a session is never granted on an adapter failure.
    """

    type = "AdapterError"


@runtime_checkable
class Adapter(Protocol):
    """Store users, their provider accounts, database sessions and email tokens.

    Every method is a coroutine. ``use_verification_token`` must fetch and delete atomically
    (single use); ``get_session_and_user`` is the one query a database session read costs.
    """

    async def create_user(self, user: User) -> User:
        """Insert ``user`` and return it as stored. ``user`` carries a uuid ``id``; an adapter whose
        database assigns ids (as the Auth.js SQL schema does) may use its own: callers use the
        returned user's ``id``."""

    async def get_user(self, id: str) -> User | None: ...

    async def get_user_by_email(self, email: str) -> User | None: ...

    async def get_user_by_account(self, provider: str, provider_account_id: str) -> User | None:
        """The user who linked this provider account, through the accounts table."""

    async def update_user(self, user: User) -> User:
        """Update the fields present in ``user`` (which has ``id``) and return the whole user."""

    async def delete_user(self, user_id: str) -> None:
        """Delete the user with their accounts and sessions (not called by the core)."""

    async def link_account(self, account: Account) -> None: ...

    async def unlink_account(self, provider: str, provider_account_id: str) -> None: ...

    async def create_session(self, session: AdapterSession) -> AdapterSession: ...

    async def get_session_and_user(self, session_token: str) -> tuple[AdapterSession, User] | None: ...

    async def update_session(self, session_token: str, expires: datetime) -> AdapterSession | None: ...

    async def delete_session(self, session_token: str) -> AdapterSession | None:
        """Delete and return the session (``None`` if there was none)."""

    async def create_verification_token(self, token: VerificationToken) -> VerificationToken: ...

    async def use_verification_token(self, identifier: str, token: str) -> VerificationToken | None:
        """Atomically fetch and delete the token; ``None`` when it does not exist."""


@runtime_checkable
class TwoFactorAdapter(Protocol):
    """The storage two-factor sign-in needs (``AuthOptions(two_factor=TwoFactor(...))``), beside
    :class:`Adapter`. authsession's own extension: Auth.js has no two-factor tables.

    The two ``use_*`` methods must be atomic: of two requests racing with one code, one wins.
    Recovery codes are stored as hashes; the adapter never sees a code in clear.
    """

    async def get_two_factor(self, user_id: str) -> TwoFactorRecord | None: ...

    async def set_two_factor(self, record: TwoFactorRecord, recovery_codes: Sequence[str] | None = None) -> None:
        """Insert or replace the user's record; with ``recovery_codes`` (hashes), replace those too."""

    async def delete_two_factor(self, user_id: str) -> None:
        """Delete the record and every recovery code of the user."""

    async def use_two_factor_step(self, user_id: str, step: int) -> bool:
        """Set ``lastStep`` to ``step`` if it is newer than the stored one; whether it was."""

    async def use_recovery_code(self, user_id: str, code_hash: str) -> bool:
        """Delete the recovery code if the user has it; whether they had it."""

    async def count_recovery_codes(self, user_id: str) -> int: ...


@runtime_checkable
class AuthenticatorAdapter(Protocol):
    """Store WebAuthn authenticators (passkeys): what the ``Passkey`` provider needs beyond
    :class:`Adapter`. Auth.js 5's ``createAuthenticator``, ``getAuthenticator``,
    ``listAuthenticatorsByUserId`` and ``updateAuthenticatorCounter``, in snake_case.

    ``delete_user`` deletes the user's authenticators too. Every adapter that ships with
    authsession implements it.
    """

    async def create_authenticator(self, authenticator: Authenticator) -> Authenticator:
        """Store a newly registered credential; a ``credentialID`` stored already is refused."""

    async def get_authenticator(self, credential_id: str) -> Authenticator | None:
        """The credential with this (base64) id, or ``None``."""

    async def list_authenticators_by_user_id(self, user_id: str) -> list[Authenticator]:
        """The user's credentials (none for an unknown user)."""

    async def update_authenticator_counter(self, credential_id: str, counter: int) -> Authenticator:
        """Store the signature counter of the latest sign-in; raise for an unknown credential."""


@runtime_checkable
class SessionManagementAdapter(Protocol):
    """What "Your sessions" and "sign out everywhere" need (``AuthOptions(session_management=...)``),
    beside :class:`Adapter`. authsession's own extension; the Auth.js tables are unchanged.

    ``create_session`` keeps the optional ``createdAt``, ``userAgent`` and ``ip`` of the record it
    is given. The session generation is a per-user counter: JWT sessions issued under an older
    generation stop opening when it is bumped.
    """

    async def list_sessions_of_user(self, user_id: str) -> list[AdapterSession]:
        """The user's sessions that have not expired, with the details stored for them."""

    async def delete_sessions_of_user(self, user_id: str, keep: str | None = None) -> int:
        """Delete every session of the user but ``keep`` (a session token); how many went."""

    async def get_session_generation(self, user_id: str) -> int:
        """The user's session generation: 0 until it is first bumped."""

    async def bump_session_generation(self, user_id: str) -> int:
        """Add one to the user's session generation, atomically; the new value."""


@runtime_checkable
class PasswordAdapter(Protocol):
    """Where :func:`authsession.providers.password.Password` keeps each user's password hash,
    beside :class:`Adapter` (authsession's own; Auth.js stores no passwords)."""

    async def get_password_hash(self, user_id: str) -> str | None: ...

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Insert or replace the user's hash."""
