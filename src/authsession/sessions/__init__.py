"""Session strategies: how a signed-in user is remembered between requests.

A strategy reads the session from the request's cookies, creates one at sign-in and destroys
it at sign-out, writing its cookies through the request :class:`~authsession._core.context.Context`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from authsession._core.context import Context
    from authsession.types import Account, Session, User


class SessionStrategy(Protocol):
    async def read(self, ctx: Context, *, is_update: bool = False, new_session: Any = None) -> Session | None:
        """The current session, refreshing its cookie; ``None`` (and cookies cleared) if invalid."""

    async def create(
        self, ctx: Context, *, user: User, account: Account, profile: Any = None, is_new_user: bool = False
    ) -> bool:
        """Start a session for ``user``; ``False`` when the ``jwt`` callback vetoed it."""

    async def destroy(self, ctx: Context) -> None:
        """End the current session (sign-out): fire ``events.sign_out`` and clear the cookies."""

    async def current_user(self, ctx: Context) -> User | None:
        """The user the request is signed in as (for account linking), without side effects."""


def strategy_for(ctx: Context) -> SessionStrategy:
    from authsession.sessions.database import DATABASE_STRATEGY
    from authsession.sessions.jwt import JWT_STRATEGY

    return JWT_STRATEGY if ctx.options.session.strategy == "jwt" else DATABASE_STRATEGY
