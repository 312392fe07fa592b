"""Sign in with Apple (OpenID Connect, ``response_mode=form_post``)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OIDC, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class AppleProfile(TypedDict, total=False):
    """The ID token claims. Apple puts no name in the token, only ``email`` (maybe a relay address)."""

    sub: str
    email: str
    email_verified: bool | str
    is_private_email: bool | str


def profile(profile: AppleProfile, tokens: TokenSet | None = None) -> User:
    """The user: ``sub``, the email as name (Apple's ID token has no name), email, no image."""
    return {
        "id": profile["sub"],
        "name": profile.get("email"),
        "email": profile.get("email"),
        "image": None,
    }


def Apple(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Apple.

    In https://developer.apple.com/account/resources/identifiers create a *Services ID* (its
    identifier is your ``client_id``), enable Sign in with Apple for it and add
    ``<AUTH_URL>/api/auth/callback/apple`` as a return URL (Apple requires https, no localhost).
    ``client_secret`` is not a fixed string: it is an ES256 JWT you sign with the private key
    (``.p8``) of a Sign in with Apple key, with ``iss`` = your team id, ``sub`` = the Services ID,
    ``aud`` = ``https://appleid.apple.com``, ``kid`` = the key id, and an ``exp`` at most six months
    ahead, so regenerate it before it expires. Apple POSTs the callback from its own site
    (``form_post``), and browsers send cookies along with such a cross-site POST only when they are
    ``SameSite=None; Secure``: serve the app over https and pass
    ``cookies={"state": {"options": {"same_site": "none", "secure": True}}, "nonce": {...same...}}``
    to :class:`~authsession.AuthOptions`. The name Apple sends on first consent is not in the ID
    token, so ``name`` falls back to the email.
    """
    options: dict[str, Any] = {
        "id": "apple",
        "name": "Apple",
        "issuer": "https://appleid.apple.com",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"params": {"scope": "name email", "response_mode": "form_post"}},
        "checks": ("nonce", "state"),
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#000", text="#fff"),
    }
    return OIDC(**{**options, **overrides})
