"""Atlassian account (OAuth 2.0 3LO)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class AtlassianProfile(TypedDict, total=False):
    """The fields of ``GET https://api.atlassian.com/me`` that the mapping reads."""

    account_id: str
    name: str
    nickname: str
    email: str
    email_verified: bool
    picture: str


def profile(profile: AtlassianProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``account_id``, name, email, ``picture``."""
    return {
        "id": profile["account_id"],
        "name": profile.get("name"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def Atlassian(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with an Atlassian account (Jira, Confluence, ...).

    Create an *OAuth 2.0 integration* in the developer console
    (https://developer.atlassian.com/console/myapps/), add the *User identity API* permission
    (scope ``read:me``) and set the callback URL to ``<AUTH_URL>/api/auth/callback/atlassian``.
    Atlassian wants the client secret in the token request body.
    """
    options: dict[str, Any] = {
        "id": "atlassian",
        "name": "Atlassian",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": "https://auth.atlassian.com/authorize",
            "params": {"audience": "api.atlassian.com", "scope": "read:me", "prompt": "consent"},
        },
        "token": "https://auth.atlassian.com/oauth/token",
        "userinfo": "https://api.atlassian.com/me",
        "checks": ("state",),
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#fff", text="#0052cc"),
    }
    return OAuth(**{**options, **overrides})
