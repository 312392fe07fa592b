"""Dropbox (OAuth 2.0)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

import httpx2

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class DropboxName(TypedDict, total=False):
    display_name: str
    given_name: str
    surname: str


class DropboxProfile(TypedDict, total=False):
    """The fields of ``POST /2/users/get_current_account`` that the mapping reads."""

    account_id: str
    name: DropboxName
    email: str
    email_verified: bool
    profile_photo_url: str


def profile(profile: DropboxProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``account_id``, ``name.display_name``, email, ``profile_photo_url``."""
    return {
        "id": profile["account_id"],
        "name": profile.get("name", {}).get("display_name"),
        "email": profile.get("email"),
        "image": profile.get("profile_photo_url"),
    }


async def fetch_profile(*, client: httpx2.AsyncClient, tokens: TokenSet, provider: OAuthProvider) -> dict[str, Any]:
    """Dropbox's account endpoint is an RPC call: a POST with no body."""
    response = await client.post(
        str(provider.userinfo.url), headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def Dropbox(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Dropbox.

    Create an app in the Dropbox App Console (https://www.dropbox.com/developers/apps), give it
    the permission ``account_info.read`` and add ``<AUTH_URL>/api/auth/callback/dropbox`` to its
    redirect URIs (``client_id`` is the App key, ``client_secret`` the App secret). A refresh token
    is requested (``token_access_type=offline``).
    """
    options: dict[str, Any] = {
        "id": "dropbox",
        "name": "Dropbox",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": "https://www.dropbox.com/oauth2/authorize",
            "params": {"scope": "account_info.read", "token_access_type": "offline"},
        },
        "token": "https://api.dropboxapi.com/oauth2/token",
        "userinfo": "https://api.dropboxapi.com/2/users/get_current_account",
        "userinfo_request": fetch_profile,
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#0061fe", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
