"""Auth0 (OpenID Connect; the issuer is your tenant's domain)."""

from __future__ import annotations

from typing import Any, Unpack

from authsession.errors import ConfigurationError
from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, OIDCProfile, oidc_profile
from authsession.theme import ProviderStyle

Auth0Profile = OIDCProfile
profile = oidc_profile


def Auth0(
    *,
    client_id: str,
    client_secret: str | None = None,
    domain: str | None = None,
    issuer: str | None = None,
    **overrides: Unpack[OAuthOverrides],
) -> OAuthProvider:
    """Sign in with Auth0.

    Create a *Regular Web Application* in the Auth0 dashboard (https://manage.auth0.com), add
    ``<AUTH_URL>/api/auth/callback/auth0`` to *Allowed Callback URLs*, and pass your tenant's
    ``domain`` (``"my-tenant.eu.auth0.com"`` or your custom domain) or the full ``issuer``
    (``"https://my-tenant.eu.auth0.com/"``, with the trailing slash Auth0 uses).
    """
    if issuer is None:
        if not domain:
            raise ConfigurationError("Auth0 needs domain='<tenant>.auth0.com' or issuer='https://<tenant>.auth0.com/'")
        host = domain.removeprefix("https://").removeprefix("http://").strip("/")
        issuer = f"https://{host}/"
    options: dict[str, Any] = {
        "id": "auth0",
        "name": "Auth0",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid email profile"}},
        "checks": ("pkce", "state"),
        "profile": profile,
        "style": ProviderStyle(bg="#EB5424", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
