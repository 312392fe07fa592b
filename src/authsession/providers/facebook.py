"""Facebook Login (OAuth 2.0, Graph API)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User

#: Graph API version of the endpoints; Meta keeps each version for at least two years.
GRAPH_API_VERSION = "v23.0"


class FacebookPictureData(TypedDict, total=False):
    url: str
    is_silhouette: bool


class FacebookPicture(TypedDict, total=False):
    data: FacebookPictureData


class FacebookProfile(TypedDict, total=False):
    """The fields of ``GET /me?fields=id,name,email,picture`` that the mapping reads."""

    id: str
    name: str
    email: str
    picture: FacebookPicture


def profile(profile: FacebookProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, name, email, ``picture.data.url``."""
    return {
        "id": profile["id"],
        "name": profile.get("name"),
        "email": profile.get("email"),
        "image": profile.get("picture", {}).get("data", {}).get("url"),
    }


def Facebook(*, client_id: str, client_secret: str, **overrides: Unpack[OAuthOverrides]) -> OAuthProvider:
    """Sign in with Facebook.

    Create an app at https://developers.facebook.com/apps with the *Facebook Login* use case
    (``client_id`` is the App ID, ``client_secret`` the App Secret) and add
    ``<AUTH_URL>/api/auth/callback/facebook`` to *Valid OAuth Redirect URIs*. ``email`` is missing
    for accounts without a confirmed address.
    """
    graph = f"https://graph.facebook.com/{GRAPH_API_VERSION}"
    options: dict[str, Any] = {
        "id": "facebook",
        "name": "Facebook",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {
            "url": f"https://www.facebook.com/{GRAPH_API_VERSION}/dialog/oauth",
            "params": {"scope": "email"},
        },
        "token": f"{graph}/oauth/access_token",
        "userinfo": {"url": f"{graph}/me", "params": {"fields": "id,name,email,picture"}},
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#006aff", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
