"""X, formerly Twitter (OAuth 2.0 with PKCE; the provider id stays ``twitter``)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class TwitterUser(TypedDict, total=False):
    id: str
    name: str
    username: str
    profile_image_url: str
    confirmed_email: str


class TwitterProfile(TypedDict, total=False):
    """``GET /2/users/me``: the user is under ``data``."""

    data: TwitterUser


def profile(profile: TwitterProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``data.id``, ``data.name``, ``data.confirmed_email`` (if granted), ``data.profile_image_url``."""
    data = profile["data"]
    return {
        "id": data["id"],
        "name": data.get("name"),
        "email": data.get("confirmed_email"),
        "image": data.get("profile_image_url"),
    }


def Twitter(*, client_id: str, client_secret: str | None = None, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with X (Twitter), OAuth 2.0.

    In the developer portal (https://developer.x.com/en/portal/dashboard) turn on *User
    authentication* for your app, choose *Web App* (a confidential client) and add the callback
    URI ``<AUTH_URL>/api/auth/callback/twitter``. Confidential clients authenticate with HTTP Basic;
    for a public client leave out ``client_secret`` and pass ``client_auth_method="none"``. X gives
    no email unless your app is approved for it: then add ``users.email`` to the scope and
    ``confirmed_email`` to ``user.fields``, e.g. ``userinfo={"url": ..., "params": {"user.fields":
    "profile_image_url,confirmed_email"}}``.
    """
    options: dict[str, Any] = {
        "id": "twitter",
        "name": "Twitter",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": "https://x.com/i/oauth2/authorize",
            "params": {"scope": "users.read tweet.read offline.access"},
        },
        "token": "https://api.x.com/2/oauth2/token",
        "userinfo": {"url": "https://api.x.com/2/users/me", "params": {"user.fields": "profile_image_url"}},
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#1da1f2", text="#fff"),
    }
    return OAuth(**{**options, **overrides})


def X(*, client_id: str, client_secret: str | None = None, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """:func:`Twitter` with the name "X" on the sign-in button (same id, same callback URL)."""
    overrides.setdefault("name", "X")
    overrides.setdefault("style", ProviderStyle(bg="#000", text="#fff"))
    return Twitter(client_id=client_id, client_secret=client_secret, **overrides)
