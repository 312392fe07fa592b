"""The provider presets: their configuration, the authorization URL they produce, their profile
mapping, their custom userinfo requests, and two full sign-ins (GitHub, Google) over MockTransport.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey

from authsession import AuthOptions
from authsession._core.csrf import csrf_hash
from authsession._core.handler import handle
from authsession._core.http import AuthRequest, AuthResponse
from authsession._core.user_code import call
from authsession.errors import ConfigurationError
from authsession.providers import (
    Apple,
    Atlassian,
    Auth0,
    Authentik,
    AzureADB2C,
    Bitbucket,
    Cognito,
    Discord,
    Dropbox,
    Facebook,
    GitHub,
    GitLab,
    Google,
    Instagram,
    Keycloak,
    LinkedIn,
    MicrosoftEntraID,
    Notion,
    OAuthProvider,
    Okta,
    Patreon,
    Reddit,
    Salesforce,
    Slack,
    Spotify,
    Strava,
    Twitch,
    Twitter,
    X,
    Yandex,
    Zitadel,
    Zoom,
    apple,
    atlassian,
    auth0,
    authentik,
    azure_ad_b2c,
    bitbucket,
    cognito,
    discord,
    dropbox,
    facebook,
    github,
    gitlab,
    google,
    instagram,
    keycloak,
    linkedin,
    microsoft_entra_id,
    notion,
    okta,
    patreon,
    reddit,
    salesforce,
    slack,
    spotify,
    strava,
    twitch,
    twitter,
    yandex,
    zitadel,
    zoom,
)
from authsession.providers import oauth as oauth_module
from authsession.testing import InProcessOIDCProvider
from helpers import NOW, CoreClient

SECRET = "preset-tests-secret-0123456789abcdef012345"
ORIGIN = "http://localhost:8000"
CSRF = "c0ffee" * 10 + "c0fe"
CID = "client-id-123"
CSECRET = "client-secret-456"
Format = Literal["v4", "v5"]


def discovery(issuer: str, base: str | None = None, **endpoints: Any) -> dict[str, Any]:
    """A realistic OpenID configuration: ``base`` + the usual paths unless given."""
    base = base or issuer.rstrip("/")
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/keys",
        "response_types_supported": ["code", "id_token", "code id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }
    document.update(endpoints)
    return document


@dataclass(frozen=True)
class Case:
    """One preset and what it must produce."""

    module: ModuleType
    make: Callable[[], OAuthProvider]
    id: str
    name: str
    type: str
    #: scheme://host/path of the authorization endpoint the browser is sent to
    authorize: str
    #: the scope param (``None``: the preset sets none and the core's default applies)
    scope: str | None
    #: ``None``: NextAuth's default for the format (state in v4, pkce in v5)
    checks: tuple[str, ...] | None
    auth_method: str
    profile: Mapping[str, Any]
    user: Mapping[str, Any]
    #: where the discovery document is served, and the document
    discovery_url: str | None = None
    metadata: Mapping[str, Any] | None = None
    #: further authorization params the preset must send
    params: Mapping[str, str] = field(default_factory=dict)


def oidc_case(
    *, issuer: str, discovery_url: str | None = None, metadata: Mapping[str, Any] | None = None, **kwargs: Any
) -> Case:
    document = dict(metadata) if metadata is not None else discovery(issuer)
    url = discovery_url or issuer.rstrip("/") + "/.well-known/openid-configuration"
    return Case(
        type="oidc", authorize=document["authorization_endpoint"], discovery_url=url, metadata=document, **kwargs
    )


ENTRA_TENANT = "9122040d-6c67-4c5b-b112-36a304b66dad"
B2C_TENANT_ID = "775527ff-9a37-4307-8b3d-cc311f58d925"

CASES = [
    Case(
        module=github,
        make=lambda: GitHub(client_id=CID, client_secret=CSECRET),
        id="github",
        name="GitHub",
        type="oauth",
        authorize="https://github.com/login/oauth/authorize",
        scope="read:user user:email",
        checks=None,
        auth_method="client_secret_post",
        profile={
            "login": "octocat",
            "id": 583231,
            "node_id": "MDQ6VXNlcjU4MzIzMQ==",
            "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
            "type": "User",
            "site_admin": False,
            "name": "The Octocat",
            "company": "@github",
            "blog": "https://github.blog",
            "location": "San Francisco",
            "email": "octocat@github.com",
            "public_repos": 8,
        },
        user={
            "id": "583231",
            "name": "The Octocat",
            "email": "octocat@github.com",
            "image": "https://avatars.githubusercontent.com/u/583231?v=4",
        },
    ),
    oidc_case(
        module=google,
        make=lambda: Google(client_id=CID, client_secret=CSECRET),
        id="google",
        name="Google",
        issuer="https://accounts.google.com",
        metadata=discovery(
            "https://accounts.google.com",
            authorization_endpoint="https://accounts.google.com/o/oauth2/v2/auth",
            token_endpoint="https://oauth2.googleapis.com/token",
            userinfo_endpoint="https://openidconnect.googleapis.com/v1/userinfo",
            jwks_uri="https://www.googleapis.com/oauth2/v3/certs",
        ),
        scope="openid email profile",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "iss": "https://accounts.google.com",
            "azp": CID,
            "aud": CID,
            "sub": "110169484474386276334",
            "email": "ada@gmail.com",
            "email_verified": True,
            "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
            "name": "Ada Lovelace",
            "picture": "https://lh3.googleusercontent.com/a/ACg8ocJ8Zw=s96-c",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "iat": 1700000000,
            "exp": 1700003600,
        },
        user={
            "id": "110169484474386276334",
            "name": "Ada Lovelace",
            "email": "ada@gmail.com",
            "image": "https://lh3.googleusercontent.com/a/ACg8ocJ8Zw=s96-c",
        },
    ),
    Case(
        module=microsoft_entra_id,
        make=lambda: MicrosoftEntraID(client_id=CID, client_secret=CSECRET),
        id="microsoft-entra-id",
        name="Microsoft Entra ID",
        type="oidc",
        authorize="https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        scope="openid profile email User.Read",
        checks=("pkce", "state", "nonce"),
        auth_method="client_secret_basic",
        profile={
            "aud": CID,
            "iss": f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0",
            "iat": 1700000000,
            "nbf": 1700000000,
            "exp": 1700003600,
            "name": "Ada Lovelace",
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "preferred_username": "ada@contoso.com",
            "email": "Ada@Contoso.com",
            "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            "tid": ENTRA_TENANT,
            "ver": "2.0",
        },
        user={
            "id": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            "name": "Ada Lovelace",
            "email": "Ada@Contoso.com",
            "image": None,
        },
    ),
    oidc_case(
        module=apple,
        make=lambda: Apple(client_id="com.example.web", client_secret="eyJhbGciOiJFUzI1NiJ9.e30.c2ln"),
        id="apple",
        name="Apple",
        issuer="https://appleid.apple.com",
        metadata=discovery(
            "https://appleid.apple.com",
            authorization_endpoint="https://appleid.apple.com/auth/authorize",
            token_endpoint="https://appleid.apple.com/auth/token",
            jwks_uri="https://appleid.apple.com/auth/keys",
            response_modes_supported=["query", "fragment", "form_post"],
        ),
        scope="name email",
        checks=("nonce", "state"),
        auth_method="client_secret_post",
        params={"response_mode": "form_post"},
        profile={
            "iss": "https://appleid.apple.com",
            "aud": "com.example.web",
            "exp": 1700003600,
            "iat": 1700000000,
            "sub": "001234.0a1b2c3d4e5f60718293a4b5c6d7e8f9.1234",
            "c_hash": "w6bS2Q4rGX0x8HnGaNMuDw",
            "email": "x7k2m9q4@privaterelay.appleid.com",
            "email_verified": True,
            "is_private_email": True,
            "auth_time": 1700000000,
            "nonce_supported": True,
        },
        user={
            "id": "001234.0a1b2c3d4e5f60718293a4b5c6d7e8f9.1234",
            "name": "x7k2m9q4@privaterelay.appleid.com",
            "email": "x7k2m9q4@privaterelay.appleid.com",
            "image": None,
        },
    ),
    Case(
        module=gitlab,
        make=lambda: GitLab(client_id=CID, client_secret=CSECRET),
        id="gitlab",
        name="GitLab",
        type="oauth",
        authorize="https://gitlab.com/oauth/authorize",
        scope="read_user",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "id": 1,
            "username": "john_smith",
            "name": "John Smith",
            "state": "active",
            "locked": False,
            "avatar_url": "https://gitlab.com/uploads/-/system/user/avatar/1/avatar.png",
            "web_url": "https://gitlab.com/john_smith",
            "email": "john@example.com",
            "public_email": "",
        },
        user={
            "id": "1",
            "name": "John Smith",
            "email": "john@example.com",
            "image": "https://gitlab.com/uploads/-/system/user/avatar/1/avatar.png",
        },
    ),
    Case(
        module=bitbucket,
        make=lambda: Bitbucket(client_id=CID, client_secret=CSECRET),
        id="bitbucket",
        name="Bitbucket",
        type="oauth",
        authorize="https://bitbucket.org/site/oauth2/authorize",
        scope="account",
        checks=None,
        auth_method="client_secret_basic",
        profile={
            "display_name": "Ada Lovelace",
            "links": {
                "self": {"href": "https://api.bitbucket.org/2.0/users/%7Bd301aafa-d676-4ee0-88be-962be7417567%7D"},
                "avatar": {"href": "https://secure.gravatar.com/avatar/a1b2c3?d=identicon"},
                "html": {"href": "https://bitbucket.org/%7Bd301aafa-d676-4ee0-88be-962be7417567%7D/"},
            },
            "created_on": "2018-11-05T10:53:33.813427+00:00",
            "type": "user",
            "uuid": "{d301aafa-d676-4ee0-88be-962be7417567}",
            "username": "ada",
            "account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443",
            "nickname": "ada",
            "account_status": "active",
        },
        user={
            "id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443",
            "name": "Ada Lovelace",
            "email": None,
            "image": "https://secure.gravatar.com/avatar/a1b2c3?d=identicon",
        },
    ),
    Case(
        module=discord,
        make=lambda: Discord(client_id=CID, client_secret=CSECRET),
        id="discord",
        name="Discord",
        type="oauth",
        authorize="https://discord.com/oauth2/authorize",
        scope="identify email",
        checks=None,
        auth_method="client_secret_basic",
        profile={
            "id": "80351110224678912",
            "username": "nelly",
            "discriminator": "0",
            "global_name": "Nelly",
            "avatar": "8342729096ea3675442027381ff50dfe",
            "verified": True,
            "email": "nelly@discord.com",
            "flags": 64,
            "banner": None,
            "accent_color": None,
            "premium_type": 1,
            "public_flags": 64,
            "mfa_enabled": True,
            "locale": "en-US",
        },
        user={
            "id": "80351110224678912",
            "name": "Nelly",
            "email": "nelly@discord.com",
            "image": "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png",
        },
    ),
    oidc_case(
        module=slack,
        make=lambda: Slack(client_id=CID, client_secret=CSECRET),
        id="slack",
        name="Slack",
        issuer="https://slack.com",
        metadata=discovery(
            "https://slack.com",
            authorization_endpoint="https://slack.com/openid/connect/authorize",
            token_endpoint="https://slack.com/api/openid.connect.token",
            userinfo_endpoint="https://slack.com/api/openid.connect.userInfo",
            jwks_uri="https://slack.com/openid/connect/keys",
        ),
        scope="openid profile email",
        checks=("nonce", "state"),
        auth_method="client_secret_basic",
        profile={
            "iss": "https://slack.com",
            "sub": "U0R7JM",
            "aud": CID,
            "exp": 1700003600,
            "iat": 1700000000,
            "https://slack.com/user_id": "U0R7JM",
            "https://slack.com/team_id": "T0R7GR",
            "email": "krane@slack-corp.com",
            "email_verified": True,
            "date_email_verified": 1622128723,
            "name": "krane",
            "picture": "https://secure.gravatar.com/avatar/bc2f3b8f.jpg",
            "given_name": "Bront",
            "family_name": "Labradoodle",
            "locale": "en-US",
            "https://slack.com/team_name": "kraneflannel",
        },
        user={
            "id": "U0R7JM",
            "name": "krane",
            "email": "krane@slack-corp.com",
            "image": "https://secure.gravatar.com/avatar/bc2f3b8f.jpg",
        },
    ),
    Case(
        module=facebook,
        make=lambda: Facebook(client_id=CID, client_secret=CSECRET),
        id="facebook",
        name="Facebook",
        type="oauth",
        authorize=f"https://www.facebook.com/{facebook.GRAPH_API_VERSION}/dialog/oauth",
        scope="email",
        checks=None,
        auth_method="client_secret_post",
        profile={
            "id": "10224212345678901",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "picture": {
                "data": {
                    "height": 50,
                    "is_silhouette": False,
                    "url": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10224212345678901&height=50",
                    "width": 50,
                }
            },
        },
        user={
            "id": "10224212345678901",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "image": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10224212345678901&height=50",
        },
    ),
    Case(
        module=instagram,
        make=lambda: Instagram(client_id=CID, client_secret=CSECRET),
        id="instagram",
        name="Instagram",
        type="oauth",
        authorize="https://api.instagram.com/oauth/authorize",
        scope="instagram_business_basic",
        checks=None,
        auth_method="client_secret_post",
        profile={
            "id": "7025623447528385",
            "user_id": "17841405793187218",
            "username": "jayposiris",
            "account_type": "BUSINESS",
            "profile_picture_url": "https://scontent.cdninstagram.com/v/t51.2885-19/12345_n.jpg",
        },
        user={
            "id": "7025623447528385",
            "name": "jayposiris",
            "email": None,
            "image": "https://scontent.cdninstagram.com/v/t51.2885-19/12345_n.jpg",
        },
    ),
    Case(
        module=twitter,
        make=lambda: Twitter(client_id=CID, client_secret=CSECRET),
        id="twitter",
        name="Twitter",
        type="oauth",
        authorize="https://x.com/i/oauth2/authorize",
        scope="users.read tweet.read offline.access",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "data": {
                "id": "2244994945",
                "name": "X Dev",
                "username": "TwitterDev",
                "profile_image_url": "https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_normal.jpg",
            }
        },
        user={
            "id": "2244994945",
            "name": "X Dev",
            "email": None,
            "image": "https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_normal.jpg",
        },
    ),
    oidc_case(
        module=linkedin,
        make=lambda: LinkedIn(client_id=CID, client_secret=CSECRET),
        id="linkedin",
        name="LinkedIn",
        issuer="https://www.linkedin.com/oauth",
        metadata=discovery(
            "https://www.linkedin.com/oauth",
            authorization_endpoint="https://www.linkedin.com/oauth/v2/authorization",
            token_endpoint="https://www.linkedin.com/oauth/v2/accessToken",
            userinfo_endpoint="https://api.linkedin.com/v2/userinfo",
            jwks_uri="https://www.linkedin.com/oauth/openid/jwks",
        ),
        scope="openid profile email",
        checks=("state",),
        auth_method="client_secret_post",
        profile={
            "iss": "https://www.linkedin.com/oauth",
            "aud": CID,
            "iat": 1700000000,
            "exp": 1700003600,
            "sub": "782bbtaQ",
            "name": "John Doe",
            "given_name": "John",
            "family_name": "Doe",
            "picture": "https://media.licdn.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/",
            "locale": "en-US",
            "email": "doe@email.com",
            "email_verified": True,
        },
        user={
            "id": "782bbtaQ",
            "name": "John Doe",
            "email": "doe@email.com",
            "image": "https://media.licdn.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/",
        },
    ),
    Case(
        module=reddit,
        make=lambda: Reddit(client_id=CID, client_secret=CSECRET),
        id="reddit",
        name="Reddit",
        type="oauth",
        authorize="https://www.reddit.com/api/v1/authorize",
        scope="identity",
        checks=("state",),
        auth_method="client_secret_basic",
        profile={
            "id": "1w72",
            "name": "spez",
            "icon_img": "https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_snoo.png?width=256&amp;height=256&amp;s=9a8b",
            "total_karma": 935132,
            "created_utc": 1118030400.0,
            "verified": True,
            "has_verified_email": True,
        },
        user={
            "id": "1w72",
            "name": "spez",
            "email": None,
            "image": "https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_snoo.png?width=256&height=256&s=9a8b",
        },
    ),
    oidc_case(
        module=twitch,
        make=lambda: Twitch(client_id=CID, client_secret=CSECRET),
        id="twitch",
        name="Twitch",
        issuer="https://id.twitch.tv/oauth2",
        scope="openid user:read:email",
        checks=("pkce", "state", "nonce"),
        auth_method="client_secret_post",
        params={"claims": '{"id_token": {"email": null, "picture": null, "preferred_username": null}}'},
        profile={
            "aud": CID,
            "exp": 1700003600,
            "iat": 1700000000,
            "iss": "https://id.twitch.tv/oauth2",
            "sub": "713936733",
            "azp": CID,
            "email": "ada@example.com",
            "email_verified": True,
            "picture": "https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-d0c0-4576-b179-38bd5ce1d6af-profile_image-150x150.png",
            "preferred_username": "ada_streams",
        },
        user={
            "id": "713936733",
            "name": "ada_streams",
            "email": "ada@example.com",
            "image": "https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-d0c0-4576-b179-38bd5ce1d6af-profile_image-150x150.png",
        },
    ),
    Case(
        module=spotify,
        make=lambda: Spotify(client_id=CID, client_secret=CSECRET),
        id="spotify",
        name="Spotify",
        type="oauth",
        authorize="https://accounts.spotify.com/authorize",
        scope="user-read-email",
        checks=None,
        auth_method="client_secret_basic",
        profile={
            "country": "SE",
            "display_name": "JM Wizzler",
            "email": "email@example.com",
            "external_urls": {"spotify": "https://open.spotify.com/user/wizzler"},
            "followers": {"href": None, "total": 3829},
            "href": "https://api.spotify.com/v1/users/wizzler",
            "id": "wizzler",
            "images": [{"height": 300, "url": "https://i.scdn.co/image/ab67757000003b82", "width": 300}],
            "product": "premium",
            "type": "user",
            "uri": "spotify:user:wizzler",
        },
        user={
            "id": "wizzler",
            "name": "JM Wizzler",
            "email": "email@example.com",
            "image": "https://i.scdn.co/image/ab67757000003b82",
        },
    ),
    Case(
        module=zoom,
        make=lambda: Zoom(client_id=CID, client_secret=CSECRET),
        id="zoom",
        name="Zoom",
        type="oauth",
        authorize="https://zoom.us/oauth/authorize",
        scope="",
        checks=None,
        auth_method="client_secret_basic",
        profile={
            "id": "KDcuGIm1QgePTO8WbOqwIQ",
            "first_name": "Jill",
            "last_name": "Chill",
            "display_name": "Jill Chill",
            "email": "jchill@example.com",
            "type": 1,
            "pmi": 3542471135,
            "timezone": "Asia/Shanghai",
            "verified": 1,
            "pic_url": "https://example.zoom.us/p/KDcuGIm1QgePTO8WbOqwIQ/photo.jpg",
            "account_id": "q6gBJVO5TzexKYTb_I2rpg",
            "status": "active",
        },
        user={
            "id": "KDcuGIm1QgePTO8WbOqwIQ",
            "name": "Jill Chill",
            "email": "jchill@example.com",
            "image": "https://example.zoom.us/p/KDcuGIm1QgePTO8WbOqwIQ/photo.jpg",
        },
    ),
    Case(
        module=dropbox,
        make=lambda: Dropbox(client_id=CID, client_secret=CSECRET),
        id="dropbox",
        name="Dropbox",
        type="oauth",
        authorize="https://www.dropbox.com/oauth2/authorize",
        scope="account_info.read",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        params={"token_access_type": "offline"},
        profile={
            "account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
            "name": {
                "given_name": "Franz",
                "surname": "Ferdinand",
                "familiar_name": "Franz",
                "display_name": "Franz Ferdinand (Personal)",
                "abbreviated_name": "FF",
            },
            "email": "franz@dropbox.com",
            "email_verified": True,
            "disabled": False,
            "locale": "en",
            "is_paired": True,
            "account_type": {".tag": "business"},
            "profile_photo_url": "https://dl-web.dropbox.com/account_photo/get/dbaphid%3AAAHWGmIXV3sUuOmBfTz0wPsiqHUpBWvv3ZA",
            "country": "US",
        },
        user={
            "id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
            "name": "Franz Ferdinand (Personal)",
            "email": "franz@dropbox.com",
            "image": "https://dl-web.dropbox.com/account_photo/get/dbaphid%3AAAHWGmIXV3sUuOmBfTz0wPsiqHUpBWvv3ZA",
        },
    ),
    Case(
        module=notion,
        make=lambda: Notion(client_id=CID, client_secret=CSECRET),
        id="notion",
        name="Notion",
        type="oauth",
        authorize="https://api.notion.com/v1/oauth/authorize",
        scope=None,
        checks=None,
        auth_method="client_secret_basic",
        params={"owner": "user"},
        profile={
            "object": "user",
            "id": "e79a0b74-3aba-4149-9f74-0bb5791a6ee6",
            "name": "Avocado Lovelace",
            "avatar_url": "https://secure.notion-static.com/e6a352a8-8381-44d0-a1dc-9ed80e62b53d.jpg",
            "type": "person",
            "person": {"email": "avo@example.org"},
        },
        user={
            "id": "e79a0b74-3aba-4149-9f74-0bb5791a6ee6",
            "name": "Avocado Lovelace",
            "email": "avo@example.org",
            "image": "https://secure.notion-static.com/e6a352a8-8381-44d0-a1dc-9ed80e62b53d.jpg",
        },
    ),
    Case(
        module=atlassian,
        make=lambda: Atlassian(client_id=CID, client_secret=CSECRET),
        id="atlassian",
        name="Atlassian",
        type="oauth",
        authorize="https://auth.atlassian.com/authorize",
        scope="read:me",
        checks=("state",),
        auth_method="client_secret_post",
        params={"audience": "api.atlassian.com", "prompt": "consent"},
        profile={
            "account_type": "atlassian",
            "account_id": "112233aa-bb11-cc22-33dd-eeff44556677",
            "email": "mia@example.com",
            "email_verified": True,
            "name": "Mia Krystof",
            "picture": "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/112233aa/1234abcd.png",
            "account_status": "active",
            "nickname": "mkrystof",
            "zoneinfo": "Australia/Sydney",
            "locale": "en-US",
        },
        user={
            "id": "112233aa-bb11-cc22-33dd-eeff44556677",
            "name": "Mia Krystof",
            "email": "mia@example.com",
            "image": "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/112233aa/1234abcd.png",
        },
    ),
    oidc_case(
        module=salesforce,
        make=lambda: Salesforce(client_id=CID, client_secret=CSECRET),
        id="salesforce",
        name="Salesforce",
        issuer="https://login.salesforce.com",
        metadata=discovery(
            "https://login.salesforce.com",
            base="https://login.salesforce.com/services/oauth2",
            jwks_uri="https://login.salesforce.com/id/keys",
        ),
        scope="openid profile email",
        checks=("pkce", "state", "nonce"),
        auth_method="client_secret_basic",
        profile={
            "sub": "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
            "user_id": "005xx000001SwiUAAS",
            "organization_id": "00Dxx0000001gPLEAY",
            "preferred_username": "ada@example.com",
            "nickname": "ada",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "email_verified": True,
            "given_name": "Ada",
            "family_name": "Lovelace",
            "zoneinfo": "America/Los_Angeles",
            "picture": "https://example.file.force.com/profilephoto/005/F",
            "user_type": "STANDARD",
            "active": True,
        },
        user={
            "id": "005xx000001SwiUAAS",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "image": "https://example.file.force.com/profilephoto/005/F",
        },
    ),
    Case(
        module=strava,
        make=lambda: Strava(client_id=CID, client_secret=CSECRET),
        id="strava",
        name="Strava",
        type="oauth",
        authorize="https://www.strava.com/oauth/authorize",
        scope="read",
        checks=None,
        auth_method="client_secret_post",
        params={"approval_prompt": "auto"},
        profile={
            "id": 1234567890987654321,
            "username": "marianne_t",
            "resource_state": 3,
            "firstname": "Marianne",
            "lastname": "Teutenberg",
            "city": "San Francisco",
            "country": "US",
            "profile_medium": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/123456789/2/medium.jpg",
            "profile": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/123456789/2/large.jpg",
        },
        user={
            "id": "1234567890987654321",
            "name": "Marianne Teutenberg",
            "email": None,
            "image": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/123456789/2/large.jpg",
        },
    ),
    oidc_case(
        module=auth0,
        make=lambda: Auth0(client_id=CID, client_secret=CSECRET, domain="acme.eu.auth0.com"),
        id="auth0",
        name="Auth0",
        issuer="https://acme.eu.auth0.com/",
        metadata=discovery(
            "https://acme.eu.auth0.com/",
            token_endpoint="https://acme.eu.auth0.com/oauth/token",
            jwks_uri="https://acme.eu.auth0.com/.well-known/jwks.json",
        ),
        scope="openid email profile",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "sub": "auth0|507f1f77bcf86cd799439020",
            "given_name": "John",
            "family_name": "Doe",
            "nickname": "john.doe",
            "name": "John Doe",
            "picture": "https://s.gravatar.com/avatar/58a1f0c6.png",
            "updated_at": "2023-11-14T22:13:20.000Z",
            "email": "john.doe@example.com",
            "email_verified": True,
            "iss": "https://acme.eu.auth0.com/",
            "aud": CID,
            "iat": 1700000000,
            "exp": 1700036000,
        },
        user={
            "id": "auth0|507f1f77bcf86cd799439020",
            "name": "John Doe",
            "email": "john.doe@example.com",
            "image": "https://s.gravatar.com/avatar/58a1f0c6.png",
        },
    ),
    oidc_case(
        module=okta,
        make=lambda: Okta(client_id=CID, client_secret=CSECRET, issuer="https://dev-123456.okta.com/oauth2/default"),
        id="okta",
        name="Okta",
        issuer="https://dev-123456.okta.com/oauth2/default",
        metadata=discovery(
            "https://dev-123456.okta.com/oauth2/default", base="https://dev-123456.okta.com/oauth2/default/v1"
        ),
        scope="openid email profile",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "sub": "00uid4BxXw6I6TV4m0g3",
            "name": "John Doe",
            "email": "john.doe@example.com",
            "ver": 1,
            "iss": "https://dev-123456.okta.com/oauth2/default",
            "aud": CID,
            "iat": 1700000000,
            "exp": 1700003600,
            "jti": "ID.4eAWJOCMB3SX8XewDfVR",
            "amr": ["pwd"],
            "idp": "00ok1u7AsAkrwdZL3z0g3",
            "preferred_username": "john.doe@example.com",
            "auth_time": 1700000000,
            "email_verified": True,
        },
        user={"id": "00uid4BxXw6I6TV4m0g3", "name": "John Doe", "email": "john.doe@example.com", "image": None},
    ),
    oidc_case(
        module=keycloak,
        make=lambda: Keycloak(client_id=CID, client_secret=CSECRET, issuer="https://kc.example.com/realms/acme"),
        id="keycloak",
        name="Keycloak",
        issuer="https://kc.example.com/realms/acme",
        metadata=discovery(
            "https://kc.example.com/realms/acme",
            base="https://kc.example.com/realms/acme/protocol/openid-connect",
            authorization_endpoint="https://kc.example.com/realms/acme/protocol/openid-connect/auth",
            jwks_uri="https://kc.example.com/realms/acme/protocol/openid-connect/certs",
        ),
        scope="openid email profile",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "exp": 1700000300,
            "iat": 1700000000,
            "auth_time": 1700000000,
            "jti": "6c6b1f0b-6c9b-4b45-9a6e-0a2f0b3d2e1f",
            "iss": "https://kc.example.com/realms/acme",
            "aud": CID,
            "sub": "f:5b2c4a7e-1f0e-4b1a-9c3d-7e8f9a0b1c2d:ada",
            "typ": "ID",
            "azp": CID,
            "sid": "a1b2c3d4",
            "email_verified": True,
            "preferred_username": "ada",
            "email": "ada@example.com",
        },
        user={
            "id": "f:5b2c4a7e-1f0e-4b1a-9c3d-7e8f9a0b1c2d:ada",
            "name": "ada",
            "email": "ada@example.com",
            "image": None,
        },
    ),
    oidc_case(
        module=cognito,
        make=lambda: Cognito(
            client_id=CID, client_secret=CSECRET, region="eu-west-1", user_pool_id="eu-west-1_AbCdEf123"
        ),
        id="cognito",
        name="Cognito",
        issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
        metadata=discovery(
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
            base="https://acme.auth.eu-west-1.amazoncognito.com/oauth2",
            userinfo_endpoint="https://acme.auth.eu-west-1.amazoncognito.com/oauth2/userInfo",
            jwks_uri="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json",
        ),
        scope="openid email profile",
        checks=("pkce", "state", "nonce"),
        auth_method="client_secret_basic",
        profile={
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "email_verified": True,
            "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
            "cognito:username": "ada",
            "aud": CID,
            "token_use": "id",
            "auth_time": 1700000000,
            "name": "Ada Lovelace",
            "exp": 1700003600,
            "iat": 1700000000,
            "email": "ada@example.com",
        },
        user={
            "id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "image": None,
        },
    ),
    oidc_case(
        module=azure_ad_b2c,
        make=lambda: AzureADB2C(client_id=CID, client_secret=CSECRET, tenant="contoso", user_flow="B2C_1_signupsignin"),
        id="azure-ad-b2c",
        name="Azure AD B2C",
        issuer=f"https://contoso.b2clogin.com/{B2C_TENANT_ID}/v2.0/",
        discovery_url=(
            "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signupsignin/v2.0/.well-known/openid-configuration"
        ),
        metadata=discovery(
            f"https://contoso.b2clogin.com/{B2C_TENANT_ID}/v2.0/",
            base="https://contoso.b2clogin.com/contoso.onmicrosoft.com/b2c_1_signupsignin/oauth2/v2.0",
            jwks_uri="https://contoso.b2clogin.com/contoso.onmicrosoft.com/b2c_1_signupsignin/discovery/v2.0/keys",
        ),
        scope="openid offline_access",
        checks=("pkce", "state", "nonce"),
        auth_method="client_secret_basic",
        profile={
            "exp": 1700003600,
            "nbf": 1700000000,
            "ver": "1.0",
            "iss": f"https://contoso.b2clogin.com/{B2C_TENANT_ID}/v2.0/",
            "sub": "45e2cc38-1d97-46d6-9d2e-e4d2a3a9bd95",
            "aud": CID,
            "iat": 1700000000,
            "auth_time": 1700000000,
            "oid": "45e2cc38-1d97-46d6-9d2e-e4d2a3a9bd95",
            "name": "Ada Lovelace",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "emails": ["ada@example.com", "ada@work.example"],
            "tfp": "B2C_1_signupsignin",
        },
        user={
            "id": "45e2cc38-1d97-46d6-9d2e-e4d2a3a9bd95",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "image": None,
        },
    ),
    oidc_case(
        module=authentik,
        make=lambda: Authentik(
            client_id=CID, client_secret=CSECRET, issuer="https://authentik.example.com/application/o/acme/"
        ),
        id="authentik",
        name="Authentik",
        issuer="https://authentik.example.com/application/o/acme/",
        discovery_url="https://authentik.example.com/application/o/acme/.well-known/openid-configuration",
        metadata=discovery(
            "https://authentik.example.com/application/o/acme/",
            authorization_endpoint="https://authentik.example.com/application/o/authorize/",
            token_endpoint="https://authentik.example.com/application/o/token/",
            userinfo_endpoint="https://authentik.example.com/application/o/userinfo/",
            jwks_uri="https://authentik.example.com/application/o/acme/jwks/",
        ),
        scope="openid email profile",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "iss": "https://authentik.example.com/application/o/acme/",
            "sub": "a7f3c2e1b0d94f8e9a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
            "aud": CID,
            "exp": 1700003600,
            "iat": 1700000000,
            "auth_time": 1700000000,
            "acr": "goauthentik.io/providers/oauth2/default",
            "email": "ada@example.com",
            "email_verified": True,
            "name": "Ada Lovelace",
            "given_name": "Ada Lovelace",
            "preferred_username": "ada",
            "nickname": "ada",
            "groups": ["authentik Admins"],
        },
        user={
            "id": "a7f3c2e1b0d94f8e9a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "image": None,
        },
    ),
    oidc_case(
        module=zitadel,
        make=lambda: Zitadel(client_id=CID, client_secret=CSECRET, issuer="https://acme.zitadel.cloud"),
        id="zitadel",
        name="ZITADEL",
        issuer="https://acme.zitadel.cloud",
        metadata=discovery(
            "https://acme.zitadel.cloud",
            authorization_endpoint="https://acme.zitadel.cloud/oauth/v2/authorize",
            token_endpoint="https://acme.zitadel.cloud/oauth/v2/token",
            userinfo_endpoint="https://acme.zitadel.cloud/oidc/v1/userinfo",
            jwks_uri="https://acme.zitadel.cloud/oauth/v2/keys",
        ),
        scope="openid email profile",
        checks=("pkce", "state"),
        auth_method="client_secret_basic",
        profile={
            "iss": "https://acme.zitadel.cloud",
            "sub": "218463902384956927",
            "aud": [CID, "218463902384890000"],
            "exp": 1700043200,
            "iat": 1700000000,
            "auth_time": 1700000000,
            "amr": ["pwd"],
            "azp": CID,
            "client_id": CID,
            "email": "ada@example.com",
            "email_verified": True,
            "family_name": "Lovelace",
            "given_name": "Ada",
            "locale": "en",
            "name": "Ada Lovelace",
            "preferred_username": "ada@acme.zitadel.cloud",
            "updated_at": 1699990000,
        },
        user={"id": "218463902384956927", "name": "Ada Lovelace", "email": "ada@example.com", "image": None},
    ),
    Case(
        module=yandex,
        make=lambda: Yandex(client_id=CID, client_secret=CSECRET),
        id="yandex",
        name="Yandex",
        type="oauth",
        authorize="https://oauth.yandex.ru/authorize",
        scope="login:info login:email login:avatar",
        checks=None,
        auth_method="client_secret_basic",
        profile={
            "id": "1000034426",
            "login": "ivan",
            "client_id": "4760187d81bc4b7799476b42b5103713",
            "display_name": "Ivan",
            "real_name": "Ivan Ivanov",
            "first_name": "Ivan",
            "last_name": "Ivanov",
            "sex": "male",
            "default_email": "test@yandex.ru",
            "emails": ["test@yandex.ru", "other-test@yandex.ru"],
            "default_avatar_id": "131652443",
            "is_avatar_empty": False,
            "psuid": "1.AAceCw.tbHgw5DtJ9_zeqPrk-Ba2w.qPWSRC5v2t2IaksPJgnge",
        },
        user={
            "id": "1000034426",
            "name": "Ivan",
            "email": "test@yandex.ru",
            "image": "https://avatars.yandex.net/get-yapic/131652443/islands-200",
        },
    ),
    Case(
        module=patreon,
        make=lambda: Patreon(client_id=CID, client_secret=CSECRET),
        id="patreon",
        name="Patreon",
        type="oauth",
        authorize="https://www.patreon.com/oauth2/authorize",
        scope="identity identity[email]",
        checks=None,
        auth_method="client_secret_post",
        profile={
            "data": {
                "attributes": {
                    "email": "corgi@example.com",
                    "full_name": "Corgi The Dev",
                    "image_url": "https://c8.patreon.com/2/200/0000000",
                    "is_email_verified": True,
                },
                "id": "0000000",
                "type": "user",
            },
            "links": {"self": "https://www.patreon.com/api/oauth2/v2/user/0000000"},
        },
        user={
            "id": "0000000",
            "name": "Corgi The Dev",
            "email": "corgi@example.com",
            "image": "https://c8.patreon.com/2/200/0000000",
        },
    ),
]
CASE_IDS = [case.id for case in CASES]


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch, clean_auth_env: None) -> None:
    """Metadata and JWKS are cached per process: start every test without them."""
    monkeypatch.setattr(oauth_module, "_metadata_cache", {})
    monkeypatch.setattr(oauth_module, "_jwks_cache", {})


def serve(routes: Mapping[str, Callable[[httpx2.Request], httpx2.Response]]) -> httpx2.MockTransport:
    """A transport answering ``"METHOD url-without-query"`` routes; anything else fails the test."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        key = f"{request.method} {request.url.copy_with(query=None)}"
        if key not in routes:
            pytest.fail(f"unexpected outgoing request {key}")
        return routes[key](request)

    return httpx2.MockTransport(handler)


def json_response(body: Any) -> Callable[[httpx2.Request], httpx2.Response]:
    return lambda request: httpx2.Response(200, json=body)


def transport_for(case: Case) -> httpx2.MockTransport:
    if case.discovery_url is None:
        return serve({})  # explicit endpoints: signing in must not touch the network
    assert case.metadata is not None
    return serve({f"GET {case.discovery_url}": json_response(case.metadata)})


async def start_sign_in(provider: OAuthProvider, transport: httpx2.MockTransport, format: Format) -> AuthResponse:
    """POST /api/auth/signin/<id> with a valid double-submit CSRF token."""
    options = AuthOptions(secret=SECRET, providers=[provider], url=ORIGIN, http_transport=transport, format=format)
    cookie = "next-auth.csrf-token" if format == "v4" else "authjs.csrf-token"
    request = AuthRequest(
        method="POST",
        url=f"{ORIGIN}/api/auth/signin/{provider.id}",
        cookies={cookie: f"{CSRF}|{csrf_hash(CSRF, SECRET)}"},
        body={"csrfToken": CSRF},
    )
    return await handle(request, options, now=NOW)


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


# --- configuration and authorization URL ------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_preset_configuration(case: Case) -> None:
    provider = case.make()
    assert isinstance(provider, OAuthProvider)
    assert (provider.id, provider.name, provider.type) == (case.id, case.name, case.type)
    assert provider.checks == case.checks
    assert provider.client_auth_method == case.auth_method
    assert provider.profile is case.module.profile
    assert provider.style is not None
    assert provider.style.bg is not None
    assert provider.style.text is not None
    assert provider.style.logo is None


def test_there_are_thirty_presets() -> None:
    assert len(CASES) == len(set(CASE_IDS)) == 30


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
async def test_authorization_url(case: Case, format: Format) -> None:
    response = await start_sign_in(case.make(), transport_for(case), format)

    assert response.status == 302
    assert response.redirect is not None
    location = urlsplit(response.redirect)
    assert f"{location.scheme}://{location.netloc}{location.path}" == case.authorize
    params = query(response.redirect)
    assert params["client_id"] == ("com.example.web" if case.id == "apple" else CID)
    assert params["redirect_uri"] == f"{ORIGIN}/api/auth/callback/{case.id}"
    assert params["response_type"] == "code"
    if case.scope is not None:
        assert params["scope"] == case.scope
    elif format == "v5":  # Auth.js adds a default scope; next-auth 4 sends none
        assert params["scope"] == "openid profile email"
    else:
        assert "scope" not in params
    checks = case.checks or (("state",) if format == "v4" else ("pkce", "state"))
    if "pkce" in checks:
        assert len(params["code_challenge"]) == 43
        assert params["code_challenge_method"] == "S256"
    else:
        assert "code_challenge" not in params
    assert ("state" in params) == ("state" in checks)
    assert ("nonce" in params) == ("nonce" in checks)
    for name, value in case.params.items():
        assert params[name] == value


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_profile_mapping(case: Case) -> None:
    assert case.module.profile(dict(case.profile), {"access_token": "at", "token_type": "bearer"}) == case.user


# --- preset options ---------------------------------------------------------------------------


def test_overrides_reach_oauth() -> None:
    provider = GitHub(
        client_id=CID,
        client_secret=CSECRET,
        scope="read:user",
        checks=["pkce", "state"],
        allow_dangerous_email_account_linking=True,
        name="GitHub Enterprise",
    )
    assert provider.authorization.params["scope"] == "read:user"
    assert provider.checks == ("pkce", "state")
    assert provider.allow_dangerous_email_account_linking is True
    assert provider.name == "GitHub Enterprise"


def test_oidc_overrides_reach_oidc() -> None:
    provider = Google(client_id=CID, client_secret=CSECRET, checks=("pkce", "state", "nonce"), id="google-work")
    assert provider.checks == ("pkce", "state", "nonce")
    assert provider.id == "google-work"
    assert provider.issuer == "https://accounts.google.com"


def test_github_enterprise_server() -> None:
    provider = GitHub(client_id=CID, client_secret=CSECRET, base_url="https://github.example.com/")
    assert provider.authorization.url == "https://github.example.com/login/oauth/authorize"
    assert provider.token.url == "https://github.example.com/login/oauth/access_token"
    assert provider.userinfo.url == "https://github.example.com/api/v3/user"


def test_gitlab_self_managed() -> None:
    provider = GitLab(client_id=CID, client_secret=CSECRET, base_url="https://gitlab.example.com")
    assert provider.authorization.url == "https://gitlab.example.com/oauth/authorize"
    assert provider.userinfo.url == "https://gitlab.example.com/api/v4/user"


COGNITO_POOL = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X"


@pytest.mark.parametrize(
    ("make", "issuer"),
    [
        (
            lambda: Auth0(client_id=CID, client_secret=CSECRET, domain="https://acme.us.auth0.com/"),
            "https://acme.us.auth0.com/",
        ),
        (
            lambda: Auth0(client_id=CID, client_secret=CSECRET, issuer="https://login.acme.com/"),
            "https://login.acme.com/",
        ),
        (lambda: Cognito(client_id=CID, client_secret=CSECRET, issuer=COGNITO_POOL), COGNITO_POOL),
        (
            lambda: Salesforce(client_id=CID, client_secret=CSECRET, issuer="https://test.salesforce.com"),
            "https://test.salesforce.com",
        ),
    ],
)
def test_issuer_parameters(make: Callable[[], OAuthProvider], issuer: str) -> None:
    assert make().issuer == issuer


def test_public_clients_need_the_none_method() -> None:
    provider = Auth0(client_id=CID, domain="acme.auth0.com", client_auth_method="none")
    assert provider.client_secret is None
    with pytest.raises(ConfigurationError):
        Auth0(client_id=CID, domain="acme.auth0.com")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Auth0(client_id=CID, client_secret=CSECRET),
        lambda: Cognito(client_id=CID, client_secret=CSECRET, region="eu-west-1"),
    ],
)
def test_issuer_is_required(make: Callable[[], OAuthProvider]) -> None:
    with pytest.raises(ConfigurationError):
        make()


def test_entra_single_tenant_fixes_the_issuer() -> None:
    provider = MicrosoftEntraID(client_id=CID, client_secret=CSECRET, tenant_id=ENTRA_TENANT)
    assert provider.issuer == f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0"
    assert provider.authorization.url == f"https://login.microsoftonline.com/{ENTRA_TENANT}/oauth2/v2.0/authorize"
    assert provider.jwks_uri == f"https://login.microsoftonline.com/{ENTRA_TENANT}/discovery/v2.0/keys"
    assert MicrosoftEntraID(client_id=CID, client_secret=CSECRET).issuer is None


def test_entra_profile_rejects_an_issuer_of_another_tenant() -> None:
    claims = dict(CASES[CASE_IDS.index("microsoft-entra-id")].profile)
    claims["iss"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
    with pytest.raises(ValueError, match="tid"):
        microsoft_entra_id.profile(claims)  # type: ignore[arg-type]


def test_x_is_twitter_by_another_name() -> None:
    provider = X(client_id=CID, client_auth_method="none")
    assert (provider.id, provider.name) == ("twitter", "X")
    assert provider.authorization == Twitter(client_id=CID, client_secret=CSECRET).authorization


def test_apple_client_secret_goes_in_the_body() -> None:
    provider = Apple(client_id="com.example.web", client_secret="eyJ.jwt.sig")
    assert provider.client_auth_method == "client_secret_post"
    assert provider.authorization.params["response_mode"] == "form_post"


@pytest.mark.parametrize(
    ("profile", "name", "image"),
    [
        ({"id": 1, "login": "octo", "name": None, "avatar_url": "https://a/1"}, "octo", "https://a/1"),
        ({"id": 2, "login": "octo", "name": "Octo Cat"}, "Octo Cat", None),
    ],
)
def test_github_name_falls_back_to_login(profile: dict[str, Any], name: str, image: str | None) -> None:
    user = github.profile(profile)  # type: ignore[arg-type]
    assert (user["name"], user["image"]) == (name, image)


@pytest.mark.parametrize(
    ("profile", "image"),
    [
        (
            {"id": "80351110224678912", "discriminator": "0", "avatar": None},
            "https://cdn.discordapp.com/embed/avatars/5.png",
        ),
        (
            {"id": "80351110224678912", "discriminator": "1337", "avatar": None},
            "https://cdn.discordapp.com/embed/avatars/2.png",
        ),
        (
            {"id": "80351110224678912", "discriminator": "0", "avatar": "a_1234"},
            "https://cdn.discordapp.com/avatars/80351110224678912/a_1234.gif",
        ),
    ],
)
def test_discord_avatars(profile: dict[str, Any], image: str) -> None:
    assert discord.profile(profile)["image"] == image  # type: ignore[arg-type]


def test_yandex_without_avatar_or_default_email() -> None:
    user = yandex.profile({"id": "1", "real_name": "Ivan Ivanov", "emails": ["a@ya.ru"], "is_avatar_empty": True})
    assert user == {"id": "1", "name": "Ivan Ivanov", "email": "a@ya.ru", "image": None}


# --- custom userinfo requests -----------------------------------------------------------------

GITHUB_USER = dict(CASES[0].profile, email=None)


def github_routes(emails: httpx2.Response, seen: list[httpx2.Request]) -> httpx2.MockTransport:
    def user(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=GITHUB_USER)

    def user_emails(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return emails

    return serve({"GET https://api.github.com/user": user, "GET https://api.github.com/user/emails": user_emails})


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        (
            [
                {"email": "old@example.com", "primary": False, "verified": True, "visibility": None},
                {"email": "unverified@example.com", "primary": False, "verified": False, "visibility": None},
                {"email": "octocat@github.com", "primary": True, "verified": True, "visibility": "private"},
                {"email": "583231+octocat@users.noreply.github.com", "primary": False, "verified": True},
            ],
            "octocat@github.com",
        ),
        (
            [
                {"email": "primary-unverified@example.com", "primary": True, "verified": False},
                {"email": "second@example.com", "primary": False, "verified": True},
            ],
            "second@example.com",
        ),
        ([{"email": "nope@example.com", "primary": True, "verified": False}], None),
        ([], None),
    ],
)
async def test_github_userinfo_picks_the_primary_verified_email(
    emails: list[dict[str, Any]], expected: str | None
) -> None:
    seen: list[httpx2.Request] = []
    provider = GitHub(client_id=CID, client_secret=CSECRET)
    async with httpx2.AsyncClient(transport=github_routes(httpx2.Response(200, json=emails), seen)) as client:
        data = await github.fetch_profile(client=client, tokens={"access_token": "gho_abc"}, provider=provider)

    assert data["email"] == expected
    assert data["login"] == "octocat"
    assert [r.url.path for r in seen] == ["/user", "/user/emails"]
    for request in seen:
        assert request.headers["authorization"] == "Bearer gho_abc"
        assert request.headers["user-agent"] == "authsession"


async def test_github_userinfo_keeps_a_public_email_and_survives_a_refused_email_list() -> None:
    seen: list[httpx2.Request] = []
    provider = GitHub(client_id=CID, client_secret=CSECRET)
    transport = github_routes(httpx2.Response(404, json={"message": "Not Found"}), seen)
    async with httpx2.AsyncClient(transport=transport) as client:
        data = await github.fetch_profile(client=client, tokens={"access_token": "gho_abc"}, provider=provider)
    assert data["email"] is None
    assert len(seen) == 2

    public = dict(GITHUB_USER, email="octocat@github.com")
    transport = serve({"GET https://api.github.com/user": json_response(public)})
    async with httpx2.AsyncClient(transport=transport) as client:
        data = await github.fetch_profile(client=client, tokens={"access_token": "gho_abc"}, provider=provider)
    assert data["email"] == "octocat@github.com"


@dataclass(frozen=True)
class UserinfoCase:
    make: Callable[[], OAuthProvider]
    route: str
    answer: Any
    headers: Mapping[str, str]
    expected: Mapping[str, Any]
    params: Mapping[str, str] = field(default_factory=dict)


NOTION_ME = {
    "object": "user",
    "id": "92a680bb-6970-4726-952b-4f4c03bff617",
    "name": "Acme integration",
    "avatar_url": None,
    "type": "bot",
    "bot": {
        "owner": {"type": "user", "user": dict(CASES[CASE_IDS.index("notion")].profile)},
        "workspace_name": "Acme",
    },
}

USERINFO_CASES = [
    UserinfoCase(
        make=lambda: Dropbox(client_id=CID, client_secret=CSECRET),
        route="POST https://api.dropboxapi.com/2/users/get_current_account",
        answer=CASES[CASE_IDS.index("dropbox")].profile,
        headers={"authorization": "Bearer at-1"},
        expected=CASES[CASE_IDS.index("dropbox")].profile,
    ),
    UserinfoCase(
        make=lambda: Notion(client_id=CID, client_secret=CSECRET),
        route="GET https://api.notion.com/v1/users/me",
        answer=NOTION_ME,
        headers={"authorization": "Bearer at-1", "notion-version": "2022-06-28"},
        expected=CASES[CASE_IDS.index("notion")].profile,
    ),
    UserinfoCase(
        make=lambda: Reddit(client_id=CID, client_secret=CSECRET, user_agent="web:acme:1.0 (by /u/ada)"),
        route="GET https://oauth.reddit.com/api/v1/me",
        answer=CASES[CASE_IDS.index("reddit")].profile,
        headers={"authorization": "Bearer at-1", "user-agent": "web:acme:1.0 (by /u/ada)"},
        expected=CASES[CASE_IDS.index("reddit")].profile,
    ),
    UserinfoCase(
        make=lambda: Yandex(client_id=CID, client_secret=CSECRET),
        route="GET https://login.yandex.ru/info",
        answer=CASES[CASE_IDS.index("yandex")].profile,
        headers={"authorization": "OAuth at-1"},
        expected=CASES[CASE_IDS.index("yandex")].profile,
        params={"format": "json"},
    ),
]


@pytest.mark.parametrize("case", USERINFO_CASES, ids=["dropbox", "notion", "reddit", "yandex"])
async def test_custom_userinfo_requests(case: UserinfoCase) -> None:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=case.answer)

    provider = case.make()
    assert provider.userinfo_request is not None
    async with httpx2.AsyncClient(transport=serve({case.route: answer})) as client:
        data = await call(provider.userinfo_request, client=client, tokens={"access_token": "at-1"}, provider=provider)

    assert data == case.expected
    (request,) = seen
    for name, value in case.headers.items():
        assert request.headers[name] == value
    assert dict(request.url.params) == dict(case.params)


async def test_reddit_default_user_agent_names_the_app() -> None:
    provider = Reddit(client_id="abc", client_secret=CSECRET)
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"id": "1", "name": "spez"})

    assert provider.userinfo_request is not None
    async with httpx2.AsyncClient(transport=serve({"GET https://oauth.reddit.com/api/v1/me": answer})) as client:
        await call(provider.userinfo_request, client=client, tokens={"access_token": "at"}, provider=provider)
    assert seen[0].headers["user-agent"] == "web:abc:authsession"


async def test_notion_refuses_a_workspace_owned_integration() -> None:
    provider = Notion(client_id=CID, client_secret=CSECRET)
    me = dict(NOTION_ME, bot={"owner": {"type": "workspace", "workspace": True}})
    transport = serve({"GET https://api.notion.com/v1/users/me": json_response(me)})
    assert provider.userinfo_request is not None
    async with httpx2.AsyncClient(transport=transport) as client:
        with pytest.raises(ValueError, match="workspace"):
            await call(provider.userinfo_request, client=client, tokens={"access_token": "at"}, provider=provider)


# --- full sign-ins ----------------------------------------------------------------------------

E2E_ORIGIN = "http://localhost:3000"  # the CoreClient's host


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
async def test_github_sign_in_end_to_end(format: Format) -> None:
    emails = [
        {"email": "old@example.com", "primary": False, "verified": True},
        {"email": "Octocat@GitHub.com", "primary": True, "verified": True},
    ]
    challenge: dict[str, str] = {}

    def token(request: httpx2.Request) -> httpx2.Response:
        form = dict(parse_qsl(request.content.decode()))
        assert form["grant_type"] == "authorization_code"
        assert form["code"] == "gh-code-1"
        assert form["redirect_uri"] == f"{E2E_ORIGIN}/api/auth/callback/github"
        assert (form["client_id"], form["client_secret"]) == (CID, CSECRET)  # client_secret_post
        assert "authorization" not in request.headers
        if "code_challenge" in challenge:
            assert s256(form["code_verifier"]) == challenge["code_challenge"]
        else:
            assert "code_verifier" not in form
        # GitHub answers form-encoded unless asked for JSON
        assert request.headers["accept"] == "application/json"
        return httpx2.Response(
            200, json={"access_token": "gho_16C7e42F", "token_type": "bearer", "scope": "read:user,user:email"}
        )

    transport = serve(
        {
            "POST https://github.com/login/oauth/access_token": token,
            "GET https://api.github.com/user": json_response(GITHUB_USER),
            "GET https://api.github.com/user/emails": json_response(emails),
        }
    )
    options = AuthOptions(
        secret=SECRET,
        providers=[GitHub(client_id=CID, client_secret=CSECRET)],
        url=E2E_ORIGIN,
        http_transport=transport,
        format=format,
    )
    browser = CoreClient(options)
    csrf = await browser.csrf_token()

    response = await browser.request("POST", "signin/github", body={"csrfToken": csrf, "callbackUrl": "/dashboard"})
    assert response.status == 302
    assert response.redirect is not None
    params = query(response.redirect)
    challenge.update({k: v for k, v in params.items() if k == "code_challenge"})
    assert "state" in params  # both formats: v4 by default, v5 since PKCE gained state (issue 9)

    callback_query = {"code": "gh-code-1"} | ({"state": params["state"]} if "state" in params else {})
    response = await browser.request("GET", "callback/github", query=callback_query)
    assert response.status == 302
    assert response.redirect == f"{E2E_ORIGIN}/dashboard"
    assert browser.session_cookie_names()

    session = await browser.session()
    assert session["user"] == {
        "name": "The Octocat",
        "email": "octocat@github.com",
        "image": "https://avatars.githubusercontent.com/u/583231?v=4",
    }


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
async def test_google_sign_in_end_to_end(format: Format) -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "google-test-key", "use": "sig", "alg": "RS256"})
    case = CASES[CASE_IDS.index("google")]
    assert case.metadata is not None
    metadata = case.metadata
    issued: dict[str, str] = {}

    def token(request: httpx2.Request) -> httpx2.Response:
        form = dict(parse_qsl(request.content.decode()))
        assert form["code"] == "4/0AX4XfWh-google-code"
        assert form["redirect_uri"] == f"{E2E_ORIGIN}/api/auth/callback/google"
        assert s256(form["code_verifier"]) == issued["code_challenge"]
        expected = base64.b64encode(f"{CID}:{CSECRET}".encode()).decode()
        assert request.headers["authorization"] == f"Basic {expected}"  # client_secret_basic
        claims = dict(case.profile, iat=int(NOW), exp=int(NOW) + 3600)
        id_token = jose_jwt.encode({"alg": "RS256", "kid": "google-test-key"}, claims, key)
        return httpx2.Response(
            200,
            json={
                "access_token": "ya29.a0AfB_byC",
                "expires_in": 3599,
                "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
                "token_type": "Bearer",
                "id_token": id_token,
            },
        )

    transport = serve(
        {
            "GET https://accounts.google.com/.well-known/openid-configuration": json_response(metadata),
            "POST https://oauth2.googleapis.com/token": token,
            "GET https://www.googleapis.com/oauth2/v3/certs": json_response({"keys": [key.as_dict(private=False)]}),
        }
    )
    options = AuthOptions(
        secret=SECRET,
        providers=[Google(client_id=CID, client_secret=CSECRET)],
        url=E2E_ORIGIN,
        http_transport=transport,
        format=format,
    )
    browser = CoreClient(options)
    csrf = await browser.csrf_token()

    response = await browser.request("POST", "signin/google", body={"csrfToken": csrf})
    assert response.redirect is not None
    assert response.redirect.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    params = query(response.redirect)
    issued["code_challenge"] = params["code_challenge"]

    response = await browser.request(
        "GET", "callback/google", query={"state": params["state"], "code": "4/0AX4XfWh-google-code", "scope": "email"}
    )
    assert response.status == 302
    assert response.redirect == E2E_ORIGIN
    assert browser.session_cookie_names()

    session = await browser.session()
    assert session["user"] == {
        "name": "Ada Lovelace",
        "email": "ada@gmail.com",
        "image": "https://lh3.googleusercontent.com/a/ACg8ocJ8Zw=s96-c",
    }


async def test_google_rejects_an_id_token_signed_by_another_key() -> None:
    good = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    forged = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    case = CASES[CASE_IDS.index("google")]
    assert case.metadata is not None

    def token(request: httpx2.Request) -> httpx2.Response:
        claims = dict(case.profile, iat=int(NOW), exp=int(NOW) + 3600)
        return httpx2.Response(
            200,
            json={
                "access_token": "at",
                "token_type": "Bearer",
                "id_token": jose_jwt.encode({"alg": "RS256", "kid": "k1"}, claims, forged),
            },
        )

    transport = serve(
        {
            "GET https://accounts.google.com/.well-known/openid-configuration": json_response(case.metadata),
            "POST https://oauth2.googleapis.com/token": token,
            "GET https://www.googleapis.com/oauth2/v3/certs": json_response({"keys": [good.as_dict(private=False)]}),
        }
    )
    options = AuthOptions(
        secret=SECRET,
        providers=[Google(client_id=CID, client_secret=CSECRET)],
        url=E2E_ORIGIN,
        http_transport=transport,
    )
    browser = CoreClient(options)
    response = await browser.request("POST", "signin/google", body={"csrfToken": await browser.csrf_token()})
    assert response.redirect is not None
    state = query(response.redirect)["state"]
    response = await browser.request("GET", "callback/google", query={"state": state, "code": "c"})
    assert response.status == 302
    assert response.redirect is not None
    assert "error=" in response.redirect
    assert not browser.session_cookie_names()
    assert json.loads((await browser.request("GET", "session")).body) is None


@dataclass(frozen=True)
class OIDCFlow:
    """An OIDC preset whose ID token we sign, and the endpoints it must use."""

    case_id: str
    make: Callable[[], OAuthProvider]
    token_url: str
    jwks_url: str
    callback_method: str
    #: how the client must authenticate at the token endpoint
    auth_method: str


OIDC_FLOWS = [
    OIDCFlow(
        case_id="microsoft-entra-id",
        make=lambda: MicrosoftEntraID(client_id=CID, client_secret=CSECRET),
        token_url="https://login.microsoftonline.com/common/oauth2/v2.0/token",
        jwks_url="https://login.microsoftonline.com/common/discovery/v2.0/keys",
        callback_method="GET",
        auth_method="client_secret_basic",
    ),
    OIDCFlow(
        case_id="apple",
        make=lambda: Apple(client_id="com.example.web", client_secret="eyJhbGciOiJFUzI1NiJ9.e30.c2ln"),
        token_url="https://appleid.apple.com/auth/token",
        jwks_url="https://appleid.apple.com/auth/keys",
        callback_method="POST",  # response_mode=form_post
        auth_method="client_secret_post",
    ),
]


@pytest.mark.parametrize("flow", OIDC_FLOWS, ids=[flow.case_id for flow in OIDC_FLOWS])
async def test_oidc_preset_sign_in_with_nonce(flow: OIDCFlow) -> None:
    """Entra ID (explicit endpoints, multi-tenant issuer) and Apple (form_post) sign in with a nonce."""
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    case = CASES[CASE_IDS.index(flow.case_id)]
    provider = flow.make()
    issued: dict[str, str] = {}

    def token(request: httpx2.Request) -> httpx2.Response:
        form = dict(parse_qsl(request.content.decode()))
        assert form["code"] == "code-1"
        if flow.auth_method == "client_secret_post":
            assert (form["client_id"], form["client_secret"]) == (provider.client_id, provider.client_secret)
            assert "authorization" not in request.headers
        else:
            assert request.headers["authorization"].startswith("Basic ")
        if "code_challenge" in issued:
            assert s256(form["code_verifier"]) == issued["code_challenge"]
        claims = dict(case.profile, iat=int(NOW), exp=int(NOW) + 3600, nonce=issued["nonce"])
        id_token = jose_jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)
        return httpx2.Response(
            200, json={"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": id_token}
        )

    routes = {
        f"POST {flow.token_url}": token,
        f"GET {flow.jwks_url}": json_response({"keys": [key.as_dict(private=False)]}),
    }
    if case.discovery_url is not None:
        routes[f"GET {case.discovery_url}"] = json_response(case.metadata)
    options = AuthOptions(secret=SECRET, providers=[provider], url=E2E_ORIGIN, http_transport=serve(routes))
    browser = CoreClient(options)

    response = await browser.request("POST", f"signin/{provider.id}", body={"csrfToken": await browser.csrf_token()})
    assert response.redirect is not None
    params = query(response.redirect)
    issued.update({k: v for k, v in params.items() if k in ("code_challenge", "nonce")})
    answer = {"code": "code-1"} | ({"state": params["state"]} if "state" in params else {})
    if flow.callback_method == "POST":
        response = await browser.request("POST", f"callback/{provider.id}", body=answer)
    else:
        response = await browser.request("GET", f"callback/{provider.id}", query=answer)

    assert response.status == 302
    assert response.redirect == E2E_ORIGIN
    session = await browser.session()
    expected = {k: case.user[k] for k in ("name", "email", "image")}
    expected["email"] = expected["email"].lower()
    assert session["user"] == expected


ISSUER_PRESETS: dict[str, Callable[..., OAuthProvider]] = {
    "auth0": Auth0,
    "authentik": Authentik,
    "cognito": Cognito,
    "keycloak": Keycloak,
    "okta": Okta,
    "zitadel": Zitadel,
}


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
@pytest.mark.parametrize("preset", sorted(ISSUER_PRESETS))
async def test_presets_configured_by_issuer_sign_in_against_an_openid_provider(preset: str, format: Format) -> None:
    """Each preset you point at your own issuer runs the whole code flow against a strict provider."""
    op = InProcessOIDCProvider(
        user={"sub": "op-42", "name": "Ada Lovelace", "email": "Ada@Example.com", "picture": "https://op.test/ada.png"},
        redirect_uris=[f"{E2E_ORIGIN}/api/auth/callback/{preset}"],
        clock=lambda: NOW,
    )
    provider = ISSUER_PRESETS[preset](issuer=op.issuer, client_id=op.client_id, client_secret=op.client_secret)
    options = AuthOptions(
        secret=SECRET, providers=[provider], url=E2E_ORIGIN, http_transport=op.transport, format=format
    )
    browser = CoreClient(options)

    response = await browser.request("POST", f"signin/{preset}", body={"csrfToken": await browser.csrf_token()})
    assert response.redirect is not None
    answer = query(op.authorize(response.redirect))
    assert "code" in answer
    response = await browser.request("GET", f"callback/{preset}", query=answer)
    assert response.redirect == E2E_ORIGIN
    session = await browser.session()
    assert session["user"]["email"] == "ada@example.com"
