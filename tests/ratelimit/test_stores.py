"""The two stores on the `limits` library: moving windows, and a store object that keeps working
when the event loop changes (``asyncio.run`` twice, one ``TestClient`` per test)."""

from __future__ import annotations

import asyncio
import gc
import secrets

import pytest

from adapters.conftest import RUN_ID
from authsession.ratelimit import Limit, MemoryRateLimitStore, RateLimitStore, RedisRateLimitStore


async def hits(store: RateLimitStore, key: str, limit: Limit, count: int) -> list[bool]:
    return [await store.hit(key, limit) for _ in range(count)]


def test_memory_store_counts_a_moving_window() -> None:
    store = MemoryRateLimitStore()
    limit = Limit(3, 60)

    async def scenario() -> None:
        assert await hits(store, "k", limit, 4) == [True, True, True, False]
        assert not await store.test("k", limit)
        assert 1 <= await store.retry_after("k", limit) <= 60
        assert await store.test("other", limit)
        assert await store.retry_after("other", limit) == 0

    asyncio.run(scenario())
    # A new loop gets a fresh storage (its locks and timer belong to the old one).
    asyncio.run(hits(store, "k", limit, 1))


# Each asyncio.run closes its loop with the store's Redis connections still open (that is the
# scenario); the store lets go of them, and their sockets are closed when collected, which Python
# reports as ResourceWarnings from __del__. The test collects them before it ends.
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_redis_store_shares_counts_across_loops_and_objects(redis_url: str) -> None:
    prefix = f"authsession-test:{RUN_ID}:{secrets.token_hex(4)}"  # the fixture deletes these keys
    limit = Limit(3, 60)
    first = RedisRateLimitStore(redis_url, prefix=prefix)
    assert asyncio.run(hits(first, "k", limit, 2)) == [True, True]
    # Another loop, the same store object: its Redis client is made again for this loop.
    assert asyncio.run(hits(first, "k", limit, 1)) == [True]
    # Another object (another process, say) sees the same count.
    second = RedisRateLimitStore(redis_url, prefix=prefix)
    assert asyncio.run(hits(second, "k", limit, 1)) == [False]
    assert 1 <= asyncio.run(second.retry_after("k", limit)) <= 60
    del first, second
    gc.collect()


def test_redis_store_wants_a_redis_url_and_hides_its_password() -> None:
    with pytest.raises(ValueError, match="redis://"):
        RedisRateLimitStore("http://example.com")
    assert "s3cret" not in repr(RedisRateLimitStore("redis://:s3cret@cache.example:6379/0"))
