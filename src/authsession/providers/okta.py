"""Okta (OpenID Connect; the issuer is your Okta org or authorization server)."""

from __future__ import annotations

from typing import Any, TypedDict

from authsession._core.pages import ProviderStyle
from authsession.providers.oauth import OIDC, OAuthProvider, TokenSet
from authsession.types import User


class OktaProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads."""

    sub: str
    name: str
    preferred_username: str
    email: str
    email_verified: bool
    picture: str


def profile(profile: OktaProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, ``name`` or ``preferred_username``, email, ``picture``."""
    return {
        "id": profile["sub"],
        "name": profile.get("name") or profile.get("preferred_username"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def Okta(*, client_id: str, issuer: str, client_secret: str | None = None, **overrides: Any) -> OAuthProvider:
    """Sign in with Okta.

    In the Okta admin console create an app integration (*OIDC*, *Web Application*) with the
    sign-in redirect URI ``<AUTH_URL>/api/auth/callback/okta``. ``issuer`` is your authorization
    server, e.g. ``"https://dev-123456.okta.com/oauth2/default"`` (or the org URL
    ``"https://dev-123456.okta.com"``).
    """
    options: dict[str, Any] = {
        "id": "okta",
        "name": "Okta",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid email profile"}},
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#000", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
