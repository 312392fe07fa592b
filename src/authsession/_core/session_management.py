"""A user's sessions: list them, end one, end all others, end all (``AuthOptions(session_management=...)``).

authsession's extension; NextAuth leaves it to each app (next-auth #2993, #7462, #6343).

- **Database sessions** are rows: listing reads the user's rows (with the creation time, and the
  browser and address when the app opts in to recording them, kept beside the Auth.js table);
  ending one deletes its row, so it stops at its next read.
- **JWT sessions** live in browsers, so they cannot be listed. With ``revoke_jwt=True`` each
  token carries the user's *session generation* (claim ``sgen``); ending all others bumps the
  generation in the adapter and re-issues the current token, and every read compares the token's
  generation with the user's, through a short in-process cache (``generation_cache_seconds``):
  that is the delay before another process sees a revocation. This process sees it at once.

A session's public ``id`` is a hash of its token: the page and the JSON never show a token.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from authsession._core.context import Context, CoreOptions, iso_time
from authsession._core.ratelimit import client_ip
from authsession._core.user_code import call
from authsession.errors import ConfigurationError
from authsession.types import AdapterSession, User

logger = logging.getLogger("authsession")

#: The claim of a JWT session token that holds the user's session generation.
GENERATION_CLAIM = "sgen"
MAX_USER_AGENT_LENGTH = 512
_ID_LENGTH = 24

Revoke = Literal["one", "others", "all"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionManagement:
    """Settings of "Your sessions" and "sign out everywhere".

    - ``record_user_agent`` / ``record_ip``: keep the browser's ``User-Agent`` (on by default)
      and the client's IP address (off: it is personal data; behind a proxy it is the one
      ``RateLimits.trusted_proxies`` allows) with each new database session, to show in the list.
    - ``revoke_jwt``: make JWT sessions revocable as a group (one cached lookup per read).
    - ``generation_cache_seconds``: how long a process trusts a user's generation it read; the
      longest another process keeps accepting a revoked JWT session.
    - ``max_cached_users``: the bound on that cache.
    """

    record_user_agent: bool = True
    record_ip: bool = False
    revoke_jwt: bool = False
    generation_cache_seconds: float = 5.0
    max_cached_users: int = 10_000

    def __post_init__(self) -> None:
        if not 0 <= self.generation_cache_seconds <= 300:
            raise ConfigurationError("SessionManagement.generation_cache_seconds must be between 0 and 300")
        if not 1 <= self.max_cached_users <= 1_000_000:
            raise ConfigurationError("SessionManagement.max_cached_users must be between 1 and 1,000,000")


class GenerationCache:
    """Users' session generations as this process last read them, for a few seconds each."""

    def __init__(self, settings: SessionManagement) -> None:
        self._ttl = settings.generation_cache_seconds
        self._max = settings.max_cached_users
        self._entries: OrderedDict[str, tuple[int, float]] = OrderedDict()

    async def get(self, ctx: Context, user_id: str) -> int:
        now = time.monotonic()
        entry = self._entries.get(user_id)
        if entry is not None and entry[1] > now:
            return entry[0]
        generation = int(await call(ctx.options.adapter.get_session_generation, user_id))
        self._store(user_id, generation, now)
        return generation

    def _store(self, user_id: str, generation: int, now: float) -> None:
        self._entries[user_id] = (generation, now + self._ttl)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def bump(self, ctx: Context, user_id: str) -> int:
        generation = int(await call(ctx.options.adapter.bump_session_generation, user_id))
        self._store(user_id, generation, time.monotonic())
        return generation


def settings(ctx: Context) -> SessionManagement | None:
    found: SessionManagement | None = ctx.options.session_management
    return found


def revokes_jwt(ctx: Context) -> bool:
    return revokes_jwt_with(ctx.options)


def revokes_jwt_with(options: CoreOptions) -> bool:
    managed: SessionManagement | None = options.session_management
    return managed is not None and managed.revoke_jwt


def session_details(ctx: Context) -> dict[str, Any]:
    """What a new database session records beside its Auth.js row."""
    managed = settings(ctx)
    if managed is None:
        return {}
    details: dict[str, Any] = {"createdAt": datetime.fromtimestamp(ctx.now, UTC)}
    if managed.record_user_agent:
        agent = ctx.request.headers.get("user-agent")
        details["userAgent"] = agent[:MAX_USER_AGENT_LENGTH] if agent else None
    if managed.record_ip:
        policy = ctx.options.rate_limits
        details["ip"] = client_ip(ctx.request, policy.trusted_proxies if policy is not None else ())
    return details


async def generation_is_current(ctx: Context, claims: Mapping[str, Any]) -> bool:
    """Whether a JWT session token still belongs to its user's current generation."""
    user_id = claims.get("sub")
    if not isinstance(user_id, str):
        return True  # a token without a user (no adapter id) cannot be revoked by user
    stamped = claims.get(GENERATION_CLAIM, 0)
    stamped = stamped if isinstance(stamped, int) and not isinstance(stamped, bool) else 0
    current = await ctx.options.session_generations.get(ctx, user_id)
    if stamped < current:
        logger.info(
            "JWT_SESSION_ERROR: a session of user %s was revoked (generation %d < %d)", user_id, stamped, current
        )
        return False
    return True


async def stamp(ctx: Context, claims: dict[str, Any], user_id: str) -> dict[str, Any]:
    return {**claims, GENERATION_CLAIM: await ctx.options.session_generations.get(ctx, user_id)}


def public_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:_ID_LENGTH]


def describe(ctx: Context, session: AdapterSession, *, current: bool) -> dict[str, Any]:
    """A session as the page and the JSON show it: no token, times as ISO strings."""
    created = session.get("createdAt")
    # Each extension of a database session sets expires to now + max_age, so it was last seen then.
    seen = session["expires"].timestamp() - ctx.options.session.max_age
    return {
        "id": public_id(session["sessionToken"]),
        "current": current,
        "createdAt": iso_time(created.timestamp()) if created is not None else None,
        "lastSeenAt": iso_time(max(seen, created.timestamp()) if created is not None else seen),
        "expires": iso_time(session["expires"].timestamp()),
        "userAgent": session.get("userAgent"),
        "ip": session.get("ip"),
    }


async def list_sessions(ctx: Context, user: User) -> list[dict[str, Any]]:
    """The user's sessions, the current one first. With JWT sessions only the current one is known."""
    token = ctx.session_store.value
    if ctx.options.session.strategy == "jwt":
        return [{"id": "current", "current": True, "createdAt": None, "lastSeenAt": None, "expires": None}]
    stored: list[AdapterSession] = await call(ctx.options.adapter.list_sessions_of_user, user["id"])
    described = [describe(ctx, s, current=s["sessionToken"] == token) for s in stored]
    return sorted(described, key=lambda d: (not d["current"], d["createdAt"] or ""), reverse=False)


async def revoke(ctx: Context, user: User, which: Revoke, session_id: str | None = None) -> int:
    """End sessions of ``user``: one (by public id), all but the current one, or all. How many ended
    (for JWT sessions, ``-1``: a generation ends an unknown number of browsers)."""
    adapter = ctx.options.adapter
    current = ctx.session_store.value
    if ctx.options.session.strategy == "jwt":
        if which == "one" or not revokes_jwt(ctx):
            raise ConfigurationError(
                "JWT sessions can be ended as a group only, with SessionManagement(revoke_jwt=True)"
            )
        await ctx.options.session_generations.bump(ctx, user["id"])
        if which == "all":
            ctx.set_cookies(ctx.session_store.clean())
        else:
            await ctx.strategy.reissue(ctx)
        logger.info("Sessions: user %s ended %s JWT sessions", user["id"], which)
        return -1
    if which == "one":
        stored: list[AdapterSession] = await call(adapter.list_sessions_of_user, user["id"])
        doomed = [s["sessionToken"] for s in stored if public_id(s["sessionToken"]) == session_id]
        for token in doomed:
            await call(adapter.delete_session, token)
        if current in doomed:
            ctx.set_cookies(ctx.session_store.clean())
        return len(doomed)
    count = int(await call(adapter.delete_sessions_of_user, user["id"], current if which == "others" else None))
    if which == "all":
        ctx.set_cookies(ctx.session_store.clean())
    if revokes_jwt(ctx):
        await ctx.options.session_generations.bump(ctx, user["id"])
    logger.info("Sessions: user %s ended %d sessions (%s)", user["id"], count, which)
    return count


async def end_every_session(ctx: Context, user_id: str, *, keep_current: bool = False) -> int:
    """After a password reset (all) or change (all but this browser's): delete the user's
    database sessions where the adapter can, and bump their JWT generation with ``revoke_jwt``.
    How many database sessions ended."""
    adapter = ctx.options.adapter
    ended = 0
    if callable(getattr(adapter, "delete_sessions_of_user", None)):
        keep = ctx.session_store.value if keep_current else None
        ended = int(await call(adapter.delete_sessions_of_user, user_id, keep))
    if revokes_jwt(ctx):
        await ctx.options.session_generations.bump(ctx, user_id)
        if keep_current:
            await ctx.strategy.reissue(ctx)
    return ended
