"""The adapter conformance suite: what every :class:`~authsession.adapters.Adapter` must do.

It follows the adapter semantics of protocol §7 (Auth.js' adapter interface) plus what
authsession relies on: single-use verification tokens under concurrency, timezone-aware UTC
datetimes, cascading ``delete_user``, and no lost writes under 50 concurrent sign-ins. An adapter
that also implements :class:`~authsession.adapters.TwoFactorAdapter` is held to its tests too:
single-use TOTP steps and recovery codes under concurrency; one that implements
:class:`~authsession.adapters.SessionManagementAdapter`, to listing, bulk deletion and generations.

datetimes, cascading ``delete_user``, and no lost writes under 50 concurrent sign-ins. The
authenticator tests check :class:`~authsession.adapters.AuthenticatorAdapter` (passkeys), which
every adapter shipped with authsession implements.

Subclass :class:`AdapterConformanceSuite` in a ``test_*.py`` module, name the subclass
``Test...`` and override the ``adapter`` fixture; override :meth:`leftovers` too if your
backend can list what it stores, so the suite can check that deletes leave no orphans.
"""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from authsession.adapters.base import (
    Adapter,
    AdapterError,
    AuthenticatorAdapter,
    PasswordAdapter,
    SessionManagementAdapter,
    TwoFactorAdapter,
)
from authsession.types import Account, AdapterSession, Authenticator, TwoFactorRecord, User, VerificationToken

#: What a refused write (duplicate email, a provider account linked twice) may raise.
#: ``MemoryAdapter`` raises ``ValueError``; the database adapters raise ``AdapterError``.
REFUSED = (AdapterError, ValueError)
CONCURRENCY = 50


def at(hours: float) -> datetime:
    """A UTC instant ``hours`` from now, at millisecond precision (what JavaScript dates keep)."""
    moment = datetime.now(UTC) + timedelta(hours=hours)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:12]}"


def new_user(**fields: Any) -> User:
    """A user as the core hands it to ``create_user`` (v5 style: with a uuid ``id``)."""
    user: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "name": "Ada Lovelace",
        "email": f"{unique('ada')}@example.com",
        "image": "https://example.com/ada.png",
        "emailVerified": None,
    }
    user.update(fields)
    return user  # type: ignore[return-value]


def oauth_account(user_id: str, **fields: Any) -> Account:
    account: dict[str, Any] = {
        "userId": user_id,
        "type": "oauth",
        "provider": "github",
        "providerAccountId": unique("gh"),
        "access_token": "gho_" + uuid.uuid4().hex,
        "token_type": "bearer",
        "scope": "read:user,user:email",
    }
    account.update(fields)
    return account  # type: ignore[return-value]


def passkey(user_id: str, **fields: Any) -> Authenticator:
    """An authenticator as the ``Passkey`` provider stores it after a registration."""
    credential_id = base64.b64encode(os.urandom(16)).decode()
    authenticator: dict[str, Any] = {
        "credentialID": credential_id,
        "userId": user_id,
        "providerAccountId": credential_id,
        "credentialPublicKey": base64.b64encode(os.urandom(77)).decode(),
        "counter": 0,
        "credentialDeviceType": "multiDevice",
        "credentialBackedUp": True,
        "transports": "hybrid,internal",
    }
    authenticator.update(fields)
    return authenticator  # type: ignore[return-value]


def same_user(actual: User | None, expected: User) -> None:
    """``actual`` holds the user fields of ``expected`` (ids compared as the adapter gave them)."""
    assert actual is not None
    for key in ("name", "email", "image", "emailVerified"):
        assert actual.get(key) == expected.get(key), key


def is_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


class AdapterConformanceSuite:
    """Base test class: override the ``adapter`` fixture (a fresh, empty store per test)."""

    #: Datetimes come back in UTC whatever zone they went in with. ``MemoryAdapter`` keeps the
    #: caller's zone (the same instant), so its tests set this to False.
    returns_utc = True

    def assert_utc(self, value: datetime | None) -> None:
        assert value is not None
        assert value.tzinfo is not None, "datetimes must be timezone-aware"
        if self.returns_utc:
            assert is_utc(value), f"{value!r} is not UTC"

    @pytest.fixture
    def adapter(self) -> Adapter:
        raise NotImplementedError("override the `adapter` fixture in your subclass")

    async def leftovers(self, adapter: Any) -> Sequence[str] | None:
        """Everything the store still holds (rows, keys), or ``None`` if this backend can't tell."""
        return None

    async def assert_empty(self, adapter: Any) -> None:
        remaining = await self.leftovers(adapter)
        if remaining is not None:
            assert list(remaining) == [], "orphans left behind"

    async def create_user(self, adapter: Adapter, **fields: Any) -> tuple[User, User]:
        """``(what was passed, what the adapter returned)``."""
        user = new_user(**fields)
        created = await adapter.create_user(user)
        assert created.get("id"), "create_user must return the user's id"
        return user, created

    async def create_session(self, adapter: Adapter, user_id: str, hours: float = 24) -> AdapterSession:
        session: AdapterSession = {"sessionToken": uuid.uuid4().hex, "userId": user_id, "expires": at(hours)}
        return await adapter.create_session(session)

    # --- users ------------------------------------------------------------------------------

    async def test_create_user_returns_the_user(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter, emailVerified=at(-1))
        same_user(created, user)
        assert isinstance(created["id"], str)

    async def test_get_user(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        same_user(await adapter.get_user(created["id"]), user)
        assert (await adapter.get_user(created["id"]) or {}).get("id") == created["id"]

    async def test_get_unknown_user_is_none(self, adapter: Adapter) -> None:
        await self.create_user(adapter)
        assert await adapter.get_user(str(uuid.uuid4())) is None
        assert await adapter.get_user("987654") is None
        assert await adapter.get_user("") is None

    async def test_get_user_by_email(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        found = await adapter.get_user_by_email(user["email"] or "")
        same_user(found, user)
        assert found is not None
        assert found["id"] == created["id"]
        assert await adapter.get_user_by_email("nobody@example.com") is None

    async def test_email_is_unique(self, adapter: Adapter) -> None:
        user, _ = await self.create_user(adapter)
        with pytest.raises(REFUSED):
            await adapter.create_user(new_user(email=user["email"]))

    async def test_users_without_email(self, adapter: Adapter) -> None:
        # Credentials and some OAuth providers give no email; several such users may exist.
        first, one = await self.create_user(adapter, email=None)
        _, two = await self.create_user(adapter, email=None)
        assert one["id"] != two["id"]
        same_user(await adapter.get_user(one["id"]), first)

    async def test_unicode_round_trips(self, adapter: Adapter) -> None:
        name, email = "Zoë Ñúñez 山田 🦄", f"{unique('zoë')}@exämple.tëst"
        user, created = await self.create_user(adapter, name=name, email=email)
        same_user(await adapter.get_user(created["id"]), user)
        same_user(await adapter.get_user_by_email(email), user)

    async def test_email_verified_is_utc(self, adapter: Adapter) -> None:
        verified = at(-2).astimezone(timezone(timedelta(hours=5, minutes=30)))
        _, created = await self.create_user(adapter, emailVerified=verified)
        stored = await adapter.get_user(created["id"])
        assert stored is not None
        assert stored["emailVerified"] == verified
        self.assert_utc(stored["emailVerified"])

    async def test_update_user_changes_only_the_given_fields(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        verified = at(0)
        updated = await adapter.update_user({"id": created["id"], "name": "Ada King", "emailVerified": verified})
        expected: User = {**user, "name": "Ada King", "emailVerified": verified}
        same_user(updated, expected)
        assert updated["id"] == created["id"]
        same_user(await adapter.get_user(created["id"]), expected)

    async def test_update_user_to_none(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        updated = await adapter.update_user({"id": created["id"], "image": None})
        same_user(updated, {**user, "image": None})

    async def test_update_user_email_moves_the_lookup(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        email = f"{unique('new')}@example.com"
        await adapter.update_user({"id": created["id"], "email": email})
        assert await adapter.get_user_by_email(user["email"] or "") is None
        same_user(await adapter.get_user_by_email(email), {**user, "email": email})

    async def test_update_unknown_user_raises(self, adapter: Adapter) -> None:
        with pytest.raises((AdapterError, LookupError)):
            await adapter.update_user({"id": "424242", "name": "nobody"})

    async def test_delete_user_cascades(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        account = oauth_account(created["id"])
        await adapter.link_account(account)
        sessions = [await self.create_session(adapter, created["id"]) for _ in range(2)]
        await adapter.delete_user(created["id"])
        assert await adapter.get_user(created["id"]) is None
        assert await adapter.get_user_by_email(user["email"] or "") is None
        assert await adapter.get_user_by_account(account["provider"], account["providerAccountId"]) is None
        for session in sessions:
            assert await adapter.get_session_and_user(session["sessionToken"]) is None
        await self.assert_empty(adapter)

    async def test_delete_user_keeps_other_users(self, adapter: Adapter) -> None:
        _, doomed = await self.create_user(adapter)
        other, kept = await self.create_user(adapter)
        await adapter.link_account(oauth_account(kept["id"], providerAccountId="kept"))
        session = await self.create_session(adapter, kept["id"])
        await adapter.delete_user(doomed["id"])
        same_user(await adapter.get_user(kept["id"]), other)
        same_user(await adapter.get_user_by_account("github", "kept"), other)
        assert await adapter.get_session_and_user(session["sessionToken"]) is not None

    async def test_delete_unknown_user_does_nothing(self, adapter: Adapter) -> None:
        await adapter.delete_user("31337")
        await adapter.delete_user(str(uuid.uuid4()))

    async def test_email_is_free_again_after_delete(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        await adapter.delete_user(created["id"])
        _, again = await self.create_user(adapter, email=user["email"])
        same_user(await adapter.get_user_by_email(user["email"] or ""), {**user, "id": again["id"]})

    # --- accounts ---------------------------------------------------------------------------

    async def test_get_user_by_account(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        account = oauth_account(
            created["id"], expires_at=1_900_000_000, refresh_token=unique("rt"), id_token=unique("eyJ")
        )
        await adapter.link_account(account)
        found = await adapter.get_user_by_account("github", account["providerAccountId"])
        same_user(found, user)
        assert found is not None
        assert found["id"] == created["id"]

    async def test_get_user_by_unknown_account_is_none(self, adapter: Adapter) -> None:
        _, created = await self.create_user(adapter)
        await adapter.link_account(oauth_account(created["id"], providerAccountId="123"))
        assert await adapter.get_user_by_account("github", "456") is None
        assert await adapter.get_user_by_account("gitlab", "123") is None

    async def test_account_is_linked_once(self, adapter: Adapter) -> None:
        _, first = await self.create_user(adapter)
        _, second = await self.create_user(adapter)
        account = oauth_account(first["id"])
        await adapter.link_account(account)
        with pytest.raises(REFUSED):
            await adapter.link_account({**account, "userId": second["id"]})
        assert (await adapter.get_user_by_account("github", account["providerAccountId"]) or {}).get("id") == first[
            "id"
        ]

    async def test_same_account_id_at_another_provider(self, adapter: Adapter) -> None:
        _, first = await self.create_user(adapter)
        _, second = await self.create_user(adapter)
        await adapter.link_account(oauth_account(first["id"], providerAccountId="42"))
        await adapter.link_account(oauth_account(second["id"], provider="google", providerAccountId="42"))
        assert (await adapter.get_user_by_account("github", "42") or {}).get("id") == first["id"]
        assert (await adapter.get_user_by_account("google", "42") or {}).get("id") == second["id"]

    async def test_user_with_several_accounts(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        await adapter.link_account(oauth_account(created["id"], providerAccountId="a"))
        await adapter.link_account(oauth_account(created["id"], provider="google", providerAccountId="b", type="oidc"))
        same_user(await adapter.get_user_by_account("github", "a"), user)
        same_user(await adapter.get_user_by_account("google", "b"), user)

    async def test_minimal_account(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        await adapter.link_account(
            {"userId": created["id"], "type": "email", "provider": "email", "providerAccountId": user["email"] or ""}
        )
        same_user(await adapter.get_user_by_account("email", user["email"] or ""), user)

    async def test_unlink_account(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        account = oauth_account(created["id"])
        await adapter.link_account(account)
        await adapter.unlink_account("github", account["providerAccountId"])
        assert await adapter.get_user_by_account("github", account["providerAccountId"]) is None
        same_user(await adapter.get_user(created["id"]), user)
        await adapter.link_account(account)  # free to link again
        same_user(await adapter.get_user_by_account("github", account["providerAccountId"]), user)

    async def test_unlink_unknown_account_does_nothing(self, adapter: Adapter) -> None:
        await adapter.unlink_account("github", "nobody")

    async def test_concurrent_links_of_one_account(self, adapter: Adapter) -> None:
        users = [created for _, created in [await self.create_user(adapter) for _ in range(5)]]
        account_id = unique("race")
        results = await asyncio.gather(
            *(adapter.link_account(oauth_account(u["id"], providerAccountId=account_id)) for u in users),
            return_exceptions=True,
        )
        winners = [u for u, result in zip(users, results, strict=True) if result is None]
        assert len(winners) == 1, results
        assert all(isinstance(r, REFUSED) for r in results if r is not None), results
        assert (await adapter.get_user_by_account("github", account_id) or {}).get("id") == winners[0]["id"]

    # --- sessions ---------------------------------------------------------------------------

    async def test_create_and_get_session(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)
        expires = at(24)
        session: AdapterSession = {"sessionToken": uuid.uuid4().hex, "userId": created["id"], "expires": expires}
        assert await adapter.create_session(session) == session
        found = await adapter.get_session_and_user(session["sessionToken"])
        assert found is not None
        stored, owner = found
        assert stored == session
        self.assert_utc(stored["expires"])
        same_user(owner, user)
        assert owner["id"] == created["id"]

    async def test_session_expires_in_another_timezone(self, adapter: Adapter) -> None:
        _, created = await self.create_user(adapter)
        expires = at(3).astimezone(timezone(timedelta(hours=-7)))
        token = uuid.uuid4().hex
        made = await adapter.create_session({"sessionToken": token, "userId": created["id"], "expires": expires})
        assert made["expires"] == expires
        found = await adapter.get_session_and_user(token)
        assert found is not None
        assert found[0]["expires"] == expires
        self.assert_utc(found[0]["expires"])

    async def test_unknown_session_is_none(self, adapter: Adapter) -> None:
        _, created = await self.create_user(adapter)
        await self.create_session(adapter, created["id"])
        assert await adapter.get_session_and_user("no-such-token") is None
        assert await adapter.get_session_and_user("") is None

    async def test_update_session(self, adapter: Adapter) -> None:
        _, created = await self.create_user(adapter)
        session = await self.create_session(adapter, created["id"], hours=1)
        later = at(48)
        updated = await adapter.update_session(session["sessionToken"], later)
        assert updated == {**session, "expires": later}
        found = await adapter.get_session_and_user(session["sessionToken"])
        assert found is not None
        assert found[0]["expires"] == later

    async def test_update_unknown_session_is_none(self, adapter: Adapter) -> None:
        assert await adapter.update_session("no-such-token", at(1)) is None
        assert await adapter.get_session_and_user("no-such-token") is None

    async def test_delete_session_returns_it(self, adapter: Adapter) -> None:
        _, created = await self.create_user(adapter)
        session = await self.create_session(adapter, created["id"])
        kept = await self.create_session(adapter, created["id"])
        assert await adapter.delete_session(session["sessionToken"]) == session
        assert await adapter.get_session_and_user(session["sessionToken"]) is None
        assert await adapter.delete_session(session["sessionToken"]) is None
        assert await adapter.get_session_and_user(kept["sessionToken"]) is not None

    async def test_concurrent_sign_ins_lose_nothing(self, adapter: Adapter) -> None:
        user, created = await self.create_user(adapter)

        async def sign_in() -> tuple[AdapterSession, tuple[AdapterSession, User] | None]:
            session = await self.create_session(adapter, created["id"])
            return session, await adapter.get_session_and_user(session["sessionToken"])

        results = await asyncio.gather(*(sign_in() for _ in range(CONCURRENCY)))
        for session, found in results:
            assert found is not None
            assert found[0] == session
            same_user(found[1], user)
        reads = await asyncio.gather(*(adapter.get_session_and_user(s["sessionToken"]) for s, _ in results))
        assert all(read is not None for read in reads)
        await adapter.delete_user(created["id"])
        reads = await asyncio.gather(*(adapter.get_session_and_user(s["sessionToken"]) for s, _ in results))
        assert all(read is None for read in reads)
        await self.assert_empty(adapter)

    async def test_concurrent_new_users_lose_nothing(self, adapter: Adapter) -> None:
        pairs = await asyncio.gather(*(self.create_user(adapter) for _ in range(CONCURRENCY)))
        assert len({created["id"] for _, created in pairs}) == CONCURRENCY
        for user, created in pairs:
            found = await adapter.get_user_by_email(user["email"] or "")
            same_user(found, user)
            assert found is not None
            assert found["id"] == created["id"]
        await asyncio.gather(*(adapter.delete_user(created["id"]) for _, created in pairs))
        await self.assert_empty(adapter)

    async def test_concurrent_sign_ups_with_one_email(self, adapter: Adapter) -> None:
        email = f"{unique('twice')}@example.com"
        results = await asyncio.gather(
            *(adapter.create_user(new_user(email=email)) for _ in range(5)), return_exceptions=True
        )
        created = [r for r in results if not isinstance(r, BaseException)]
        assert len(created) == 1, results
        assert all(isinstance(r, REFUSED) for r in results if isinstance(r, BaseException)), results
        assert (await adapter.get_user_by_email(email) or {}).get("id") == created[0]["id"]

    # --- verification tokens ----------------------------------------------------------------

    async def test_verification_token_is_single_use(self, adapter: Adapter) -> None:
        token: VerificationToken = {"identifier": "ada@example.com", "token": uuid.uuid4().hex, "expires": at(1)}
        assert await adapter.create_verification_token(token) == token
        used = await adapter.use_verification_token(token["identifier"], token["token"])
        assert used == token
        assert used is not None
        self.assert_utc(used["expires"])
        assert await adapter.use_verification_token(token["identifier"], token["token"]) is None
        await self.assert_empty(adapter)

    async def test_verification_token_needs_its_identifier(self, adapter: Adapter) -> None:
        value = uuid.uuid4().hex
        await adapter.create_verification_token({"identifier": "ada@example.com", "token": value, "expires": at(1)})
        assert await adapter.use_verification_token("eve@example.com", value) is None
        assert await adapter.use_verification_token("ada@example.com", "guess") is None
        assert await adapter.use_verification_token("ada@example.com", value) is not None

    async def test_unknown_verification_token_is_none(self, adapter: Adapter) -> None:
        assert await adapter.use_verification_token("ada@example.com", "nothing") is None

    async def test_concurrent_uses_of_a_token_one_wins(self, adapter: Adapter) -> None:
        for _ in range(5):
            value = uuid.uuid4().hex
            await adapter.create_verification_token(
                {"identifier": "race@example.com", "token": value, "expires": at(1)}
            )
            results = await asyncio.gather(
                adapter.use_verification_token("race@example.com", value),
                adapter.use_verification_token("race@example.com", value),
            )
            assert sum(result is not None for result in results) == 1, results
        many = uuid.uuid4().hex
        await adapter.create_verification_token({"identifier": "race@example.com", "token": many, "expires": at(1)})
        many_results = await asyncio.gather(
            *(adapter.use_verification_token("race@example.com", many) for _ in range(20))
        )
        assert sum(result is not None for result in many_results) == 1

    async def test_unicode_identifier(self, adapter: Adapter) -> None:
        identifier, value = "zoë@exämple.tëst", uuid.uuid4().hex
        await adapter.create_verification_token({"identifier": identifier, "token": value, "expires": at(1)})
        used = await adapter.use_verification_token(identifier, value)
        assert used is not None
        assert used["identifier"] == identifier

    async def test_has_verification_token_expiring_after(self, adapter: Adapter) -> None:
        check = getattr(adapter, "has_verification_token_expiring_after", None)
        if check is None:
            pytest.skip("this adapter does not implement has_verification_token_expiring_after")
        identifier = f"{unique('rate')}@example.com"
        assert await check(identifier, at(0)) is False
        value = uuid.uuid4().hex
        expires = at(1)
        await adapter.create_verification_token({"identifier": identifier, "token": value, "expires": expires})
        assert await check(identifier, at(0)) is True
        assert await check(identifier, expires - timedelta(milliseconds=1)) is True
        assert await check(identifier, expires) is False
        assert await check(identifier, at(2)) is False
        assert await check("someone-else@example.com", at(0)) is False
        await adapter.use_verification_token(identifier, value)
        assert await check(identifier, at(0)) is False

    # --- two-factor (TwoFactorAdapter) --------------------------------------------------------

    def two_factor(self, adapter: Adapter) -> TwoFactorAdapter:
        if not isinstance(adapter, TwoFactorAdapter):
            pytest.skip("this adapter does not implement TwoFactorAdapter (two-factor sign-in)")
        return adapter

    async def enrolled(self, adapter: Adapter, codes: Sequence[str] = ("h1", "h2")) -> tuple[TwoFactorAdapter, str]:
        store = self.two_factor(adapter)
        _, created = await self.create_user(adapter)
        record: TwoFactorRecord = {
            "userId": created["id"],
            "secret": "sealed-secret",
            "enabledAt": at(0),
            "lastStep": 0,
        }
        await store.set_two_factor(record, codes)
        return store, created["id"]

    async def test_two_factor_round_trips(self, adapter: Adapter) -> None:
        store = self.two_factor(adapter)
        _, created = await self.create_user(adapter)
        assert await store.get_two_factor(created["id"]) is None
        pending: TwoFactorRecord = {"userId": created["id"], "secret": "s1", "enabledAt": None, "lastStep": 0}
        await store.set_two_factor(pending)
        assert await store.get_two_factor(created["id"]) == pending
        enabled_at = at(0)
        enabled: TwoFactorRecord = {"userId": created["id"], "secret": "s2", "enabledAt": enabled_at, "lastStep": 7}
        await store.set_two_factor(enabled, ["a", "b", "c"])
        got = await store.get_two_factor(created["id"])
        assert got is not None
        assert (got["userId"], got["secret"], got["lastStep"]) == (created["id"], "s2", 7)
        self.assert_utc(got["enabledAt"])
        assert got["enabledAt"] == enabled_at
        assert await store.count_recovery_codes(created["id"]) == 3
        await store.set_two_factor({**enabled, "secret": "s3"})  # without codes: the codes stay
        assert await store.count_recovery_codes(created["id"]) == 3
        await store.set_two_factor(enabled, ["d"])  # with codes: they replace the old ones
        assert await store.count_recovery_codes(created["id"]) == 1
        assert await store.use_recovery_code(created["id"], "a") is False

    async def test_two_factor_step_is_used_once(self, adapter: Adapter) -> None:
        store, user_id = await self.enrolled(adapter)
        assert await store.use_two_factor_step(user_id, 100) is True
        assert await store.use_two_factor_step(user_id, 100) is False
        assert await store.use_two_factor_step(user_id, 99) is False
        assert await store.use_two_factor_step(user_id, 101) is True
        record = await store.get_two_factor(user_id)
        assert record is not None
        assert record["lastStep"] == 101
        assert await store.use_two_factor_step(unique("nobody"), 5) is False

    async def test_concurrent_uses_of_a_step_one_wins(self, adapter: Adapter) -> None:
        store, user_id = await self.enrolled(adapter)
        results = await asyncio.gather(*(store.use_two_factor_step(user_id, 500) for _ in range(CONCURRENCY)))
        assert results.count(True) == 1

    async def test_recovery_code_is_single_use(self, adapter: Adapter) -> None:
        store, user_id = await self.enrolled(adapter, ["h1", "h2"])
        results = await asyncio.gather(*(store.use_recovery_code(user_id, "h1") for _ in range(CONCURRENCY)))
        assert results.count(True) == 1
        assert await store.count_recovery_codes(user_id) == 1
        _, other = await self.create_user(adapter)
        assert await store.use_recovery_code(other["id"], "h2") is False  # codes belong to their user
        assert await store.use_recovery_code(user_id, "h2") is True
        assert await store.count_recovery_codes(user_id) == 0

    async def test_delete_two_factor(self, adapter: Adapter) -> None:
        store, user_id = await self.enrolled(adapter)
        await store.delete_two_factor(user_id)
        assert await store.get_two_factor(user_id) is None
        assert await store.count_recovery_codes(user_id) == 0
        await store.delete_two_factor(user_id)  # nothing left: no error

    async def test_delete_user_deletes_two_factor(self, adapter: Adapter) -> None:
        store, user_id = await self.enrolled(adapter)
        await adapter.delete_user(user_id)
        assert await store.get_two_factor(user_id) is None
        assert await store.count_recovery_codes(user_id) == 0
        await self.assert_empty(adapter)

    # --- authenticators (passkeys) ----------------------------------------------------------

    def authenticators(self, adapter: Adapter) -> AuthenticatorAdapter:
        assert isinstance(adapter, AuthenticatorAdapter), "the adapter has no authenticator methods"
        return adapter

    async def test_create_and_get_authenticator(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        _, created = await self.create_user(adapter)
        given = passkey(created["id"])
        assert await store.create_authenticator(given) == given
        assert await store.get_authenticator(given["credentialID"]) == given

    async def test_authenticator_without_transports(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        _, created = await self.create_user(adapter)
        given = passkey(created["id"], transports=None, credentialDeviceType="singleDevice", credentialBackedUp=False)
        await store.create_authenticator(given)
        found = await store.get_authenticator(given["credentialID"])
        assert found is not None
        assert found.get("transports") is None
        assert (found["credentialDeviceType"], found["credentialBackedUp"]) == ("singleDevice", False)

    async def test_unknown_authenticator_is_none(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        _, created = await self.create_user(adapter)
        await store.create_authenticator(passkey(created["id"]))
        assert await store.get_authenticator(passkey(created["id"])["credentialID"]) is None

    async def test_credential_id_is_registered_once(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        _, first = await self.create_user(adapter)
        _, second = await self.create_user(adapter)
        given = passkey(first["id"])
        await store.create_authenticator(given)
        with pytest.raises(REFUSED):
            await store.create_authenticator({**given, "userId": second["id"], "counter": 9})
        assert await store.get_authenticator(given["credentialID"]) == given

    async def test_list_authenticators_by_user_id(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        _, ada = await self.create_user(adapter)
        _, bob = await self.create_user(adapter)
        adas = [passkey(ada["id"]), passkey(ada["id"], transports="usb")]
        for authenticator in [*adas, passkey(bob["id"])]:
            await store.create_authenticator(authenticator)
        listed = await store.list_authenticators_by_user_id(ada["id"])
        assert sorted(listed, key=lambda a: a["credentialID"]) == sorted(adas, key=lambda a: a["credentialID"])
        assert len(await store.list_authenticators_by_user_id(bob["id"])) == 1
        assert await store.list_authenticators_by_user_id("31337") == []

    async def test_update_authenticator_counter(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        _, created = await self.create_user(adapter)
        given = passkey(created["id"], counter=7)
        other = passkey(created["id"], counter=7)
        await store.create_authenticator(given)
        await store.create_authenticator(other)
        # The Auth.js SQL schema's counter is an INTEGER: its top value must fit.
        top = 2**31 - 1
        assert await store.update_authenticator_counter(given["credentialID"], top) == {**given, "counter": top}
        assert await store.get_authenticator(given["credentialID"]) == {**given, "counter": top}
        assert await store.get_authenticator(other["credentialID"]) == other

    async def test_update_unknown_authenticator_counter_raises(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        with pytest.raises((AdapterError, LookupError)):
            await store.update_authenticator_counter(base64.b64encode(os.urandom(16)).decode(), 1)

    async def test_delete_user_deletes_their_authenticators(self, adapter: Adapter) -> None:
        store = self.authenticators(adapter)
        _, doomed = await self.create_user(adapter)
        _, kept = await self.create_user(adapter)
        gone = passkey(doomed["id"])
        await adapter.link_account(
            {
                "userId": doomed["id"],
                "type": "webauthn",
                "provider": "passkey",
                "providerAccountId": gone["credentialID"],
            }
        )
        await store.create_authenticator(gone)
        stays = passkey(kept["id"])
        await store.create_authenticator(stays)
        await adapter.delete_user(doomed["id"])
        assert await store.get_authenticator(gone["credentialID"]) is None
        assert await store.list_authenticators_by_user_id(doomed["id"]) == []
        assert await store.get_authenticator(stays["credentialID"]) == stays
        await adapter.delete_user(kept["id"])

    # --- session management (SessionManagementAdapter) -------------------------------------------

    def managing(self, adapter: Adapter) -> SessionManagementAdapter:
        if not isinstance(adapter, SessionManagementAdapter):
            pytest.skip("this adapter does not implement SessionManagementAdapter")
        return adapter

    async def test_sessions_keep_their_details(self, adapter: Adapter) -> None:
        store = self.managing(adapter)
        _, user = await self.create_user(adapter)
        created_at = at(-1)
        with_details: AdapterSession = {
            "sessionToken": uuid.uuid4().hex,
            "userId": user["id"],
            "expires": at(24),
            "createdAt": created_at,
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            "ip": "2001:db8::1",
        }
        await adapter.create_session(with_details)
        plain = await self.create_session(adapter, user["id"])
        await self.create_session(adapter, user["id"], hours=-1)  # expired: not listed
        _, other = await self.create_user(adapter)
        await self.create_session(adapter, other["id"])
        listed = {s["sessionToken"]: s for s in await store.list_sessions_of_user(user["id"])}
        assert set(listed) == {with_details["sessionToken"], plain["sessionToken"]}
        detailed = listed[with_details["sessionToken"]]
        assert detailed.get("createdAt") == created_at
        self.assert_utc(detailed.get("createdAt"))
        assert detailed.get("userAgent") == with_details["userAgent"]
        assert detailed.get("ip") == "2001:db8::1"
        assert listed[plain["sessionToken"]].get("userAgent") is None
        # The Auth.js read is unchanged by the details.
        found = await adapter.get_session_and_user(with_details["sessionToken"])
        assert found is not None
        assert found[0]["expires"] == with_details["expires"]

    async def test_delete_sessions_of_user(self, adapter: Adapter) -> None:
        store = self.managing(adapter)
        _, user = await self.create_user(adapter)
        _, other = await self.create_user(adapter)
        mine = [await self.create_session(adapter, user["id"]) for _ in range(3)]
        theirs = await self.create_session(adapter, other["id"])
        assert await store.delete_sessions_of_user(user["id"], keep=mine[0]["sessionToken"]) == 2
        assert [s["sessionToken"] for s in await store.list_sessions_of_user(user["id"])] == [mine[0]["sessionToken"]]
        assert await adapter.get_session_and_user(mine[1]["sessionToken"]) is None
        assert await store.delete_sessions_of_user(user["id"]) == 1
        assert await store.list_sessions_of_user(user["id"]) == []
        assert await adapter.get_session_and_user(theirs["sessionToken"]) is not None
        assert await store.delete_sessions_of_user(user["id"]) == 0

    async def test_session_generation_counts_every_bump(self, adapter: Adapter) -> None:
        store = self.managing(adapter)
        _, user = await self.create_user(adapter)
        _, other = await self.create_user(adapter)
        assert await store.get_session_generation(user["id"]) == 0
        assert await store.bump_session_generation(user["id"]) == 1
        results = await asyncio.gather(*(store.bump_session_generation(user["id"]) for _ in range(CONCURRENCY)))
        assert sorted(results) == list(range(2, CONCURRENCY + 2))
        assert await store.get_session_generation(user["id"]) == CONCURRENCY + 1
        assert await store.get_session_generation(other["id"]) == 0
        await adapter.delete_user(user["id"])
        await adapter.delete_user(other["id"])
        await self.assert_empty(adapter)

    # --- passwords (PasswordAdapter) ----------------------------------------------------------------

    async def test_password_hash_round_trips(self, adapter: Adapter) -> None:
        if not isinstance(adapter, PasswordAdapter):
            pytest.skip("this adapter does not implement PasswordAdapter")
        _, user = await self.create_user(adapter)
        _, other = await self.create_user(adapter)
        assert await adapter.get_password_hash(user["id"]) is None
        await adapter.set_password_hash(user["id"], "$argon2id$v=19$m=65536,t=3,p=4$first")
        await adapter.set_password_hash(user["id"], "$argon2id$v=19$m=65536,t=3,p=4$second")
        assert await adapter.get_password_hash(user["id"]) == "$argon2id$v=19$m=65536,t=3,p=4$second"
        assert await adapter.get_password_hash(other["id"]) is None
        with pytest.raises(REFUSED):
            await adapter.set_password_hash(unique("nobody") if not user["id"].isdigit() else "999999", "x")
        await adapter.delete_user(user["id"])
        assert await adapter.get_password_hash(user["id"]) is None
        await adapter.delete_user(other["id"])
        await self.assert_empty(adapter)
