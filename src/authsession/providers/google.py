"""Google (OpenID Connect, discovered from ``https://accounts.google.com``)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class GoogleProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads (plus the usual ones you may want)."""

    sub: str
    name: str
    email: str
    email_verified: bool
    picture: str
    given_name: str
    family_name: str
    hd: str


def profile(profile: GoogleProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, name, email, ``picture``."""
    return {
        "id": profile["sub"],
        "name": profile.get("name"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def Google(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Google.

    Create an "OAuth client ID" of type *Web application* in the Google Cloud console
    (https://console.cloud.google.com/apis/credentials) and add
    ``<AUTH_URL>/api/auth/callback/google`` to its authorised redirect URIs. The profile comes from
    the validated ID token. To restrict sign-in to a Workspace domain, check ``hd`` in your
    ``signIn`` callback; ``authorization={"params": {"hd": ...}}`` only changes the account picker.
    """
    options: dict[str, Any] = {
        "id": "google",
        "name": "Google",
        "issuer": "https://accounts.google.com",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid email profile"}},
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#fff", text="#000"),
    }
    return OIDC(**{**options, **overrides})
