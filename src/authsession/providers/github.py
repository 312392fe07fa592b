"""GitHub (OAuth 2.0 web application flow), including GitHub Enterprise Server."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

import httpx2

from authsession.providers.oauth import OAuth, OAuthOverrides, OAuthProvider, TokenSet
from authsession.theme import ProviderStyle
from authsession.types import User


class GitHubEmail(TypedDict, total=False):
    """One entry of ``GET /user/emails``."""

    email: str
    primary: bool
    verified: bool
    visibility: str | None


class GitHubProfile(TypedDict, total=False):
    """The fields of ``GET /user`` that the mapping reads."""

    id: int
    login: str
    name: str | None
    email: str | None
    avatar_url: str


def profile(profile: GitHubProfile, tokens: TokenSet | None = None) -> User:
    """The user: id, ``name`` or ``login``, email, ``avatar_url``."""
    return {
        "id": str(profile["id"]),
        "name": profile.get("name") or profile.get("login"),
        "email": profile.get("email"),
        "image": profile.get("avatar_url"),
    }


def pick_email(emails: list[GitHubEmail]) -> str | None:
    """The primary verified address, else any verified one; never an unverified address."""
    verified = [e for e in emails if e.get("verified") and e.get("email")]
    primary = [e for e in verified if e.get("primary")]
    chosen = primary or verified
    return chosen[0].get("email") if chosen else None


async def fetch_profile(*, client: httpx2.AsyncClient, tokens: TokenSet, provider: OAuthProvider) -> dict[str, Any]:
    """``GET /user``, then ``GET /user/emails`` when the public email is hidden (``null``)."""
    headers = {
        "Authorization": f"Bearer {tokens['access_token']}",
        "Accept": "application/vnd.github+json",
        "User-Agent": "authsession",  # the GitHub API refuses requests without one
    }
    user_url = str(provider.userinfo.url)
    response = await client.get(user_url, headers=headers)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    if not data.get("email"):
        emails = await client.get(f"{user_url}/emails", headers=headers)
        # Without the user:email scope this answers 403/404: keep the profile, without an email.
        if emails.status_code == 200 and isinstance(body := emails.json(), list):
            data["email"] = pick_email(body)
    return data


def GitHub(
    *, client_id: str, client_secret: str, base_url: str = "https://github.com", **overrides: Unpack[OAuthOverrides]
) -> OAuthProvider:
    """Sign in with GitHub.

    Register an OAuth App at https://github.com/settings/developers (or in your organisation's
    settings) and give ``<AUTH_URL>/api/auth/callback/github`` as the authorization callback URL.
    For GitHub Enterprise Server pass ``base_url="https://github.example.com"``. When the user keeps
    their email private, the primary *verified* address is read from ``/user/emails`` (scope
    ``user:email``). ``overrides`` go to :func:`~authsession.providers.OAuth` (``scope``, ``checks``, ...).
    """
    base = base_url.rstrip("/")
    api = "https://api.github.com" if base == "https://github.com" else f"{base}/api/v3"
    options: dict[str, Any] = {
        "id": "github",
        "name": "GitHub",
        "client_id": client_id,
        "client_secret": client_secret,
        "authorization": {"url": f"{base}/login/oauth/authorize", "params": {"scope": "read:user user:email"}},
        "token": f"{base}/login/oauth/access_token",
        "userinfo": f"{api}/user",
        "userinfo_request": fetch_profile,
        "client_auth_method": "client_secret_post",
        "profile": profile,
        "style": ProviderStyle(bg="#24292f", text="#fff"),
    }
    return OAuth(**{**options, **overrides})
