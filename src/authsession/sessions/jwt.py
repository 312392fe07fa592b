"""The JWT session strategy: the whole session lives in an encrypted, chunked cookie (§5.1).

Every read decodes the cookie and runs the ``jwt`` and ``session`` callbacks. A token past
``session.refresh_threshold`` of its life (a tenth by default), changed by a callback, or updated
is re-encrypted with a new expiry, so an active user's session slides forward; a young, unchanged
token is kept and no cookie is sent. ``refresh_threshold=None`` rewrites on every read, as
NextAuth does.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from authsession._core import session_management, tokens, two_factor
from authsession._core.config import SessionSettings
from authsession._core.context import Context, iso_time
from authsession._core.user_code import call, fire
from authsession.errors import TokenError
from authsession.types import Account, Session, User

logger = logging.getLogger("authsession")


class JWTSessionStrategy:
    async def read(self, ctx: Context, *, is_update: bool = False, new_session: Any = None) -> Session | None:
        store = ctx.session_store
        if not store.value:
            return None
        decoded = await self._decode(ctx, store.value)
        options = ctx.options
        if decoded is None or (
            session_management.revokes_jwt_with(options)
            and not await session_management.generation_is_current(ctx, decoded)
        ):
            ctx.set_cookies(store.clean())
            return None
        callbacks = options.callbacks
        max_age = options.session.max_age
        # session.refresh_threshold: a young token is kept as it is, unless a callback changes it;
        # only callbacks can, so its JSON is compared around them when there are any.
        kept_until = _kept_until(decoded, ctx.now, options.session) if not is_update else None
        watched = kept_until is not None and ("jwt" in callbacks or "session" in callbacks)
        snapshot = _claims_text(decoded) if watched else None
        params: dict[str, Any] = {"token": decoded, "session": new_session}
        if is_update:
            params["trigger"] = "update"
        # next-auth 4 fills session.user from the token as decoded, Auth.js from the callback's result.
        user = _session_user(decoded) if ctx.v4 else None
        token = await self._run_jwt_callback(ctx, params) if "jwt" in callbacks else decoded
        if token is None:
            ctx.set_cookies(store.clean())
            return None
        if snapshot is not None and "jwt" in callbacks and _claims_text(token) != snapshot:
            kept_until = None
        expires = iso_time(kept_until) if kept_until is not None else ctx.expires_iso(max_age)
        session: Any = {"user": user if user is not None else _session_user(token), "expires": expires}
        callback = callbacks.get("session")
        if callback is not None:
            session = await callback(session=session, token=token)
            if kept_until is not None and _claims_text(token) != snapshot:
                kept_until = None
        if kept_until is None:
            # v4 re-encodes with session.maxAge here (a quirk); v5 uses jwt.maxAge everywhere.
            encode_age = max_age if ctx.v4 else options.jwt_max_age
            fresh = await self._encode(ctx, token, encode_age)
            ctx.set_cookies(store.chunk(fresh, expires=ctx.now + max_age))
        event = options.events.get("session")
        if event is not None:
            await fire(event, session=session, token=token)
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
        token: dict[str, Any] = {}
        for claim, key in (("name", "name"), ("email", "email"), ("picture", "image"), ("sub", "id")):
            if key in user:
                token[claim] = user[key]  # type: ignore[literal-required]
        params: dict[str, Any] = {
            "token": token,
            "user": user,
            "account": account,
            "profile": profile,
            "trigger": "signUp" if is_new_user else "signIn",
            "is_new_user": is_new_user,
        }
        store = ctx.session_store
        result = await self._run_jwt_callback(ctx, params)
        if result is None:
            ctx.set_cookies(store.clean())
            return False
        if second_factor:
            result = two_factor.mark_claims(result)
        if session_management.revokes_jwt(ctx) and isinstance(result.get("sub"), str):
            result = await session_management.stamp(ctx, result, result["sub"])
        await self._write(ctx, result)
        return True

    async def reissue(self, ctx: Context) -> bool:
        """The current token again, stamped with the user's current session generation."""
        value = ctx.session_store.value
        token = await self._decode(ctx, value) if value else None
        if token is None or not isinstance(token.get("sub"), str):
            return False
        await self._write(ctx, await session_management.stamp(ctx, token, token["sub"]))
        return True

    async def has_second_factor(self, ctx: Context) -> bool:
        value = ctx.session_store.value
        token = await self._decode(ctx, value) if value else None
        return token is not None and two_factor.claims_are_marked(token)

    async def add_second_factor(self, ctx: Context) -> bool:
        """Re-issue the session token with ``amr: ["otp"]`` added, keeping every other claim."""
        value = ctx.session_store.value
        token = await self._decode(ctx, value) if value else None
        if token is None:
            return False
        await self._write(ctx, two_factor.mark_claims(token))
        return True

    async def _write(self, ctx: Context, token: dict[str, Any]) -> None:
        options = ctx.options
        encoded = await self._encode(ctx, token, options.jwt_max_age)
        ctx.set_cookies(ctx.session_store.chunk(encoded, expires=ctx.now + options.session.max_age))

    async def destroy(self, ctx: Context) -> None:
        store = ctx.session_store
        if not store.value:
            return
        event = ctx.options.events.get("sign_out")
        if event is not None:
            token = await self._decode(ctx, store.value)
            if token is not None:  # as in NextAuth, a token that does not decode fires no event
                await fire(event, token=token)
        ctx.set_cookies(store.clean())

    async def current_user(self, ctx: Context) -> User | None:
        """With an adapter, the stored user named by the session token's ``sub``."""
        adapter = ctx.options.adapter
        value = ctx.session_store.value
        if adapter is None or not value:
            return None
        token = await self._decode(ctx, value)
        if token is None or not isinstance(token.get("sub"), str):
            return None
        user: User | None = await call(adapter.get_user, token["sub"])
        return user

    @staticmethod
    def _salt(ctx: Context) -> str:
        return ctx.options.dialect.session_salt(ctx.cookie_templates.session_token.name)

    async def _decode(self, ctx: Context, value: str) -> dict[str, Any] | None:
        options = ctx.options
        salt = self._salt(ctx)
        try:
            if options.jwt.decode is not None:
                result = await call(options.jwt.decode, token=value, secret=_secret_arg(ctx), salt=salt)
                return dict(result) if result else None
            return tokens.decode_claims(value, options.secrets, salt, options.format, ctx.now)
        except TokenError as exc:
            logger.info("JWT_SESSION_ERROR: %s", str(exc))
        except Exception:
            logger.exception("JWT_SESSION_ERROR: the custom jwt.decode raised")
        return None

    async def _encode(self, ctx: Context, token: dict[str, Any], max_age: int) -> str:
        options = ctx.options
        salt = self._salt(ctx)
        if options.jwt.encode is not None:
            return str(await call(options.jwt.encode, token=token, secret=_secret_arg(ctx), salt=salt, max_age=max_age))
        return tokens.encode(
            token=token,
            secret=options.secrets,
            salt=salt,
            max_age=max_age,
            format=options.format,
            now=ctx.now,
        )

    @staticmethod
    async def _run_jwt_callback(ctx: Context, params: dict[str, Any]) -> dict[str, Any] | None:
        callback = ctx.options.callbacks.get("jwt")
        if callback is None:
            return params["token"]  # type: ignore[no-any-return]
        result = await callback(**params)
        if result is None:
            return None
        if not isinstance(result, dict):
            raise TypeError(f"The jwt callback must return a dict or None, not {type(result).__name__}")
        return result


_NUMBER_TYPES = (int, float)


def _kept_until(token: dict[str, Any], now: float, session: SessionSettings) -> float | None:
    """When the cookie of a token still young enough to keep expires, or ``None`` to refresh it now."""
    threshold = session.refresh_threshold
    iat: Any = token.get("iat")
    exp: Any = token.get("exp")
    # Numbers only: a bool is an int to isinstance, so the types are compared exactly.
    if threshold is None or type(iat) not in _NUMBER_TYPES or type(exp) not in _NUMBER_TYPES:
        return None
    # The cookie was written with the token, so it ends max_age after iat; the token may end sooner.
    ends = min(iat + session.max_age, exp)
    if now - iat >= threshold * (ends - iat):
        return None
    return float(ends)


_CLAIMS_ENCODER = json.JSONEncoder(separators=(",", ":"), default=repr)


def _claims_text(token: dict[str, Any]) -> str:
    # Compared before and after the callbacks: catches changes nested anywhere in the claims.
    return _CLAIMS_ENCODER.encode(token)


def _session_user(token: dict[str, Any]) -> dict[str, Any]:
    user: dict[str, Any] = {}
    for key, claim in (("name", "name"), ("email", "email"), ("image", "picture")):
        if claim in token:
            user[key] = token[claim]
    return user


def _secret_arg(ctx: Context) -> str | tuple[str, ...]:
    secrets = ctx.options.secrets
    return secrets[0] if len(secrets) == 1 else secrets


JWT_STRATEGY = JWTSessionStrategy()
