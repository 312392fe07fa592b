"""Sign-in providers. Each is data plus, for OAuth, a ``profile()`` mapping."""

from authsession.providers.base import Provider, ProviderType
from authsession.providers.credentials import Credentials, CredentialsProvider

__all__ = ["Credentials", "CredentialsProvider", "Provider", "ProviderType"]
