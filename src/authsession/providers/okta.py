"""Okta (OpenID Connect; the issuer is your Okta org or authorization server)."""

from __future__ import annotations

from typing import Any, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, OIDCProfile, oidc_profile
from authsession.theme import ProviderStyle

OktaProfile = OIDCProfile
profile = oidc_profile


def Okta(
    *, client_id: str, issuer: str, client_secret: str | None = None, **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
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
