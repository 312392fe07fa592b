"""The FastAPI twin of ``tests/node/nextjs``: the same credentials provider, users, callbacks and pages.

``uvicorn --factory bench.apps.twin:create_app``. It is configured by environment variables
so that every uvicorn worker builds the same app:

* ``BENCH_SECRET`` (required), ``BENCH_URL`` (the site's URL), ``BENCH_FORMAT`` (``v4``, the
  Next.js app's, or ``v5``).
* ``BENCH_STRATEGY=database`` with ``BENCH_ADAPTER`` (``memory``, ``sqlalchemy``, ``redis``),
  ``BENCH_DATABASE_URL`` and ``BENCH_REDIS_PREFIX``: the database strategy. Credentials sign-in
  needs JWT sessions (as in next-auth), so this app then has no provider and seeds one user
  and one session (:data:`DATABASE_SESSION_TOKEN`) at start-up instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from tests.nextjs_app import twin_app, twin_options

#: The session the database variant seeds; the benchmark sends it as the session cookie.
DATABASE_SESSION_TOKEN = "bench-database-session-0000000000000001"


def _adapter(name: str, url: str | None) -> Any:
    # Database strategy: bench/http.py (database_servers) creates the database or key prefix
    # and the schema before the workers start, and removes them afterwards.
    if name == "memory":
        from authsession.adapters.memory import MemoryAdapter

        return MemoryAdapter()
    if name == "sqlalchemy":
        from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

        return SQLAlchemyAdapter(url)  # type: ignore[arg-type]
    if name == "redis":
        from authsession.adapters.redis import RedisAdapter

        return RedisAdapter(url, prefix=os.environ.get("BENCH_REDIS_PREFIX", "authsession-bench"))  # type: ignore[arg-type]
    raise ValueError(f"BENCH_ADAPTER must be memory, sqlalchemy or redis, not {name!r}")


async def _seed(adapter: Any) -> None:
    """One user and one session that lasts the whole run, created once whatever the worker count."""
    user = {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com", "emailVerified": None}
    if await adapter.get_user("1") is None:
        try:
            await adapter.create_user(user)
        except Exception:  # another worker won the race
            if await adapter.get_user("1") is None:
                raise
    if await adapter.get_session_and_user(DATABASE_SESSION_TOKEN) is None:
        expires = datetime.now(UTC) + timedelta(days=30)
        try:
            await adapter.create_session({"sessionToken": DATABASE_SESSION_TOKEN, "userId": "1", "expires": expires})
        except Exception:
            if await adapter.get_session_and_user(DATABASE_SESSION_TOKEN) is None:
                raise


def create_app() -> FastAPI:
    secret = os.environ["BENCH_SECRET"]
    session: dict[str, Any] = {"strategy": os.environ.get("BENCH_STRATEGY", "jwt")}
    adapter = None
    if session["strategy"] == "database":
        adapter = _adapter(os.environ.get("BENCH_ADAPTER", "memory"), os.environ.get("BENCH_DATABASE_URL"))
    options = twin_options(
        secret=secret,
        url=os.environ.get("BENCH_URL"),
        credentials=adapter is None,
        format=os.environ.get("BENCH_FORMAT", "v4"),
        session=session,
        adapter=adapter,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if adapter is not None:
            await _seed(adapter)
        yield

    return twin_app(options, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
