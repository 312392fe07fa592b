"""Salesforce (OpenID Connect discovery; the profile comes from the userinfo endpoint)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class SalesforceProfile(TypedDict, total=False):
    """The fields of the userinfo response that the mapping reads."""

    sub: str
    user_id: str
    organization_id: str
    name: str
    email: str
    email_verified: bool
    picture: str


def profile(profile: SalesforceProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``user_id``, name, email, ``picture``."""
    return {
        "id": profile["user_id"],
        "name": profile.get("name"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def Salesforce(
    *,
    client_id: str,
    client_secret: str,
    issuer: str = "https://login.salesforce.com",
    **overrides: Unpack[OAuthOverrides],
) -> OAuthProvider:
    """Sign in with Salesforce.

    Create an *External Client App* (or Connected App) in Salesforce Setup, enable OAuth with the
    scopes ``openid``, ``profile`` and ``email``, and set the callback URL to
    ``<AUTH_URL>/api/auth/callback/salesforce``. For sandboxes pass
    ``issuer="https://test.salesforce.com"``; for a My Domain, its https URL. The user id is
    Salesforce's 18-character ``user_id``.
    """
    options: dict[str, Any] = {
        "id": "salesforce",
        "name": "Salesforce",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid profile email"}},
        "id_token": False,
        "checks": ("pkce", "state", "nonce"),
        "profile": profile,
        "style": ProviderStyle(bg="#00a1e0", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
