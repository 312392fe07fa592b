"""Keycloak (OpenID Connect; the issuer is the realm URL)."""

from __future__ import annotations

from typing import Any, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, OIDCProfile, oidc_profile
from authsession.theme import ProviderStyle

KeycloakProfile = OIDCProfile
profile = oidc_profile


def Keycloak(
    *, client_id: str, issuer: str, client_secret: str | None = None, **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
    """Sign in with Keycloak.

    In your realm create an *OpenID Connect* client with *Client authentication* on, and add
    ``<AUTH_URL>/api/auth/callback/keycloak`` to its valid redirect URIs. ``issuer`` is the realm
    URL, e.g. ``"https://keycloak.example.com/realms/my-realm"``.
    """
    options: dict[str, Any] = {
        "id": "keycloak",
        "name": "Keycloak",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid email profile"}},
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#428bca", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
