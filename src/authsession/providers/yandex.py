"""Yandex ID (OAuth 2.0)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

import httpx2

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class YandexProfile(TypedDict, total=False):
    """The fields of ``GET https://login.yandex.ru/info`` that the mapping reads."""

    id: str
    login: str
    display_name: str
    real_name: str
    first_name: str
    default_email: str
    emails: list[str]
    default_avatar_id: str
    is_avatar_empty: bool


def profile(profile: YandexProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, a display, real or first name, the default email, the avatar unless empty."""
    emails = profile.get("emails") or []
    avatar = profile.get("default_avatar_id")
    return {
        "id": profile["id"],
        "name": profile.get("display_name") or profile.get("real_name") or profile.get("first_name"),
        "email": profile.get("default_email") or (emails[0] if emails else None),
        "image": (
            f"https://avatars.yandex.net/get-yapic/{avatar}/islands-200"
            if avatar and not profile.get("is_avatar_empty")
            else None
        ),
    }


async def fetch_profile(*, client: httpx2.AsyncClient, tokens: TokenSet, provider: OAuthProvider) -> dict[str, Any]:
    """Yandex documents its own ``OAuth`` authorization scheme, not ``Bearer``."""
    response = await client.get(
        str(provider.userinfo.url),
        params=dict(provider.userinfo.params),
        headers={"Authorization": f"OAuth {tokens['access_token']}"},
    )
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def Yandex(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Yandex ID.

    Create an app at https://oauth.yandex.com with the *Web services* platform, the permissions
    ``login:info``, ``login:email`` and ``login:avatar``, and the redirect URI
    ``<AUTH_URL>/api/auth/callback/yandex``.
    """
    options: dict[str, Any] = {
        "id": "yandex",
        "name": "Yandex",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": "https://oauth.yandex.ru/authorize",
            "params": {"scope": "login:info login:email login:avatar"},
        },
        "token": "https://oauth.yandex.ru/token",
        "userinfo": {"url": "https://login.yandex.ru/info", "params": {"format": "json"}},
        "userinfo_request": fetch_profile,
        "profile": profile,
        "style": ProviderStyle(bg="#ffcc00", text="#000"),
    }
    return OAuth(**{**options, **overrides})
