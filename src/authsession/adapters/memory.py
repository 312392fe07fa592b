"""An in-process adapter for tests and examples. Not for production: nothing is shared
between processes and everything is lost on restart."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from authsession.types import Account, AdapterSession, Authenticator, TwoFactorRecord, User, VerificationToken


class MemoryAdapter:
    """Dictionaries behind the :class:`~authsession.adapters.Adapter` interface."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.accounts: dict[tuple[str, str], Account] = {}
        self.sessions: dict[str, AdapterSession] = {}
        self.tokens: dict[tuple[str, str], VerificationToken] = {}
        self.two_factor: dict[str, TwoFactorRecord] = {}
        self.recovery_codes: dict[str, set[str]] = {}
        self.session_generations: dict[str, int] = {}
        self.password_hashes: dict[str, str] = {}

        self.authenticators: dict[str, Authenticator] = {}

    async def create_user(self, user: User) -> User:
        if "id" not in user:
            raise ValueError("create_user needs a user with an id")
        email = user.get("email")
        if email is not None and any(u.get("email") == email for u in self.users.values()):
            raise ValueError("a user with this email exists")
        self.users[user["id"]] = _copy(user)
        return _copy(user)

    async def get_user(self, id: str) -> User | None:
        user = self.users.get(id)
        return _copy(user) if user is not None else None

    async def get_user_by_email(self, email: str) -> User | None:
        for user in self.users.values():
            if user.get("email") == email:
                return _copy(user)
        return None

    async def get_user_by_account(self, provider: str, provider_account_id: str) -> User | None:
        account = self.accounts.get((provider, provider_account_id))
        return await self.get_user(account["userId"]) if account is not None else None

    async def update_user(self, user: User) -> User:
        stored = self.users[user["id"]]
        stored.update(_copy(user))
        return _copy(stored)

    async def delete_user(self, user_id: str) -> None:
        self.users.pop(user_id, None)
        for key in [k for k, a in self.accounts.items() if a.get("userId") == user_id]:
            del self.accounts[key]
        for token in [t for t, s in self.sessions.items() if s["userId"] == user_id]:
            del self.sessions[token]
        await self.delete_two_factor(user_id)
        self.session_generations.pop(user_id, None)
        self.password_hashes.pop(user_id, None)

        for credential_id in [c for c, a in self.authenticators.items() if a["userId"] == user_id]:
            del self.authenticators[credential_id]

    async def link_account(self, account: Account) -> None:
        key = (account["provider"], account["providerAccountId"])
        if key in self.accounts:
            raise ValueError("this provider account is linked already")
        self.accounts[key] = _copy(account)

    async def unlink_account(self, provider: str, provider_account_id: str) -> None:
        self.accounts.pop((provider, provider_account_id), None)

    async def create_session(self, session: AdapterSession) -> AdapterSession:
        self.sessions[session["sessionToken"]] = _copy(session)
        return _copy(session)

    async def get_session_and_user(self, session_token: str) -> tuple[AdapterSession, User] | None:
        session = self.sessions.get(session_token)
        if session is None:
            return None
        user = self.users.get(session["userId"])
        if user is None:
            return None
        return _copy(session), _copy(user)

    async def update_session(self, session_token: str, expires: datetime) -> AdapterSession | None:
        session = self.sessions.get(session_token)
        if session is None:
            return None
        session["expires"] = expires
        return _copy(session)

    async def delete_session(self, session_token: str) -> AdapterSession | None:
        return self.sessions.pop(session_token, None)

    async def create_verification_token(self, token: VerificationToken) -> VerificationToken:
        self.tokens[(token["identifier"], token["token"])] = _copy(token)
        return _copy(token)

    async def use_verification_token(self, identifier: str, token: str) -> VerificationToken | None:
        return self.tokens.pop((identifier, token), None)

    async def has_verification_token_expiring_after(self, identifier: str, after: datetime) -> bool:
        """authsession's extension for rate-limiting email sign-in (not in Auth.js)."""
        return any(t["identifier"] == identifier and t["expires"] > after for t in self.tokens.values())

    # --- two-factor (TwoFactorAdapter) ----------------------------------------------------------

    async def get_two_factor(self, user_id: str) -> TwoFactorRecord | None:
        record = self.two_factor.get(user_id)
        return _copy(record) if record is not None else None

    async def set_two_factor(self, record: TwoFactorRecord, recovery_codes: Sequence[str] | None = None) -> None:
        self.two_factor[record["userId"]] = _copy(record)
        if recovery_codes is not None:
            self.recovery_codes[record["userId"]] = set(recovery_codes)

    async def delete_two_factor(self, user_id: str) -> None:
        self.two_factor.pop(user_id, None)
        self.recovery_codes.pop(user_id, None)

    async def use_two_factor_step(self, user_id: str, step: int) -> bool:
        record = self.two_factor.get(user_id)
        if record is None or step <= record["lastStep"]:
            return False
        record["lastStep"] = step
        return True

    async def use_recovery_code(self, user_id: str, code_hash: str) -> bool:
        codes = self.recovery_codes.get(user_id, set())
        if code_hash not in codes:
            return False
        codes.discard(code_hash)
        return True

    async def count_recovery_codes(self, user_id: str) -> int:
        return len(self.recovery_codes.get(user_id, ()))

    async def create_authenticator(self, authenticator: Authenticator) -> Authenticator:
        if authenticator["credentialID"] in self.authenticators:
            raise ValueError("this credential is registered already")
        self.authenticators[authenticator["credentialID"]] = _copy(authenticator)
        return _copy(authenticator)

    async def get_authenticator(self, credential_id: str) -> Authenticator | None:
        authenticator = self.authenticators.get(credential_id)
        return _copy(authenticator) if authenticator is not None else None

    async def list_authenticators_by_user_id(self, user_id: str) -> list[Authenticator]:
        return [_copy(a) for a in self.authenticators.values() if a["userId"] == user_id]

    async def update_authenticator_counter(self, credential_id: str, counter: int) -> Authenticator:
        stored = self.authenticators.get(credential_id)
        if stored is None:
            raise LookupError("no authenticator with this credential id")
        stored["counter"] = counter
        return _copy(stored)

    # --- session management (SessionManagementAdapter) -------------------------------------------

    async def list_sessions_of_user(self, user_id: str) -> list[AdapterSession]:
        now = datetime.now(UTC)
        return [_copy(s) for s in self.sessions.values() if s["userId"] == user_id and s["expires"] > now]

    async def delete_sessions_of_user(self, user_id: str, keep: str | None = None) -> int:
        doomed = [t for t, s in self.sessions.items() if s["userId"] == user_id and t != keep]
        for token in doomed:
            del self.sessions[token]
        return len(doomed)

    async def get_session_generation(self, user_id: str) -> int:
        return self.session_generations.get(user_id, 0)

    async def bump_session_generation(self, user_id: str) -> int:
        self.session_generations[user_id] = self.session_generations.get(user_id, 0) + 1
        return self.session_generations[user_id]

    # --- passwords (PasswordAdapter) -------------------------------------------------------------

    async def get_password_hash(self, user_id: str) -> str | None:
        return self.password_hashes.get(user_id)

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        if user_id not in self.users:
            raise ValueError("no such user")
        self.password_hashes[user_id] = password_hash


_T = TypeVar("_T")


def _copy(record: _T) -> _T:
    return copy.deepcopy(record)
