"""The example's :class:`AuthOptions`: ``settings.AUTHSESSION`` names ``auth_options`` here."""

from __future__ import annotations

import os
import secrets

from authsession import AuthOptions
from authsession.adapters.django import DjangoAdapter

from ..session_env import OneAccountSessions

# Database sessions go through Django's ORM, on the DEMO_DB file settings.py names.
sessions = OneAccountSessions.from_env("jwt", database=DjangoAdapter)

auth_options = AuthOptions(
    secret=os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32),
    pages={"sign_in": "/login"},
    **sessions.options(),
)
