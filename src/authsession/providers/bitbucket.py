"""Bitbucket Cloud (OAuth 2.0)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class BitbucketLink(TypedDict, total=False):
    href: str


class BitbucketLinks(TypedDict, total=False):
    avatar: BitbucketLink


class BitbucketProfile(TypedDict, total=False):
    """The fields of ``GET /2.0/user`` that the mapping reads (it has no email address)."""

    account_id: str
    uuid: str
    username: str
    display_name: str
    links: BitbucketLinks


def profile(profile: BitbucketProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``account_id``, ``display_name`` or ``username``, no email, the avatar link."""
    return {
        "id": profile["account_id"],
        "name": profile.get("display_name") or profile.get("username"),
        "email": None,
        "image": profile.get("links", {}).get("avatar", {}).get("href"),
    }


def Bitbucket(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Bitbucket.

    Add an OAuth consumer in your workspace settings (*Workspace settings > OAuth consumers*)
    with the *Account: Read* permission and the callback URL
    ``<AUTH_URL>/api/auth/callback/bitbucket``. Bitbucket's user API has no email address, so
    ``email`` is ``None``.
    """
    options: dict[str, Any] = {
        "id": "bitbucket",
        "name": "Bitbucket",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": "https://bitbucket.org/site/oauth2/authorize", "params": {"scope": "account"}},
        "token": "https://bitbucket.org/site/oauth2/access_token",
        "userinfo": "https://api.bitbucket.org/2.0/user",
        "profile": profile,
        "style": ProviderStyle(bg="#205081", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
