"""Sign In with LinkedIn using OpenID Connect."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class LinkedInProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads."""

    sub: str
    name: str
    given_name: str
    family_name: str
    email: str
    email_verified: bool
    picture: str
    locale: str


def profile(profile: LinkedInProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, name, email, ``picture``."""
    return {
        "id": profile["sub"],
        "name": profile.get("name"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def LinkedIn(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with LinkedIn.

    Create an app at https://www.linkedin.com/developers/apps, request the product *Sign In with
    LinkedIn using OpenID Connect*, and on the *Auth* tab add the redirect URL
    ``<AUTH_URL>/api/auth/callback/linkedin``. LinkedIn wants the client secret in the token
    request body.
    """
    options: dict[str, Any] = {
        "id": "linkedin",
        "name": "LinkedIn",
        "issuer": "https://www.linkedin.com/oauth",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid profile email"}},
        "checks": ("state",),
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#069", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
