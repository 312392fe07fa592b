"""Discord (OAuth 2.0)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User

CDN = "https://cdn.discordapp.com"


class DiscordProfile(TypedDict, total=False):
    """The fields of ``GET /users/@me`` that the mapping reads."""

    id: str
    username: str
    global_name: str | None
    discriminator: str
    avatar: str | None
    email: str | None
    verified: bool


def avatar_url(profile: DiscordProfile) -> str:
    """The user's avatar, or Discord's default one for users without an avatar."""
    avatar = profile.get("avatar")
    if avatar:
        extension = "gif" if avatar.startswith("a_") else "png"
        return f"{CDN}/avatars/{profile['id']}/{avatar}.{extension}"
    discriminator = profile.get("discriminator", "0")
    index = (int(profile["id"]) >> 22) % 6 if discriminator == "0" else int(discriminator) % 5
    return f"{CDN}/embed/avatars/{index}.png"


def profile(profile: DiscordProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, ``global_name`` or ``username``, email, the avatar (or Discord's default avatar)."""
    return {
        "id": profile["id"],
        "name": profile.get("global_name") or profile.get("username"),
        "email": profile.get("email"),
        "image": avatar_url(profile),
    }


def Discord(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Discord.

    Create an application at https://discord.com/developers/applications and, under *OAuth2*,
    add the redirect ``<AUTH_URL>/api/auth/callback/discord``. The default scopes are
    ``identify email``.
    """
    options: dict[str, Any] = {
        "id": "discord",
        "name": "Discord",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": "https://discord.com/oauth2/authorize", "params": {"scope": "identify email"}},
        "token": "https://discord.com/api/oauth2/token",
        "userinfo": "https://discord.com/api/users/@me",
        "profile": profile,
        "style": ProviderStyle(bg="#5865F2", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
