"""Amazon Cognito user pools (OpenID Connect; the issuer is the user-pool URL)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.errors import ConfigurationError
from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class CognitoProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads."""

    sub: str
    name: str
    nickname: str
    preferred_username: str
    email: str
    email_verified: bool
    picture: str


def profile(profile: CognitoProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, ``name``, ``nickname`` or ``preferred_username``, email, ``picture``."""
    return {
        "id": profile["sub"],
        "name": profile.get("name") or profile.get("nickname") or profile.get("preferred_username"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def Cognito(
    *,
    client_id: str,
    client_secret: str | None = None,
    issuer: str | None = None,
    region: str | None = None,
    user_pool_id: str | None = None,
    **overrides: Unpack[OAuthOverrides],
) -> OAuthProvider:
    """Sign in with Amazon Cognito.

    In your user pool create an app client (a *Traditional web application*, with a client
    secret), give it a domain, the scopes ``openid``, ``email`` and ``profile`` and the callback URL
    ``<AUTH_URL>/api/auth/callback/cognito``. Pass the ``issuer``
    (``"https://cognito-idp.<region>.amazonaws.com/<user pool id>"``) or ``region`` and
    ``user_pool_id`` to build it.
    """
    if issuer is None:
        if not (region and user_pool_id):
            raise ConfigurationError("Cognito needs issuer=... or both region=... and user_pool_id=...")
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
    options: dict[str, Any] = {
        "id": "cognito",
        "name": "Cognito",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid email profile"}},
        "profile": profile,
        "style": ProviderStyle(bg="#C17B9E", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
