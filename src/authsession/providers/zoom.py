"""Zoom (OAuth 2.0, user-managed app)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class ZoomProfile(TypedDict, total=False):
    """The fields of ``GET /v2/users/me`` that the mapping reads."""

    id: str
    first_name: str
    last_name: str
    display_name: str
    email: str
    pic_url: str


def profile(profile: ZoomProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, first and last name (or ``display_name``), email, ``pic_url``."""
    name = f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip()
    return {
        "id": profile["id"],
        "name": name or profile.get("display_name"),
        "email": profile.get("email"),
        "image": profile.get("pic_url"),
    }


def Zoom(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Zoom.

    Create a *General App* (user-managed) in the Zoom App Marketplace
    (https://marketplace.zoom.us/develop/create), set the OAuth redirect URL and allow list to
    ``<AUTH_URL>/api/auth/callback/zoom``, and add the scope ``user:read:user`` (``user:read`` for
    classic apps). The authorization request sends an empty ``scope``, so Zoom grants the scopes
    configured on the app.
    """
    options: dict[str, Any] = {
        "id": "zoom",
        "name": "Zoom",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": "https://zoom.us/oauth/authorize", "params": {"scope": ""}},
        "token": "https://zoom.us/oauth/token",
        "userinfo": "https://api.zoom.us/v2/users/me",
        "profile": profile,
        "style": ProviderStyle(bg="#0b5cff", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
