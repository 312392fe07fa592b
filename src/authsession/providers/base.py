"""What every provider has: an id (the URL segment), a display name and a type.

The interface itself (:data:`Provider`, one protocol per type) lives in the core, which calls it.
"""

from __future__ import annotations

import re

from authsession._core.provider import (
    CredentialsConfig,
    EmailConfig,
    OAuthConfig,
    Provider,
    ProviderCallbackError,
    SignInResult,
    WebAuthnConfig,
)
from authsession.types import ProviderType

_PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_provider_id(provider_id: str) -> str:
    """Provider ids go into URLs and cookie payloads: keep them to letters, digits, ``-`` and ``_``."""
    if not _PROVIDER_ID.match(provider_id):
        raise ValueError(
            f"provider id {provider_id!r} must be 1-64 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return provider_id


__all__ = [
    "CredentialsConfig",
    "EmailConfig",
    "OAuthConfig",
    "Provider",
    "ProviderCallbackError",
    "ProviderType",
    "SignInResult",
    "WebAuthnConfig",
    "check_provider_id",
]
