"""Sign in with Slack (OpenID Connect, discovered from ``https://slack.com``)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class SlackProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads."""

    sub: str
    name: str
    email: str
    email_verified: bool
    picture: str


def profile(profile: SlackProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, name, email, ``picture``."""
    return {
        "id": profile["sub"],
        "name": profile.get("name"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def Slack(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Slack.

    Create an app at https://api.slack.com/apps, add ``openid``, ``profile`` and ``email`` to its
    *User Token Scopes* under *OAuth & Permissions*, and add the redirect URL
    ``<AUTH_URL>/api/auth/callback/slack`` (Slack requires https).
    """
    options: dict[str, Any] = {
        "id": "slack",
        "name": "Slack",
        "issuer": "https://slack.com",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid profile email"}},
        "checks": ("nonce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#611f69", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
