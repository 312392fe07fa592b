"""Who signs in when a provider account comes back: NextAuth's linking rules (§6.1).

1. The provider account is linked already: sign in as its user, unless someone else is
   signed in (``OAuthAccountNotLinked``: one account cannot belong to two users).
2. Someone is signed in: link the new provider account to them.
3. A user with the same email exists: only with ``allow_dangerous_email_account_linking``
   (the provider must verify emails), else ``OAuthAccountNotLinked``.
4. Otherwise create the user, then link the account.

A passkey (WebAuthn) follows Auth.js 5's own rules: its account is linked already (sign in as its
user; ``AccountNotLinked`` if someone else is signed in), or it is new and goes to the signed-in
user, or to a new user with the registration's email (``AccountNotLinked`` if that email is taken:
a passkey never joins an existing account by email).

Email sign-in (§6.3) has no account to link: the address is the account. A known address
gets ``emailVerified`` set to now; an unknown one creates the user.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from authsession._core.context import Context
from authsession._core.user_code import call, fire
from authsession.errors import AccountNotLinked, OAuthAccountNotLinked
from authsession.types import Account, User


async def _linked_or_current(
    ctx: Context, account: Account, profile: Any, not_linked: Exception
) -> tuple[User, Account, bool] | None:
    """Rules 1 and 2: the account's own user, or the signed-in user it is linked to now."""
    current = await ctx.strategy.current_user(ctx)
    adapter = ctx.options.adapter
    linked: User | None = await call(adapter.get_user_by_account, account["provider"], account["providerAccountId"])
    if linked is not None:
        if current is not None and current["id"] != linked["id"]:
            raise not_linked
        return linked, {**account, "userId": linked["id"]}, False
    if current is None:
        return None
    stored: Account = {**account, "userId": current["id"]}
    await call(adapter.link_account, stored)
    await fire(ctx.options.events.get("link_account"), user=current, account=stored, profile=profile)
    return current, stored, False


async def link_or_register(
    ctx: Context, *, user: User, account: Account, profile: Any, allow_email_linking: bool
) -> tuple[User, Account, bool]:
    """The stored user to sign in, the account with its ``userId``, and whether the user is new."""
    adapter = ctx.options.adapter
    events = ctx.options.events
    known = await _linked_or_current(
        ctx, account, profile, OAuthAccountNotLinked("This provider account belongs to another user")
    )
    if known is not None:
        return known
    email = user.get("email")
    existing: User | None = await call(adapter.get_user_by_email, email) if email else None
    if existing is not None:
        if not allow_email_linking:
            raise OAuthAccountNotLinked("A user with this email exists and signed in another way")
        target, is_new = existing, ctx.v4  # next-auth 4 still reports a new user here; Auth.js does not
    else:
        fresh: User = {k: v for k, v in user.items() if k in ("name", "email", "image")}  # type: ignore[assignment]
        fresh["id"] = str(uuid.uuid4())
        fresh["emailVerified"] = None
        target = await call(adapter.create_user, fresh)
        await fire(events.get("create_user"), user=target)
        is_new = True
    stored: Account = {**account, "userId": target["id"]}
    await call(adapter.link_account, stored)
    await fire(events.get("link_account"), user=target, account=stored, profile=profile)
    return target, stored, is_new


async def sign_in_by_email(ctx: Context, profile: User) -> tuple[User, bool]:
    """The stored user behind a verified email link, and whether they were just created."""
    adapter = ctx.options.adapter
    events = ctx.options.events
    verified = datetime.fromtimestamp(ctx.now, UTC)
    existing: User | None = await call(adapter.get_user_by_email, profile["email"])
    if existing is not None:
        user: User = await call(adapter.update_user, {"id": existing["id"], "emailVerified": verified})
        await fire(events.get("update_user"), user=user)
        return user, False
    fresh: User = {**profile, "id": str(uuid.uuid4()), "emailVerified": verified}
    user = await call(adapter.create_user, fresh)
    await fire(events.get("create_user"), user=user)
    return user, True


async def link_or_register_passkey(ctx: Context, *, user: User, account: Account) -> tuple[User, Account, bool]:
    """The stored user a passkey signs in, the account with its ``userId``, and whether the user is new."""
    adapter = ctx.options.adapter
    events = ctx.options.events
    known = await _linked_or_current(ctx, account, None, AccountNotLinked("The passkey belongs to another user"))
    if known is not None:
        return known
    email = user.get("email")
    if email and await call(adapter.get_user_by_email, email) is not None:
        raise AccountNotLinked("Another account already exists with the same e-mail address")
    fresh: User = {k: v for k, v in user.items() if k in ("name", "email", "image")}  # type: ignore[assignment]
    fresh["id"] = str(uuid.uuid4())
    fresh["emailVerified"] = None
    target: User = await call(adapter.create_user, fresh)
    await fire(events.get("create_user"), user=target)
    stored: Account = {**account, "userId": target["id"]}
    await call(adapter.link_account, stored)
    await fire(events.get("link_account"), user=target, account=stored, profile=None)
    return target, stored, True
