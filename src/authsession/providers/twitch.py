"""Twitch (OpenID Connect, discovered from ``https://id.twitch.tv/oauth2``)."""

from __future__ import annotations

import json
from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User

#: Twitch puts only ``sub`` in the ID token unless these claims are asked for.
ID_TOKEN_CLAIMS = json.dumps({"id_token": {"email": None, "picture": None, "preferred_username": None}})


class TwitchProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads."""

    sub: str
    preferred_username: str
    email: str
    email_verified: bool
    picture: str


def profile(profile: TwitchProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, ``preferred_username``, email, ``picture``."""
    return {
        "id": profile["sub"],
        "name": profile.get("preferred_username"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def Twitch(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Twitch.

    Register an application in the Twitch developer console (https://dev.twitch.tv/console/apps),
    category *Website Integration*, client type *Confidential*, with the OAuth redirect URL
    ``<AUTH_URL>/api/auth/callback/twitch``. Twitch wants the client secret in the token request
    body.
    """
    options: dict[str, Any] = {
        "id": "twitch",
        "name": "Twitch",
        "issuer": "https://id.twitch.tv/oauth2",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid user:read:email", "claims": ID_TOKEN_CLAIMS}},
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#65459B", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
