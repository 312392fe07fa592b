"""GitLab (OAuth 2.0), gitlab.com or a self-managed instance."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class GitLabProfile(TypedDict, total=False):
    """The fields of ``GET /api/v4/user`` that the mapping reads."""

    id: int
    username: str
    name: str
    email: str
    avatar_url: str


def profile(profile: GitLabProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, ``name`` or ``username``, email, ``avatar_url``."""
    return {
        "id": str(profile["id"]),
        "name": profile.get("name") or profile.get("username"),
        "email": profile.get("email"),
        "image": profile.get("avatar_url"),
    }


def GitLab(
    *, client_id: str, client_secret: str, base_url: str = "https://gitlab.com", **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
    """Sign in with GitLab.

    Add an application under *User settings > Applications* (or your group's or instance's
    settings) with the scope ``read_user`` and the redirect URI
    ``<AUTH_URL>/api/auth/callback/gitlab``. For a self-managed instance pass
    ``base_url="https://gitlab.example.com"``.
    """
    base = base_url.rstrip("/")
    options: dict[str, Any] = {
        "id": "gitlab",
        "name": "GitLab",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": f"{base}/oauth/authorize", "params": {"scope": "read_user"}},
        "token": f"{base}/oauth/token",
        "userinfo": f"{base}/api/v4/user",
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#FC6D26", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
