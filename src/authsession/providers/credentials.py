"""Sign in with whatever the user types: a username and password, a one-time code, ...

Security: authsession cannot check credentials for you. ``authorize`` must verify them
(hash passwords with argon2 or bcrypt, compare in constant time, rate-limit attempts) and
return the user, or ``None`` to refuse. Credentials sessions use the JWT strategy.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from authsession._core.user_code import call
from authsession.providers.base import check_provider_id
from authsession.theme import ProviderStyle
from authsession.types import CredentialInput, User

if TYPE_CHECKING:
    from authsession._core.http import AuthRequest

Authorize = Callable[..., "User | Awaitable[User | None] | None"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialsProvider:
    authorize: Authorize = field(repr=False)
    id: str = "credentials"
    name: str = "Credentials"
    credentials: Mapping[str, CredentialInput] = field(default_factory=lambda: MappingProxyType({}))
    type: Literal["credentials"] = "credentials"
    style: ProviderStyle | None = None

    async def call_authorize(self, credentials: dict[str, Any], request: AuthRequest) -> object:
        """``authorize(credentials, request)``, or ``authorize(credentials)`` if it takes one argument."""
        args = (credentials, request) if _positional_count(self.authorize) >= 2 else (credentials,)
        return await call(self.authorize, *args, blocking=True)


def _positional_count(fn: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 2
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 2
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def Credentials(
    *,
    authorize: Authorize,
    id: str = "credentials",
    name: str = "Credentials",
    credentials: Mapping[str, CredentialInput] | None = None,
) -> CredentialsProvider:
    """A credentials provider.

    ``credentials`` describes the inputs of the built-in sign-in form, e.g.
    ``{"email": {"label": "Email", "type": "email"}, "password": {"label": "Password", "type": "password"}}``.

    ``authorize(credentials, request)`` receives the whole POST body as a ``dict`` (including
    ``csrfToken`` and ``callbackUrl``) and the :class:`~authsession.AuthRequest`; it may be sync
    (run in a worker thread) or async, and returns a user dict with at least ``id``, or ``None``.
    Raise :class:`authsession.errors.CredentialsSignin` with a ``code`` to refuse with a reason.
    """
    if not callable(authorize):
        raise TypeError("Credentials(authorize=...) must be a function that checks the credentials")
    return CredentialsProvider(
        authorize=authorize,
        id=check_provider_id(id),
        name=name,
        credentials=MappingProxyType(dict(credentials or {})),
    )


__all__ = ["Credentials", "CredentialsProvider"]
