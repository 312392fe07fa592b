"""Rate-limit stores for ``AuthOptions(rate_limits=...)``, on the ``limits`` library.

``limits`` (PyPI, maintained with Flask-Limiter) keeps moving windows in memory or in Redis, with
asyncio support and one atomic Lua script per hit, each touching one key, so it works on Redis
Cluster too. authsession uses it rather than a counter of its own; the policy (what counts, the
keys, the answer) is in ``authsession._core.ratelimit``.

- :class:`MemoryRateLimitStore`: counters in this process (the default). Right for one process;
  with several workers each counts alone, so an attacker gets the limit once per worker.
- :class:`RedisRateLimitStore`: counters in Redis, shared by every process and host using it.

Both make their ``limits`` storage per event loop: a client (a Redis connection, an
``asyncio.Lock``) belongs to the loop that made it, and a second loop (a second ``TestClient``,
``asyncio.run`` before a server) must not touch the first one's. A memory store's counts are per
loop too; a server runs one loop, so that changes nothing there.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from typing import TYPE_CHECKING

from authsession._core.ratelimit import Limit, RateLimits, RateLimitStore

try:
    from limits import RateLimitItemPerSecond
    from limits.aio.storage import MemoryStorage, RedisStorage, Storage
    from limits.aio.strategies import MovingWindowRateLimiter
except ImportError as exc:  # pragma: no cover - limits is a dependency
    raise ImportError("authsession.ratelimit needs the `limits` package: pip install limits") from exc

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Limit", "MemoryRateLimitStore", "RateLimitStore", "RateLimits", "RedisRateLimitStore"]


class _PerLoop:
    """One ``limits`` storage and moving-window limiter per running event loop."""

    def __init__(self, make: Callable[[], Storage]) -> None:
        self._make = make
        self._limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MovingWindowRateLimiter] = (
            weakref.WeakKeyDictionary()
        )

    def limiter(self) -> MovingWindowRateLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = MovingWindowRateLimiter(self._make())
        return limiter

    async def hit(self, key: str, limit: Limit) -> bool:
        return await self.limiter().hit(_item(limit), key)

    async def test(self, key: str, limit: Limit) -> bool:
        return await self.limiter().test(_item(limit), key)

    async def retry_after(self, key: str, limit: Limit) -> int:
        stats = await self.limiter().get_window_stats(_item(limit), key)
        if stats.remaining > 0:
            return 0
        return max(math.ceil(stats.reset_time - time.time()), 1)


def _item(limit: Limit) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(limit.amount, limit.seconds)


class MemoryRateLimitStore(_PerLoop):
    """Moving-window counters in this process's memory."""

    def __init__(self) -> None:
        super().__init__(MemoryStorage)

    def __repr__(self) -> str:
        return "MemoryRateLimitStore()"


class RedisRateLimitStore(_PerLoop):
    """Moving-window counters in Redis, shared by every process that uses the same Redis.

    :param url: ``redis://host:6379/0`` (``rediss://`` for TLS). The keys start with
        ``prefix`` and hold a hash of the IP or identifier, never the value.
    """

    def __init__(self, url: str, *, prefix: str = "authsession") -> None:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("RedisRateLimitStore needs a redis://, rediss:// or unix:// URL")
        self._url = url
        scheme_url = "async+" + url.replace("unix://", "redis+unix://", 1)
        super().__init__(lambda: RedisStorage(scheme_url, implementation="redispy", key_prefix=prefix))

    def __repr__(self) -> str:
        # The URL may hold a password: show the host only.
        host = self._url.split("@")[-1].split("/")[0]
        return f"RedisRateLimitStore({host!r})"
