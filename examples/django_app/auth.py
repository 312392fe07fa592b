"""The example's :class:`AuthOptions`: ``settings.AUTHSESSION`` names ``auth_options`` here."""

from __future__ import annotations

import hmac
import os
import secrets
from typing import Any

from authsession import AuthOptions
from authsession.providers import OIDC, Credentials, Provider


def authorize(credentials: dict[str, Any], request: object) -> dict[str, Any] | None:
    # One account for the example; a real app looks the user up and checks a password hash.
    email = os.environ.get("DEMO_EMAIL", "demo@example.com")
    password = os.environ.get("DEMO_PASSWORD", "demo-password")
    email_ok = hmac.compare_digest(str(credentials.get("email", "")).encode(), email.encode())
    password_ok = hmac.compare_digest(str(credentials.get("password", "")).encode(), password.encode())
    return {"id": "demo", "name": "Demo User", "email": email} if email_ok and password_ok else None


def _providers() -> list[Provider]:
    found: list[Provider] = [Credentials(authorize=authorize, credentials={"email": {}, "password": {}})]
    if issuer := os.environ.get("OIDC_ISSUER"):
        found.append(
            OIDC(
                id="oidc",
                name=os.environ.get("OIDC_NAME", "OpenID Connect"),
                issuer=issuer,
                client_id=os.environ["OIDC_CLIENT_ID"],
                client_secret=os.environ.get("OIDC_CLIENT_SECRET"),
            )
        )
    return found


auth_options = AuthOptions(
    secret=os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32),
    providers=_providers(),
    pages={"sign_in": "/login"},
)
