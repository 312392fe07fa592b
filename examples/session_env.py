"""What the examples read to share their sessions: ``AUTH_FORMAT``, ``AUTH_SESSION_STRATEGY``, ``DEMO_DB``.

Give the FastAPI demo and the Flask and Django examples the same ``AUTH_SECRET``, ``AUTH_FORMAT``
and ``AUTH_SESSION_STRATEGY`` (and, for ``database``, the same ``DEMO_DB``), and a user signed in
on one is signed in on the others. The Flask and Django examples also read their one account
(``DEMO_EMAIL``, ``DEMO_PASSWORD``) and an optional OpenID Connect provider (``OIDC_ISSUER``,
``OIDC_CLIENT_ID``, ``OIDC_CLIENT_SECRET``, ``OIDC_NAME``) here.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authsession.adapters import Adapter
from authsession.providers import OIDC, Credentials, Email, Provider
from authsession.types import Format, SessionStrategyName, User

#: Templates the Flask and Django examples share: the sign-in forms.
SHARED_TEMPLATES = Path(__file__).parent / "templates"

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


def database_path(environ: Mapping[str, str] = os.environ) -> str:
    """``DEMO_DB``: the SQLite file of the demo's users and sessions (default ``./demo.sqlite3``)."""
    return environ.get("DEMO_DB") or "demo.sqlite3"


def oidc_from_env(environ: Mapping[str, str] = os.environ) -> list[Provider]:
    """An OpenID Connect provider when ``OIDC_ISSUER`` is set (with ``OIDC_CLIENT_ID``, and
    ``OIDC_CLIENT_SECRET`` for a confidential client); its callback is ``<site>/api/auth/callback/oidc``."""
    issuer = environ.get("OIDC_ISSUER")
    if not issuer:
        return []
    name = environ.get("OIDC_NAME", "OpenID Connect")
    client_id, client_secret = environ["OIDC_CLIENT_ID"], environ.get("OIDC_CLIENT_SECRET")
    return [OIDC(id="oidc", name=name, issuer=issuer, client_id=client_id, client_secret=client_secret)]


@dataclass(frozen=True, slots=True)
class OneAccountSessions:
    """The sessions of an example with one credentials account, set to share them with the demo.

    The account is ``DEMO_EMAIL`` / ``DEMO_PASSWORD`` (default ``demo@example.com`` /
    ``demo-password``, the demo's seed account). With ``database``, users and sessions live in
    the demo's SQLite file (``DEMO_DB``) through the example's ``adapter``: the account is the
    row of ``users`` with its email, and email sign-in links (printed in the console) are offered
    too, since NextAuth refuses database sessions to an app whose only sign-in is credentials.
    """

    format: Format
    strategy: SessionStrategyName
    adapter: Adapter | None
    email: str
    password: str = field(repr=False)

    @classmethod
    def from_env(
        cls, default_strategy: SessionStrategyName, database: Callable[[], Adapter] | None = None
    ) -> OneAccountSessions:
        """Read the environment; ``database()`` makes the adapter for ``database`` sessions
        (default: :class:`~authsession.adapters.sqlalchemy.SQLAlchemyAdapter` on ``DEMO_DB``)."""
        format, strategy = session_from_env(default_strategy)
        adapter = (database or _sqlite_adapter)() if strategy == "database" else None
        email = os.environ.get("DEMO_EMAIL", "demo@example.com")
        return cls(format, strategy, adapter, email, os.environ.get("DEMO_PASSWORD", "demo-password"))

    async def authorize(self, credentials: dict[str, Any], request: object) -> User | None:
        """The credentials provider's check: the one account, whose user :meth:`user` gives."""
        # One account for the examples; a real app looks the user up and checks a password hash.
        email_ok = hmac.compare_digest(str(credentials.get("email", "")).encode(), self.email.encode())
        password_ok = hmac.compare_digest(str(credentials.get("password", "")).encode(), self.password.encode())
        return await self.user() if email_ok and password_ok else None

    async def user(self) -> User:
        """The account's user: its row of ``users`` (made if missing) with a database, else a fixed one."""
        if self.adapter is None:
            return User(id="demo", name="Demo User", email=self.email)
        user = await self.adapter.get_user_by_email(self.email)
        if user is None:
            new = User(id=secrets.token_hex(16), name="Demo User", email=self.email, emailVerified=None)
            user = await self.adapter.create_user(new)
        return user

    def options(self) -> dict[str, Any]:
        """The :class:`~authsession.AuthOptions` arguments for format, strategy and adapter, and
        the providers: the account's credentials, OpenID Connect if configured
        (:func:`oidc_from_env`), and email links when there is a database."""
        credentials = Credentials(authorize=self.authorize, credentials={"email": {}, "password": {}})
        providers: list[Provider] = [credentials, *oidc_from_env()]
        if self.adapter is not None:
            providers.append(Email(send_verification_request=_print_link))
        return {
            "format": self.format,
            "session": {"strategy": self.strategy},
            "adapter": self.adapter,
            "providers": providers,
            # A printed link reaches nobody else, so it may start with the request's host, as the demo's do.
            "trust_host": True if self.adapter is not None and not os.environ.get("AUTH_URL") else None,
        }


def _sqlite_adapter() -> Adapter:
    """SQLAlchemyAdapter on the Auth.js tables in the SQLite file ``DEMO_DB``, created if missing."""
    from sqlalchemy.engine import URL

    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

    adapter = SQLAlchemyAdapter(URL.create("sqlite+aiosqlite", database=database_path()))
    # The adapter follows the event loop it is used on: this one is thrown away.
    asyncio.run(adapter.create_schema())
    return adapter


def _print_link(*, identifier: str, url: str, **_: Any) -> None:
    # The link signs in whoever opens it: fine in your own terminal, never in logs others read.
    print(f"Email sign-in link for {identifier}: {url}", flush=True)
