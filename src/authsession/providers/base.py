"""What every provider has: an id (the URL segment), a display name and a type."""

from __future__ import annotations

import re
from typing import Literal, Protocol, runtime_checkable

ProviderType = Literal["oauth", "oidc", "email", "credentials", "webauthn"]

_PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@runtime_checkable
class Provider(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> ProviderType: ...


def check_provider_id(provider_id: str) -> str:
    """Provider ids go into URLs and cookie payloads: keep them to letters, digits, ``-`` and ``_``."""
    if not _PROVIDER_ID.match(provider_id):
        raise ValueError(
            f"provider id {provider_id!r} must be 1-64 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return provider_id
