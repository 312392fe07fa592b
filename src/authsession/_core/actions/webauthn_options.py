"""GET /webauthn-options/<id>?action=register|authenticate: what the browser hands to
``navigator.credentials`` (Auth.js 5's ``webAuthnOptions`` action; ``next-auth/webauthn`` calls it).

Who may do what follows Auth.js's ``inferWebAuthnOptions``:

- ``authenticate`` is always allowed. Without a known user the options allow any discoverable
  credential; with ``email`` of a stored user they list that user's passkeys.
- ``register`` needs a user: the signed-in one (adding a passkey), or, for nobody signed in, an
  ``email`` no stored user has (a new account).
- No ``action``: authenticate, unless an ``email`` no user has is given (register). Signed-in
  users must say which they want.

``Passkey(new_users=False)`` (not in Auth.js) keeps registration to signed-in users.
"""

from __future__ import annotations

from typing import Any, Literal

from authsession._core import passkeys
from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.provider import WebAuthnConfig
from authsession._core.user_code import call
from authsession.errors import ConfigurationError
from authsession.types import Authenticator, User

Decision = Literal["register", "authenticate"]
#: RFC 5321's limit on an address; anything longer is no email.
MAX_EMAIL_LENGTH = 320


async def get(ctx: Context) -> AuthResponse:
    provider = ctx.options.provider(ctx.provider_id)
    if provider is None or provider.type != "webauthn":
        raise ConfigurationError(f"{ctx.provider_id!r} is not a WebAuthn provider")
    action = ctx.request.query.get("action")
    if action not in ("register", "authenticate", None):
        return ctx.json({"error": "Invalid action"}, status=400)
    session_user = await ctx.strategy.current_user(ctx)
    user, exists = (session_user, True) if session_user is not None else await _user_from_email(ctx)
    decision = infer(action, signed_in=session_user is not None, user=user, exists=exists)
    if decision == "register" and session_user is None and not provider.new_users:
        decision = None
    rp = provider.relying_party(ctx.origin)
    if decision == "authenticate":
        allow = await _passkeys_of(ctx, user) if user is not None and "id" in user else None
        made = provider.authentication_options(rp, allow=allow)
        await passkeys.issue(ctx, provider, made, None)
        return ctx.json({"action": "authenticate", "options": dict(made.options)})
    if decision == "register" and user is not None and isinstance(user.get("email"), str):
        return await _register(ctx, provider, user)
    return ctx.json({"error": "Invalid request"}, status=400)


async def _register(ctx: Context, provider: WebAuthnConfig, user: User) -> AuthResponse:
    exclude = await _passkeys_of(ctx, user) if "id" in user else []
    made = provider.registration_options(
        provider.relying_party(ctx.origin),
        user_name=user.get("email") or "",
        display_name=user.get("name"),
        exclude=exclude,
    )
    await passkeys.issue(ctx, provider, made, user)
    return ctx.json({"action": "register", "options": dict(made.options)})


def infer(action: str | None, *, signed_in: bool, user: User | None, exists: bool) -> Decision | None:
    """Auth.js's ``inferWebAuthnOptions``: the ceremony to start, or ``None`` for a bad request."""
    if action == "authenticate":
        return "authenticate"
    if action == "register":
        return "register" if user is not None and signed_in == exists else None
    if signed_in:
        return None
    if user is not None and not exists:
        return "register"
    return "authenticate"


async def _user_from_email(ctx: Context) -> tuple[User | None, bool]:
    """The ``email`` query parameter's user and whether it is stored (Auth.js's ``getUserInfo``)."""
    email = ctx.request.query.get("email")
    if not email or len(email) > MAX_EMAIL_LENGTH:
        return None, False
    stored: User | None = await call(ctx.options.adapter.get_user_by_email, email)
    if stored is not None:
        return stored, True
    return {"email": email}, False


async def _passkeys_of(ctx: Context, user: User) -> list[Authenticator]:
    found: Any = await call(ctx.options.adapter.list_authenticators_by_user_id, user["id"])
    return list(found)
