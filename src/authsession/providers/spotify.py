"""Spotify (OAuth 2.0)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class SpotifyImage(TypedDict, total=False):
    url: str
    height: int | None
    width: int | None


class SpotifyProfile(TypedDict, total=False):
    """The fields of ``GET /v1/me`` that the mapping reads."""

    id: str
    display_name: str | None
    email: str
    images: list[SpotifyImage]


def profile(profile: SpotifyProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, ``display_name``, email, the first image."""
    images = profile.get("images") or []
    return {
        "id": profile["id"],
        "name": profile.get("display_name"),
        "email": profile.get("email"),
        "image": images[0].get("url") if images else None,
    }


def Spotify(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Spotify.

    Create an app in the Spotify developer dashboard (https://developer.spotify.com/dashboard),
    tick *Web API*, and add the redirect URI ``<AUTH_URL>/api/auth/callback/spotify``. The default
    scope ``user-read-email`` returns the account's email address.
    """
    options: dict[str, Any] = {
        "id": "spotify",
        "name": "Spotify",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": "https://accounts.spotify.com/authorize", "params": {"scope": "user-read-email"}},
        "token": "https://accounts.spotify.com/api/token",
        "userinfo": "https://api.spotify.com/v1/me",
        "profile": profile,
        "style": ProviderStyle(bg="#1db954", text="#000"),
    }
    return OAuth(**{**options, **overrides})
