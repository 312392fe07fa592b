"""Azure AD B2C (OpenID Connect; the metadata URL comes from the tenant and user flow)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class AzureADB2CProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads (email addresses come as the list ``emails``)."""

    sub: str
    oid: str
    name: str
    preferred_username: str
    given_name: str
    family_name: str
    emails: list[str]


def profile(profile: AzureADB2CProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, ``name`` or ``preferred_username``, the first of ``emails``, no image."""
    emails = profile.get("emails") or []
    return {
        "id": profile["sub"],
        "name": profile.get("name") or profile.get("preferred_username"),
        "email": emails[0] if emails else None,
        "image": None,
    }


def metadata_url(tenant: str, user_flow: str) -> str:
    """The user flow's OpenID configuration URL."""
    return f"https://{tenant}.b2clogin.com/{tenant}.onmicrosoft.com/{user_flow}/v2.0/.well-known/openid-configuration"


def AzureADB2C(
    *,
    client_id: str,
    tenant: str,
    user_flow: str,
    client_secret: str | None = None,
    **overrides: Unpack[OAuthOverrides],
) -> OAuthProvider:
    """Sign in with Azure AD B2C.

    Register an application in your B2C tenant (*App registrations*, platform *Web*) with the
    redirect URI ``<AUTH_URL>/api/auth/callback/azure-ad-b2c``, create a client secret, and
    tick *Email Addresses* under the user flow's application claims. ``tenant`` is the tenant
    name (``"contoso"`` for ``contoso.onmicrosoft.com``), ``user_flow`` the flow or custom policy
    (``"B2C_1_signupsignin"``). The metadata is read from the flow's well-known URL, because the
    issuer B2C puts in tokens (with the tenant's GUID) differs from that URL; pass
    ``well_known=...`` for a custom domain.
    """
    options: dict[str, Any] = {
        "id": "azure-ad-b2c",
        "name": "Azure AD B2C",
        "type": "oidc",
        "well_known": metadata_url(tenant, user_flow),
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "openid offline_access"}},
        "checks": ("pkce", "state", "nonce"),
        "profile": profile,
        "style": ProviderStyle(bg="#0072c6", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
