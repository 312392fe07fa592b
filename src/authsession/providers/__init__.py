"""Sign-in providers. Each is data plus, for OAuth, a ``profile()`` mapping.

To write your own, implement the protocol for its type (:class:`OAuthConfig`,
:class:`EmailConfig`, :class:`CredentialsConfig` or :class:`WebAuthnConfig`); the core does the
rest of the sign-in. ``Passkey`` is imported on first use: it needs ``authsession[passkey]``.
"""

from typing import TYPE_CHECKING, Any

from authsession.providers.apple import Apple
from authsession.providers.atlassian import Atlassian
from authsession.providers.auth0 import Auth0
from authsession.providers.authentik import Authentik
from authsession.providers.azure_ad_b2c import AzureADB2C
from authsession.providers.base import (
    CredentialsConfig,
    EmailConfig,
    OAuthConfig,
    Provider,
    ProviderCallbackError,
    ProviderType,
    SignInResult,
    WebAuthnConfig,
)
from authsession.providers.bitbucket import Bitbucket
from authsession.providers.cognito import Cognito
from authsession.providers.credentials import Credentials, CredentialsProvider
from authsession.providers.discord import Discord
from authsession.providers.dropbox import Dropbox
from authsession.providers.email import Email, EmailProvider, SMTPServer
from authsession.providers.facebook import Facebook
from authsession.providers.github import GitHub
from authsession.providers.gitlab import GitLab
from authsession.providers.google import Google
from authsession.providers.instagram import Instagram
from authsession.providers.keycloak import Keycloak
from authsession.providers.linkedin import LinkedIn
from authsession.providers.microsoft_entra_id import MicrosoftEntraID
from authsession.providers.notion import Notion
from authsession.providers.oauth import (
    OIDC,
    Endpoint,
    EndpointConfig,
    OAuth,
    OAuthOptions,
    OAuthOverrides,
    OAuthProvider,
)
from authsession.providers.okta import Okta
from authsession.providers.patreon import Patreon
from authsession.providers.reddit import Reddit
from authsession.providers.refresh import REFRESH_ACCESS_TOKEN_ERROR, refresh_access_token
from authsession.providers.salesforce import Salesforce
from authsession.providers.slack import Slack
from authsession.providers.spotify import Spotify
from authsession.providers.strava import Strava
from authsession.providers.twitch import Twitch
from authsession.providers.twitter import Twitter, X
from authsession.providers.yandex import Yandex
from authsession.providers.zitadel import Zitadel
from authsession.providers.zoom import Zoom

if TYPE_CHECKING:
    from authsession.providers.passkey import Passkey, PasskeyProvider


def __getattr__(name: str) -> Any:
    if name in ("Passkey", "PasskeyProvider"):
        from authsession.providers import passkey

        return getattr(passkey, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OIDC",
    "REFRESH_ACCESS_TOKEN_ERROR",
    "Apple",
    "Atlassian",
    "Auth0",
    "Authentik",
    "AzureADB2C",
    "Bitbucket",
    "Cognito",
    "Credentials",
    "CredentialsConfig",
    "CredentialsProvider",
    "Discord",
    "Dropbox",
    "Email",
    "EmailConfig",
    "EmailProvider",
    "Endpoint",
    "EndpointConfig",
    "Facebook",
    "GitHub",
    "GitLab",
    "Google",
    "Instagram",
    "Keycloak",
    "LinkedIn",
    "MicrosoftEntraID",
    "Notion",
    "OAuth",
    "OAuthConfig",
    "OAuthOptions",
    "OAuthOverrides",
    "OAuthProvider",
    "Okta",
    "Passkey",
    "PasskeyProvider",
    "Patreon",
    "Provider",
    "ProviderCallbackError",
    "ProviderType",
    "Reddit",
    "SMTPServer",
    "Salesforce",
    "SignInResult",
    "Slack",
    "Spotify",
    "Strava",
    "Twitch",
    "Twitter",
    "WebAuthnConfig",
    "X",
    "Yandex",
    "Zitadel",
    "Zoom",
    "refresh_access_token",
]
