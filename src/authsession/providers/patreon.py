"""Patreon (OAuth 2.0, API v2)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class PatreonAttributes(TypedDict, total=False):
    email: str
    full_name: str
    image_url: str
    is_email_verified: bool


class PatreonUser(TypedDict, total=False):
    id: str
    type: str
    attributes: PatreonAttributes


class PatreonProfile(TypedDict, total=False):
    """``GET /api/oauth2/v2/identity`` (JSON:API): the user is under ``data``."""

    data: PatreonUser


def profile(profile: PatreonProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``data.id``, ``full_name``, email, ``image_url``."""
    data = profile["data"]
    attributes = data.get("attributes", {})
    return {
        "id": data["id"],
        "name": attributes.get("full_name"),
        "email": attributes.get("email"),
        "image": attributes.get("image_url"),
    }


def Patreon(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Patreon.

    Register a client at https://www.patreon.com/portal/registration/register-clients (API
    version 2) with the redirect URI ``<AUTH_URL>/api/auth/callback/patreon``. API v2 returns
    only the fields you ask for, so the profile request names them in ``fields[user]``; add
    ``include``/``fields[...]`` params to ``userinfo`` for memberships. Patreon wants the client
    secret in the token request body.
    """
    options: dict[str, Any] = {
        "id": "patreon",
        "name": "Patreon",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": "https://www.patreon.com/oauth2/authorize",
            "params": {"scope": "identity identity[email]"},
        },
        "token": "https://www.patreon.com/api/oauth2/token",
        "userinfo": {
            "url": "https://www.patreon.com/api/oauth2/v2/identity",
            "params": {"fields[user]": "email,full_name,image_url,is_email_verified"},
        },
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#e85b46", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
