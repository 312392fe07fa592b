"""The database session strategy: the cookie holds a random token naming a row (§5.1).

A read costs one adapter call (``get_session_and_user``, a join in SQL) and a write only when
``update_age`` has passed since the expiry was last extended. Expired sessions are deleted on
read; sign-out deletes the row, so a session can be revoked at once. When the store fails, the
read answers "no session" and leaves the cookie alone, so an outage does not sign everyone out.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from authsession._core import session_management, two_factor
from authsession._core.context import Context, iso_time
from authsession._core.user_code import call, fire
from authsession.errors import ConfigurationError
from authsession.types import Account, AdapterSession, Session, User

logger = logging.getLogger("authsession")


class DatabaseSessionStrategy:
    async def read(self, ctx: Context, *, is_update: bool = False, new_session: Any = None) -> Session | None:
        options = ctx.options
        store = ctx.session_store
        token = store.value
        if not token:
            return None
        adapter = options.adapter
        try:
            found = await call(adapter.get_session_and_user, token)
        except Exception:
            logger.exception("SESSION_ERROR: the adapter failed to read a session; answering with no session")
            return None
        if found is None:
            ctx.set_cookies(store.clean())
            return None
        stored, user = found
        # In unix seconds: one conversion of the stored expiry, then plain float arithmetic.
        now = ctx.now
        expires = stored["expires"].timestamp()
        if expires <= now:
            try:
                await call(adapter.delete_session, token)
            except Exception:
                logger.exception("SESSION_ERROR: could not delete an expired session")
            ctx.set_cookies(store.clean())
            return None
        max_age = options.session.max_age
        if expires - max_age + options.session.update_age <= now:  # extended update_age ago or earlier
            try:
                await call(adapter.update_session, token, datetime.fromtimestamp(now + max_age, UTC))
            except Exception:
                logger.exception("SESSION_ERROR: could not extend a session; it keeps its old expiry")
        # NextAuth reports the expiry read from the database, even when it was just extended.
        session: Any = {"user": _public_user(user), "expires": iso_time(expires)}
        callback = options.callbacks.get("session")
        if callback is not None:
            params: dict[str, Any] = {"session": session, "user": user, "new_session": new_session}
            if is_update:
                params["trigger"] = "update"
            session = await callback(**params)
        ctx.set_cookies(store.replace(token, expires=now + max_age))
        event = options.events.get("session")
        if event is not None:
            await fire(event, session=session, token=None)
        return session  # type: ignore[no-any-return]

    async def create(
        self,
        ctx: Context,
        *,
        user: User,
        account: Account,
        profile: Any = None,
        is_new_user: bool = False,
        second_factor: bool = False,
    ) -> bool:
        options = ctx.options
        adapter = options.adapter
        if account.get("type") == "credentials" and await call(adapter.get_user, user["id"]) is None:
            raise ConfigurationError(
                "With the database session strategy, authorize must return a user stored by the adapter "
                "(adapter.get_user(id) found nothing); or use session={'strategy': 'jwt'}"
            )
        store = ctx.session_store
        old = store.value
        if old:
            # A new token at every sign-in: a token planted before sign-in is worth nothing after.
            await call(adapter.delete_session, old)
        await self._start(ctx, user["id"], second_factor=second_factor)
        return True

    async def _start(self, ctx: Context, user_id: str, *, second_factor: bool) -> None:
        options = ctx.options
        expires = datetime.fromtimestamp(ctx.now + options.session.max_age, UTC)
        token = str(uuid.uuid4())
        if second_factor:
            token = two_factor.mark_token(options.secrets, token)
        record: AdapterSession = {
            "sessionToken": token,
            "userId": user_id,
            "expires": expires,
            **session_management.session_details(ctx),  # type: ignore[typeddict-item]
        }
        created = await call(options.adapter.create_session, record)
        ctx.set_cookies(ctx.session_store.replace(created["sessionToken"], expires=created["expires"].timestamp()))

    async def has_second_factor(self, ctx: Context) -> bool:
        """A token minted after a second factor carries a MAC of itself: no query needed."""
        token = ctx.session_store.value
        return token is not None and two_factor.token_is_marked(ctx.options.secrets, token)

    async def reissue(self, ctx: Context) -> bool:
        """A database session needs no re-issue: its row is what counts."""
        return ctx.session_store.value is not None

    async def add_second_factor(self, ctx: Context) -> bool:
        """Replace the session with a new, marked one for the same user (a new token, as at sign-in)."""
        user = await self.current_user(ctx)
        token = ctx.session_store.value
        if user is None or not token:
            return False
        await call(ctx.options.adapter.delete_session, token)
        await self._start(ctx, user["id"], second_factor=True)
        return True

    async def destroy(self, ctx: Context) -> None:
        store = ctx.session_store
        token = store.value
        if not token:
            return
        # The cookie goes whatever the store says: a sign-out must not fail on the browser's side.
        ctx.set_cookies(store.clean())
        try:
            deleted = await call(ctx.options.adapter.delete_session, token)
        except Exception:
            logger.exception("SIGNOUT_ERROR: the adapter failed to delete the session; the cookie is cleared")
            return
        await fire(ctx.options.events.get("sign_out"), session=deleted)

    async def current_user(self, ctx: Context) -> User | None:
        """The signed-in user, for linking a new provider account to them."""
        token = ctx.session_store.value
        if not token:
            return None
        found = await call(ctx.options.adapter.get_session_and_user, token)
        if found is None or found[0]["expires"] <= datetime.fromtimestamp(ctx.now, UTC):
            return None
        user: User = found[1]
        return user


def _public_user(user: User) -> dict[str, Any]:
    return {"name": user.get("name"), "email": user.get("email"), "image": user.get("image")}


DATABASE_STRATEGY = DatabaseSessionStrategy()
