"""What the examples read to share their sessions: ``AUTH_FORMAT``, ``AUTH_SESSION_STRATEGY``, ``DEMO_DB``.

Give the FastAPI demo and the Flask example the same ``AUTH_SECRET``, ``AUTH_FORMAT`` and
``AUTH_SESSION_STRATEGY`` (and, for ``database``, the same ``DEMO_DB``), and a user signed in on
one is signed in on the other.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authsession.providers import Email, Provider
from authsession.types import Format, SessionStrategyName, User

if TYPE_CHECKING:
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

_FORMATS: dict[str, Format] = {"v4": "v4", "v5": "v5"}
_STRATEGIES: dict[str, SessionStrategyName] = {"database": "database", "jwt": "jwt"}


def session_from_env(
    default_strategy: SessionStrategyName, environ: Mapping[str, str] = os.environ
) -> tuple[Format, SessionStrategyName]:
    """``AUTH_FORMAT`` (``v5``, the default, or ``v4``) and ``AUTH_SESSION_STRATEGY`` (``jwt`` or
    ``database``; ``default_strategy`` when unset). Raises :class:`ValueError` for anything else."""
    format = _FORMATS.get(environ.get("AUTH_FORMAT") or "v5")
    strategy = _STRATEGIES.get(environ.get("AUTH_SESSION_STRATEGY") or default_strategy)
    if format is None:
        raise ValueError(f"AUTH_FORMAT must be v4 or v5, not {environ['AUTH_FORMAT']!r}")
    if strategy is None:
        raise ValueError(f"AUTH_SESSION_STRATEGY must be jwt or database, not {environ['AUTH_SESSION_STRATEGY']!r}")
    return format, strategy


@dataclass(frozen=True, slots=True)
class OneAccountSessions:
    """The sessions of an example with one credentials account, set to share them with the demo.

    With ``database``, users and sessions live in the demo's SQLite file (``DEMO_DB``, default
    ``./demo.sqlite3``): the account is the row of ``users`` with its email, and email sign-in
    links (printed in the console) are offered too, since NextAuth refuses database sessions to an
    app whose only sign-in is credentials.
    """

    format: Format
    strategy: SessionStrategyName
    adapter: SQLAlchemyAdapter | None

    @classmethod
    def from_env(cls, default_strategy: SessionStrategyName) -> OneAccountSessions:
        format, strategy = session_from_env(default_strategy)
        adapter = _database(os.environ.get("DEMO_DB") or "demo.sqlite3") if strategy == "database" else None
        return cls(format, strategy, adapter)

    async def user(self, email: str) -> dict[str, Any]:
        """The account's user: its row of ``users`` (made if missing) with a database, else a fixed one."""
        if self.adapter is None:
            return {"id": "demo", "name": "Demo User", "email": email}
        user = await self.adapter.get_user_by_email(email)
        if user is None:
            new = User(id=secrets.token_hex(16), name="Demo User", email=email, emailVerified=None)
            user = await self.adapter.create_user(new)
        return dict(user)

    def options(self, *providers: Provider) -> dict[str, Any]:
        """The :class:`~authsession.AuthOptions` arguments for format, strategy, adapter and the
        ``providers``, with email links added when there is a database."""
        providers = (*providers, Email(send_verification_request=_print_link)) if self.adapter else providers
        return {
            "format": self.format,
            "session": {"strategy": self.strategy},
            "adapter": self.adapter,
            "providers": list(providers),
            # A printed link reaches nobody else, so it may start with the request's host, as the demo's do.
            "trust_host": True if self.adapter is not None and not os.environ.get("AUTH_URL") else None,
        }


def _database(path: str) -> SQLAlchemyAdapter:
    """The Auth.js tables in the SQLite file at ``path``, created if missing."""
    from sqlalchemy.engine import URL

    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

    adapter = SQLAlchemyAdapter(URL.create("sqlite+aiosqlite", database=path))
    # The adapter follows the event loop it is used on: this one is thrown away.
    asyncio.run(adapter.create_schema())
    return adapter


def _print_link(*, identifier: str, url: str, **_: Any) -> None:
    # The link signs in whoever opens it: fine in your own terminal, never in logs others read.
    print(f"Email sign-in link for {identifier}: {url}", flush=True)
