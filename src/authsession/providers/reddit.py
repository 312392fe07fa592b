"""Reddit (OAuth 2.0)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict, Unpack

import httpx2

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User

USERINFO_URL = "https://oauth.reddit.com/api/v1/me"


class RedditProfile(TypedDict, total=False):
    """The fields of ``GET /api/v1/me`` that the mapping reads (Reddit shares no email)."""

    id: str
    name: str
    icon_img: str


def profile(profile: RedditProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, name, no email, ``icon_img`` (unescaped)."""
    icon = profile.get("icon_img")
    return {
        "id": profile["id"],
        "name": profile.get("name"),
        "email": None,
        # Reddit HTML-escapes the query string of the URL (``&amp;``).
        "image": html.unescape(icon) if icon else None,
    }


def _userinfo_request(user_agent: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def fetch_profile(*, client: httpx2.AsyncClient, tokens: TokenSet, provider: OAuthProvider) -> dict[str, Any]:
        response = await client.get(
            str(provider.userinfo.url or USERINFO_URL),
            headers={"Authorization": f"Bearer {tokens['access_token']}", "User-Agent": user_agent},
        )
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    return fetch_profile


def Reddit(
    *, client_id: str, client_secret: str, user_agent: str | None = None, **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
    """Sign in with Reddit.

    Create a *web app* at https://www.reddit.com/prefs/apps with the redirect URI
    ``<AUTH_URL>/api/auth/callback/reddit``. Reddit throttles generic clients, so the profile
    request sends ``user_agent`` (by default ``web:<client_id>:authsession``; Reddit asks for
    ``<platform>:<app id>:<version> (by /u/<your username>)``). Reddit shares no email address.
    """
    options: dict[str, Any] = {
        "id": "reddit",
        "name": "Reddit",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": "https://www.reddit.com/api/v1/authorize", "params": {"scope": "identity"}},
        "token": "https://www.reddit.com/api/v1/access_token",
        "userinfo": USERINFO_URL,
        "userinfo_request": _userinfo_request(user_agent or f"web:{client_id}:authsession"),
        "checks": ("state",),
        "profile": profile,
        "style": ProviderStyle(bg="#FF4500", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
