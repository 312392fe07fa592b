"""Instagram (Instagram API with Instagram Login, for professional accounts)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class InstagramProfile(TypedDict, total=False):
    """The fields of ``GET graph.instagram.com/me`` that the mapping reads (there is no email)."""

    id: str
    user_id: str
    username: str
    account_type: str
    profile_picture_url: str


def profile(profile: InstagramProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, ``username``, no email, ``profile_picture_url``."""
    return {
        "id": profile["id"],
        "name": profile.get("username"),
        "email": None,
        "image": profile.get("profile_picture_url"),
    }


def Instagram(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Instagram.

    In your Meta app (https://developers.facebook.com/apps) add the *Instagram* product, set up
    *Business login* and add ``<AUTH_URL>/api/auth/callback/instagram`` as a redirect URL; use the
    Instagram app ID and secret shown there. Only Business and Creator accounts can sign in (the
    older Basic Display API for personal accounts was shut down in December 2024), and Instagram
    shares no email address, so ``email`` is ``None``.
    """
    options: dict[str, Any] = {
        "id": "instagram",
        "name": "Instagram",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": "https://api.instagram.com/oauth/authorize",
            "params": {"scope": "instagram_business_basic"},
        },
        "token": "https://api.instagram.com/oauth/access_token",
        "userinfo": {
            "url": "https://graph.instagram.com/me",
            "params": {"fields": "id,user_id,username,account_type,profile_picture_url"},
        },
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#fff", text="#000"),
    }
    return OAuth(**{**options, **overrides})
