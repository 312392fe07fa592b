"""Strava (OAuth 2.0)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class StravaProfile(TypedDict, total=False):
    """The fields of ``GET /api/v3/athlete`` that the mapping reads (Strava shares no email)."""

    id: int
    username: str | None
    firstname: str
    lastname: str
    profile: str
    profile_medium: str


def profile(profile: StravaProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, first and last name, no email, ``profile``."""
    name = f"{profile.get('firstname', '')} {profile.get('lastname', '')}".strip()
    return {
        "id": str(profile["id"]),
        "name": name or profile.get("username"),
        "email": None,
        "image": profile.get("profile"),
    }


def Strava(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Strava.

    Create an API application at https://www.strava.com/settings/api and set its *Authorization
    Callback Domain* to your site's host (Strava checks the domain of
    ``<AUTH_URL>/api/auth/callback/strava``, not the full URL). Strava wants the client secret in
    the token request body and shares no email address.
    """
    options: dict[str, Any] = {
        "id": "strava",
        "name": "Strava",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": "https://www.strava.com/oauth/authorize",
            "params": {"scope": "read", "approval_prompt": "auto"},
        },
        "token": "https://www.strava.com/oauth/token",
        "userinfo": "https://www.strava.com/api/v3/athlete",
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#fc4c02", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
