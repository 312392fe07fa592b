"""authentik (OpenID Connect; the issuer is the application's provider URL)."""

from __future__ import annotations

from typing import Any, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, OIDCProfile, oidc_profile
from authsession.theme import ProviderStyle


class AuthentikProfile(OIDCProfile, total=False):
    """The ID token claims, with authentik's ``groups``."""

    groups: list[str]


profile = oidc_profile


def Authentik(
    *, client_id: str, issuer: str, client_secret: str | None = None, **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
    """Sign in with authentik.

    In the authentik admin interface create an *OAuth2/OpenID Provider* (client type
    *Confidential*) with the redirect URI ``<AUTH_URL>/api/auth/callback/authentik``, and an
    application that uses it. ``issuer`` is the provider's *OpenID Configuration Issuer*, e.g.
    ``"https://authentik.example.com/application/o/my-app/"``.
    """
    options: dict[str, Any] = {
        "id": "authentik",
        "name": "Authentik",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid email profile"}},
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#fd4b2d", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
