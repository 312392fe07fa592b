"""An opt-in, short-lived, in-process cache of database session reads.

Wrap the adapter you pass to :class:`~authsession.AuthOptions`::

    adapter = SessionCache(SQLAlchemyAdapter("postgresql://..."), ttl=5)

Each process then reads a session (and its user) from the store at most once per ``ttl``
seconds; the reads in between cost a dictionary lookup, about what a JWT session costs.
Everything else (sign-in, writes, email tokens, any method the adapter adds) goes straight to
the adapter.

The price is the revocation delay, and it is bounded by ``ttl``:

- **In this process, a change is seen at once.** ``delete_session`` (sign-out),
  ``update_session``, ``update_user`` and ``delete_user`` called through the cache drop what it
  holds for that session or user.
- **Elsewhere, it takes up to ``ttl`` seconds.** A sign-out served by another worker or another
  app (a Next.js app on the same database), or a row deleted by hand, is seen by this process
  when its cached copy is ``ttl`` seconds old. Until then the session still opens here, with the
  user's name and email as they were.

Choose ``ttl`` as the longest you accept a revoked session to keep working; leave the cache out
where a sign-out must end the session everywhere at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from authsession.adapters.base import Adapter
from authsession.types import AdapterSession, User

__all__ = ["SessionCache"]


class SessionCache:
    """Serve ``get_session_and_user`` from memory for up to ``ttl`` seconds per session.

    :param adapter: the adapter that stores the sessions.
    :param ttl: how long (seconds) a session read from the store is answered from memory; the
        longest a sign-out made by another process takes to be seen here.
    :param max_entries: how many sessions are kept; the least recently read go first.
    :param clock: seconds on a clock that never goes back (tests pass their own).

    Only sessions the store found are kept: an unknown token always reaches the store.
    """

    def __init__(
        self,
        adapter: Adapter,
        *,
        ttl: float = 5.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < ttl <= 300:
            raise ValueError("ttl must be more than 0 and at most 300 seconds: it is the revocation delay")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.adapter = adapter
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        # session token -> (when it was read, the session, its user)
        self._entries: OrderedDict[str, tuple[float, AdapterSession, User]] = OrderedDict()
        # Moves on at every change made through the cache: a read that was under way meanwhile
        # (a sign-out while the store answered) must not put back what the change removed.
        self._changes = 0

    def __repr__(self) -> str:
        return f"SessionCache({self.adapter!r}, ttl={self.ttl})"

    def __getattr__(self, name: str) -> Any:
        # Every other method (users, accounts, email tokens, extensions) is the adapter's own.
        return getattr(self.adapter, name)

    async def get_session_and_user(self, session_token: str) -> tuple[AdapterSession, User] | None:
        now = self._clock()
        entry = self._entries.get(session_token)
        if entry is not None and now - entry[0] < self.ttl:
            self._entries.move_to_end(session_token)
            # Copies: the session callback may change what it is given.
            return entry[1].copy(), entry[2].copy()
        changes = self._changes
        found = await self.adapter.get_session_and_user(session_token)
        if found is None:
            self._entries.pop(session_token, None)
            return None
        if changes == self._changes:
            session, user = found
            self._entries[session_token] = (now, session.copy(), user.copy())
            self._entries.move_to_end(session_token)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    async def update_session(self, session_token: str, expires: datetime) -> AdapterSession | None:
        self._forget(session_token)
        try:
            return await self.adapter.update_session(session_token, expires)
        finally:
            self._forget(session_token)

    async def delete_session(self, session_token: str) -> AdapterSession | None:
        self._forget(session_token)
        try:
            return await self.adapter.delete_session(session_token)
        finally:
            self._forget(session_token)

    async def update_user(self, user: User) -> User:
        try:
            return await self.adapter.update_user(user)
        finally:
            self._forget_user(user["id"])

    async def delete_user(self, user_id: str) -> None:
        self._forget_user(user_id)
        try:
            await self.adapter.delete_user(user_id)
        finally:
            self._forget_user(user_id)

    def _forget(self, session_token: str) -> None:
        self._changes += 1
        self._entries.pop(session_token, None)

    def _forget_user(self, user_id: str) -> None:
        self._changes += 1
        for token in [token for token, (_, session, _) in self._entries.items() if session["userId"] == user_id]:
            del self._entries[token]
