"""Notion (public integration, OAuth 2.0)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

import httpx2

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User

API = "https://api.notion.com"
#: The ``Notion-Version`` header every API request needs.
NOTION_VERSION = "2022-06-28"


class NotionPerson(TypedDict, total=False):
    email: str


class NotionProfile(TypedDict, total=False):
    """The user who installed the integration (``bot.owner.user`` of ``GET /v1/users/me``)."""

    object: str
    id: str
    type: str
    name: str | None
    avatar_url: str | None
    person: NotionPerson


def profile(profile: NotionProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, name, ``person.email``, ``avatar_url``."""
    return {
        "id": profile["id"],
        "name": profile.get("name"),
        "email": profile.get("person", {}).get("email"),
        "image": profile.get("avatar_url"),
    }


async def fetch_profile(*, client: httpx2.AsyncClient, tokens: TokenSet, provider: OAuthProvider) -> dict[str, Any]:
    """The bot user of the token, unwrapped to the person who owns it."""
    response = await client.get(
        str(provider.userinfo.url),
        headers={"Authorization": f"Bearer {tokens['access_token']}", "Notion-Version": NOTION_VERSION},
    )
    response.raise_for_status()
    owner = response.json().get("bot", {}).get("owner", {})
    if owner.get("type") != "user" or not isinstance(owner.get("user"), dict):
        raise ValueError("the Notion integration is owned by a workspace, not a user")
    user: dict[str, Any] = owner["user"]
    return user


def Notion(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Notion.

    Create a *public* integration at https://www.notion.so/profile/integrations and add
    ``<AUTH_URL>/api/auth/callback/notion`` to its redirect URIs (``client_id`` and
    ``client_secret`` are the OAuth client ID and secret). The user is the person who authorises
    the integration; email comes with the *Read user information including email addresses*
    capability.
    """
    options: dict[str, Any] = {
        "id": "notion",
        "name": "Notion",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": f"{API}/v1/oauth/authorize", "params": {"owner": "user"}},
        "token": f"{API}/v1/oauth/token",
        "userinfo": f"{API}/v1/users/me",
        "userinfo_request": fetch_profile,
        "profile": profile,
        "style": ProviderStyle(bg="#fff", text="#000"),
    }
    return OAuth(**{**options, **overrides})
