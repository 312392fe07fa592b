"""ZITADEL (OpenID Connect; the issuer is your instance URL)."""

from __future__ import annotations

from typing import Any, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, OIDCProfile, oidc_profile
from authsession.theme import ProviderStyle

ZitadelProfile = OIDCProfile
profile = oidc_profile


def Zitadel(
    *, client_id: str, issuer: str, client_secret: str | None = None, **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
    """Sign in with ZITADEL.

    In a ZITADEL project create a *Web* application (authentication method *Code* with a client
    secret, or *PKCE* for a public client: then pass ``client_auth_method="none"``) with the
    redirect URI ``<AUTH_URL>/api/auth/callback/zitadel``. ``issuer`` is your instance URL, e.g.
    ``"https://my-instance.zitadel.cloud"``. Tick *User Info inside ID Token* so the ID token
    carries the name and email.
    """
    options: dict[str, Any] = {
        "id": "zitadel",
        "name": "ZITADEL",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid email profile"}},
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#000", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
