"""Sign-in providers. Each is data plus, for OAuth, a ``profile()`` mapping."""

from authsession.providers.base import Provider, ProviderType
from authsession.providers.credentials import Credentials, CredentialsProvider
from authsession.providers.oauth import OIDC, Endpoint, OAuth, OAuthProvider

__all__ = [
    "OIDC",
    "Credentials",
    "CredentialsProvider",
    "Endpoint",
    "OAuth",
    "OAuthProvider",
    "Provider",
    "ProviderType",
]
