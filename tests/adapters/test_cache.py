"""SessionCache: the conformance suite through it, what it saves, and its revocation delay."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from authsession import AuthOptions
from authsession._core.cookies import cookie_names
from authsession._core.http import AuthRequest
from authsession._core.server_session import get_session
from authsession.adapters import MemoryAdapter, SessionCache
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.providers import Email
from authsession.testing import AdapterConformanceSuite
from authsession.testing.adapter_suite import at, new_user
from helpers import SECRET

TTL = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestSessionCacheOverMemory(AdapterConformanceSuite):
    returns_utc = False  # the memory adapter hands back the datetimes it was given

    @pytest.fixture
    def adapter(self) -> SessionCache:
        return SessionCache(MemoryAdapter(), ttl=TTL)

    async def leftovers(self, adapter: Any) -> Sequence[str] | None:
        store = adapter.adapter
        return [*store.users, *store.accounts, *store.sessions, *store.tokens]


class Counting(MemoryAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def get_session_and_user(self, session_token: str) -> Any:
        self.reads += 1
        return await super().get_session_and_user(session_token)


async def signed_in(store: Any) -> tuple[str, Any]:
    user = await store.create_user(new_user())
    session = await store.create_session({"sessionToken": f"t-{user['id']}", "userId": user["id"], "expires": at(24)})
    return session["sessionToken"], user


async def test_reads_within_ttl_reach_the_store_once() -> None:
    store, clock = Counting(), Clock()
    cache = SessionCache(store, ttl=TTL, clock=clock)
    token, user = await signed_in(store)
    for _ in range(3):
        found = await cache.get_session_and_user(token)
        assert found is not None
        assert found[1]["email"] == user["email"]
    assert store.reads == 1
    clock.now += TTL
    assert await cache.get_session_and_user(token) is not None
    assert store.reads == 2
    # Unknown tokens are never kept: each one reaches the store.
    for _ in range(2):
        assert await cache.get_session_and_user("unknown") is None
    assert store.reads == 4


async def test_what_it_hands_out_is_a_copy() -> None:
    store = MemoryAdapter()
    cache = SessionCache(store, ttl=TTL)
    token, user = await signed_in(store)
    found = await cache.get_session_and_user(token)
    assert found is not None
    found[1]["name"] = "changed by a session callback"
    again = await cache.get_session_and_user(token)
    assert again is not None
    assert again[1]["name"] == user["name"]


async def test_it_keeps_at_most_max_entries() -> None:
    store = Counting()
    cache = SessionCache(store, ttl=TTL, max_entries=2)
    tokens = [(await signed_in(store))[0] for _ in range(3)]
    for token in tokens:
        await cache.get_session_and_user(token)
    assert len(cache._entries) == 2
    await cache.get_session_and_user(tokens[0])  # the least recently read went first
    assert store.reads == 4


async def test_a_sign_out_under_way_during_a_read_is_not_undone() -> None:
    """A read that started before a sign-out must not cache the session the sign-out deleted."""

    class Slow(MemoryAdapter):
        async def get_session_and_user(self, session_token: str) -> Any:
            found = await super().get_session_and_user(session_token)
            await cache.delete_session(session_token)  # the sign-out lands while the read is out
            return found

    store = Slow()
    cache = SessionCache(store, ttl=TTL)
    token, _ = await signed_in(store)
    assert await cache.get_session_and_user(token) is not None  # read before the sign-out: fine
    assert token not in store.sessions
    assert token not in cache._entries


@pytest.fixture
async def two_workers(tmp_path: Path) -> AsyncIterator[tuple[Clock, SessionCache, SessionCache]]:
    """Two processes' adapters on one SQLite file, each with its own cache."""
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    clock = Clock()
    first, second = SQLAlchemyAdapter(url), SQLAlchemyAdapter(url)
    await first.create_schema()
    yield clock, SessionCache(first, ttl=TTL, clock=clock), SessionCache(second, ttl=TTL, clock=clock)
    await first.close()
    await second.close()


def _options(adapter: Any) -> AuthOptions:
    return AuthOptions(
        secret=SECRET,
        adapter=adapter,
        providers=[Email(send_verification_request=lambda **_: None)],
        session={"strategy": "database"},
        url="http://localhost:8000",
    )


async def read(adapter: Any, token: str) -> Any:
    request = AuthRequest(
        method="GET",
        url="http://localhost:8000/profile",
        headers={"host": "localhost:8000"},
        cookies={cookie_names("v5", False).session_token: token},
    )
    session, _ = await get_session(request, _options(adapter))
    return session


async def test_revocation_is_immediate_here_and_takes_up_to_ttl_elsewhere(
    two_workers: tuple[Clock, SessionCache, SessionCache],
) -> None:
    clock, here, elsewhere = two_workers
    token, user = await signed_in(here)
    assert (await read(here, token))["user"]["email"] == user["email"]
    assert (await read(elsewhere, token))["user"]["email"] == user["email"]

    # Sign-out in this process: at once here; the other process keeps its copy for up to ttl.
    await here.delete_session(token)
    assert await read(here, token) is None
    clock.now += TTL - 0.5
    assert (await read(elsewhere, token))["user"]["email"] == user["email"]
    clock.now += 0.5
    assert await read(elsewhere, token) is None


async def test_a_changed_user_is_seen_here_at_once(two_workers: tuple[Clock, SessionCache, SessionCache]) -> None:
    clock, here, elsewhere = two_workers
    token, user = await signed_in(here)
    assert (await read(here, token))["user"]["name"] == user["name"]
    assert (await read(elsewhere, token))["user"]["name"] == user["name"]
    await here.update_user({"id": user["id"], "name": "Ada King"})
    assert (await read(here, token))["user"]["name"] == "Ada King"
    assert (await read(elsewhere, token))["user"]["name"] == user["name"]
    clock.now += TTL
    assert (await read(elsewhere, token))["user"]["name"] == "Ada King"


def test_ttl_is_bounded() -> None:
    for ttl in (0, -1, 301):
        with pytest.raises(ValueError, match="revocation delay"):
            SessionCache(MemoryAdapter(), ttl=ttl)
    assert "ttl=5.0" in repr(SessionCache(MemoryAdapter()))
