"""Microsoft Entra ID (formerly Azure AD), work/school and personal Microsoft accounts, v2.0 endpoints."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User

LOGIN = "https://login.microsoftonline.com"
#: Tenant aliases whose ID tokens carry the user's own tenant in ``iss``.
MULTI_TENANT = frozenset({"common", "organizations", "consumers"})


class MicrosoftEntraIDProfile(TypedDict, total=False):
    """The ID token claims that the mapping reads."""

    sub: str
    oid: str
    tid: str
    iss: str
    name: str
    email: str
    preferred_username: str


def profile(profile: MicrosoftEntraIDProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, name, email, no image; raises :class:`ValueError` if ``iss`` is not ``tid``'s issuer."""
    # Multi-tenant tokens are not checked against a fixed issuer, so tie iss to the token's tenant.
    if profile.get("iss") != f"{LOGIN}/{profile.get('tid')}/v2.0":
        raise ValueError("the ID token's iss does not match its tid")
    return {
        "id": profile["sub"],
        "name": profile.get("name"),
        "email": profile.get("email"),
        "image": None,
    }


def MicrosoftEntraID(
    *, client_id: str, client_secret: str | None = None, tenant_id: str = "common", **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
    """Sign in with Microsoft Entra ID.

    Register an application under *Microsoft Entra ID > App registrations* in the Azure portal
    (https://entra.microsoft.com), add a *Web* platform with the redirect URI
    ``<AUTH_URL>/api/auth/callback/microsoft-entra-id`` and create a client secret. Pass your
    ``tenant_id`` (a GUID or domain) to admit only your directory; the default ``"common"`` (or
    ``"organizations"``/``"consumers"``) admits any tenant, and the ID token's ``iss`` is then checked
    against its own ``tid``. Use the ``signIn`` callback to allow-list tenants if you need to.
    The profile photo is not fetched (it needs a Microsoft Graph call); ``image`` is ``None``.
    """
    base = f"{LOGIN}/{tenant_id}"
    options: dict[str, Any] = {
        "id": "microsoft-entra-id",
        "name": "Microsoft Entra ID",
        "type": "oidc",
        "client_id": client_id,
        "client_secret": client_secret,
        "issuer": None if tenant_id in MULTI_TENANT else f"{base}/v2.0",
        "authorization": {
            "url": f"{base}/oauth2/v2.0/authorize",
            "params": {"scope": "openid profile email User.Read"},
        },
        "token": f"{base}/oauth2/v2.0/token",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "checks": ("pkce", "state", "nonce"),
        "profile": profile,
        "style": ProviderStyle(bg="#0072c6", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
