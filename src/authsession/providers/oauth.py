"""OAuth 2.0 and OpenID Connect providers: configuration as data, and the protocol work behind
the two hooks the core calls (:class:`~authsession.providers.OAuthConfig`): the authorization URL,
and the callback turned into a user and an account. The core answers their errors and finishes
the sign-in.

Standards: RFC 6749 §4.1 (authorization code grant) and §2.3.1 (client authentication),
RFC 7636 (PKCE), RFC 8414 / OpenID Connect Discovery 1.0 (metadata), OpenID Connect Core 1.0
§3.1.3.7 (ID token validation), RFC 9207 (``iss`` in the authorization response).
Protocol: ``docs/protocol.md`` §6.1. ID tokens are verified with joserfc against the
provider's JWKS (refetched once when a ``kid`` is unknown, so key rotation just works).
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack
from urllib.parse import quote

import httpx2
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from authsession._core import oauth as checks_
from authsession._core.oauth import Check, InvalidCheck
from authsession._core.provider import ProviderCallbackError, SignInResult
from authsession._core.user_code import call
from authsession.errors import AuthError, ConfigurationError, OAuthSignInError
from authsession.providers.base import check_provider_id
from authsession.theme import ProviderStyle

if TYPE_CHECKING:
    from authsession._core.context import Context
    from authsession.types import Account, User

ClientAuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]
TokenSet = dict[str, Any]
ProfileMapper = Callable[..., "User | Awaitable[User]"]
UserinfoFetcher = Callable[..., "Mapping[str, Any] | Awaitable[Mapping[str, Any]]"]

_ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_ACCOUNT_FIELDS = ("access_token", "id_token", "refresh_token", "expires_at", "scope", "token_type", "session_state")
_METADATA_TTL = 3600.0
_JWKS_REFETCH_AFTER = 10.0


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An endpoint URL and the extra parameters to send to it."""

    url: str | None = None
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthProvider:
    """An OAuth 2.0 (``type="oauth"``) or OpenID Connect (``type="oidc"``) provider.

    Build one with :func:`OAuth`, :func:`OIDC` or a preset such as ``GitHub(...)``.
    """

    id: str
    name: str
    type: Literal["oauth", "oidc"] = "oauth"
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    issuer: str | None = None
    well_known: str | None = None
    authorization: Endpoint = Endpoint()
    token: Endpoint = Endpoint()
    userinfo: Endpoint = Endpoint()
    userinfo_request: UserinfoFetcher | None = field(default=None, repr=False)
    jwks_uri: str | None = None
    checks: tuple[Check, ...] | None = None
    client_auth_method: ClientAuthMethod = "client_secret_basic"
    id_token: bool | None = None
    profile: ProfileMapper | None = field(default=None, repr=False)
    allow_dangerous_email_account_linking: bool = False
    style: ProviderStyle | None = None

    @property
    def uses_id_token(self) -> bool:
        return self.id_token if self.id_token is not None else self.type == "oidc"

    def checks_for(self, ctx: Context) -> tuple[Check, ...]:
        if self.checks is not None:
            return self.checks
        return ("state",) if ctx.v4 else ("pkce", "state")

    async def authorization_url(self, ctx: Context) -> str:
        """Where POST /signin/<id> sends the browser; the check cookies are set on ``ctx``."""
        try:
            metadata = await discover(self, ctx)
            endpoint = self.authorization.url or metadata.get("authorization_endpoint")
            if not endpoint:
                raise ConfigurationError(f"Provider {self.id!r} has no authorization endpoint")
            params: dict[str, str] = dict(self.authorization.params)
            if ctx.v4:  # next-auth 4 merges the sign-in POST's query into the authorization params
                params.update({k: v for k, v in ctx.request.query.items() if k != "callbackUrl"})
            if "scope" not in params and (self.type == "oidc" or not ctx.v4):
                params["scope"] = "openid profile email"
            params.update(client_id=self.client_id, redirect_uri=ctx.url(f"callback/{self.id}"), response_type="code")
            form_post = params.get("response_mode") == "form_post"
            params.update(checks_.create_checks(ctx, self.checks_for(ctx), self.id, form_post=form_post))
        except (OAuthError, httpx2.HTTPError, ValueError, ConfigurationError) as exc:
            raise OAuthSignInError(str(exc)) from exc
        return checks_.authorization_url(str(endpoint), params)

    async def callback(self, ctx: Context) -> SignInResult:
        """GET|POST /callback/<id>: validate, exchange the code, read the profile."""
        params = dict(ctx.request.query)
        if ctx.request.method == "POST":  # response_mode=form_post
            params.update({k: v for k, v in ctx.body.items() if isinstance(v, str)})
        try:
            profile, tokens = await self._callback(ctx, params)
            if "user" in params and "user" not in profile:
                # Apple posts the user's name once, beside the code, on first consent.
                profile["user"] = _json_object(params["user"])
            user = await self._user(profile, tokens)
        except (InvalidCheck, OAuthError, httpx2.HTTPError, JoseError, ValueError, KeyError, TypeError) as exc:
            checks_.clear_checks(ctx, self.checks_for(ctx))
            provider_error = isinstance(exc, ProviderErrorResponse)
            raise ProviderCallbackError(str(exc), provider_error=provider_error) from exc
        return SignInResult(user=user, account=self._account(user["id"], tokens, ctx), profile=profile)

    async def _callback(self, ctx: Context, params: Mapping[str, str]) -> tuple[dict[str, Any], TokenSet]:
        wanted = self.checks_for(ctx)
        error = params.get("error")
        if error and ctx.v4:  # next-auth 4 looks at the error before any check
            raise ProviderErrorResponse(f"the provider answered error={error[:100]!r}")
        if "state" in wanted:
            checks_.verify_state(ctx, params.get("state"), self.id)
        metadata = await discover(self, ctx)
        issuer = metadata.get("issuer") or self.issuer
        if issuer and "iss" not in params and metadata.get("authorization_response_iss_parameter_supported"):
            raise OAuthError("the provider promises an iss parameter and sent none (RFC 9207 §2.4)")
        if "iss" in params and issuer and params["iss"] != issuer:
            raise OAuthError("the iss parameter does not match the issuer (RFC 9207)")
        if error:
            raise ProviderErrorResponse(f"the provider answered error={error[:100]!r}")
        code = params.get("code")
        if not code:
            raise OAuthError("no code in the authorization response")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": ctx.url(f"callback/{self.id}")}
        form.update(self.token.params)
        if "pkce" in wanted:
            form["code_verifier"] = checks_.use_check(ctx, "pkce", self.id)
        nonce = checks_.use_check(ctx, "nonce", self.id) if "nonce" in wanted else None
        async with http_client(ctx) as client:
            tokens = await request_tokens(self, client, metadata, form, now=ctx.now)
            claims: dict[str, Any] = {}
            if self.uses_id_token:
                claims = await self._validate_id_token(client, ctx, metadata, tokens, nonce)
            profile = await self._userinfo(client, metadata, tokens, claims)
        return profile, tokens

    async def _validate_id_token(
        self,
        client: httpx2.AsyncClient,
        ctx: Context,
        metadata: Mapping[str, Any],
        tokens: TokenSet,
        nonce: str | None,
    ) -> dict[str, Any]:
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OAuthError("the token response has no id_token")
        jwks_uri = self.jwks_uri or metadata.get("jwks_uri")
        if not jwks_uri:
            raise ConfigurationError(f"Provider {self.id!r} has no jwks_uri to verify ID tokens")
        token = await _verify_signature(client, str(jwks_uri), id_token)
        claims = dict(token.claims)
        issuer = metadata.get("issuer") or self.issuer
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": issuer} if issuer else {"essential": True},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        jose_jwt.JWTClaimsRegistry(now=int(ctx.now), leeway=15, **options).validate(claims)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.client_id not in audiences:
            raise OAuthError("the ID token's aud does not include our client_id")
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise OAuthError("the ID token has several audiences and azp is not our client_id")
        return claims

    async def _userinfo(
        self, client: httpx2.AsyncClient, metadata: Mapping[str, Any], tokens: TokenSet, claims: dict[str, Any]
    ) -> dict[str, Any]:
        if self.userinfo_request is not None:
            result = await call(self.userinfo_request, client=client, tokens=tokens, provider=self)
            return dict(result)
        if self.uses_id_token:  # NextAuth takes the profile from the validated ID token
            return claims
        url = self.userinfo.url or metadata.get("userinfo_endpoint")
        if not url:
            raise ConfigurationError(f"Provider {self.id!r} has no userinfo endpoint")
        response = await client.get(
            str(url),
            params=dict(self.userinfo.params) or None,
            headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
        )
        if response.status_code != 200:
            raise OAuthError(f"userinfo endpoint answered {response.status_code}")
        data = response.json()
        if not isinstance(data, dict):
            raise OAuthError("userinfo is not a JSON object")
        return data

    async def _user(self, profile: dict[str, Any], tokens: TokenSet) -> User:
        mapper = self.profile or default_profile
        user = await call(mapper, profile, tokens)
        if not isinstance(user, Mapping) or user.get("id") in (None, ""):
            raise OAuthError("profile() must return a user with an id")
        out: dict[str, Any] = dict(user)
        out["id"] = str(out["id"])
        if isinstance(out.get("email"), str):
            out["email"] = out["email"].lower()
        return out  # type: ignore[return-value]

    def _account(self, provider_account_id: str, tokens: TokenSet, ctx: Context) -> Account:
        # next-auth 4 calls every OAuth-family provider "oauth"; Auth.js tells OIDC apart.
        kind = "oauth" if ctx.v4 else self.type
        account: dict[str, Any] = {"provider": self.id, "type": kind, "providerAccountId": provider_account_id}
        if ctx.v4:
            account.update({k: v for k, v in tokens.items() if k not in account})
        else:
            account.update({k: tokens[k] for k in _ACCOUNT_FIELDS if k in tokens})
        return account  # type: ignore[return-value]


class OAuthError(AuthError):
    """The provider or its answer failed a check during the callback."""

    type = "OAuthCallbackError"
    kind = "signin"


class ProviderErrorResponse(OAuthError):
    """The provider answered the authorization request with ``error=...`` (RFC 6749 §4.1.2.1)."""


def client_authentication(provider: OAuthProvider, form: dict[str, str]) -> dict[str, str]:
    """Authenticate ``provider``'s client at the token endpoint (RFC 6749 §2.3.1).

    Returns the request headers; ``client_secret_post`` and ``none`` add to ``form`` instead.
    """
    headers = {"Accept": "application/json"}
    if provider.client_auth_method == "client_secret_basic":
        # RFC 6749 §2.3.1: form-encode id and secret before base64.
        pair = f"{quote(provider.client_id, safe='')}:{quote(provider.client_secret or '', safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form["client_id"] = provider.client_id
        if provider.client_auth_method == "client_secret_post":
            form["client_secret"] = provider.client_secret or ""
    return headers


async def request_tokens(
    provider: OAuthProvider,
    client: httpx2.AsyncClient,
    metadata: Mapping[str, Any],
    form: dict[str, str],
    *,
    now: float,
) -> TokenSet:
    """POST ``form`` (any grant) to the token endpoint; the token set, with ``expires_at`` from ``now``.

    Raises :class:`OAuthError` when the answer is not a 200 with an ``access_token``; its message
    carries the OAuth ``error`` code, never a token.
    """
    url = provider.token.url or metadata.get("token_endpoint")
    if not url:
        raise ConfigurationError(f"Provider {provider.id!r} has no token endpoint")
    headers = client_authentication(provider, form)
    response = await client.post(str(url), data=form, headers=headers)
    body = _json_or_form(response)
    if response.status_code != 200 or "access_token" not in body:
        raise OAuthError(f"token endpoint answered {response.status_code} {str(body.get('error', ''))[:100]!r}")
    if isinstance(body.get("scope"), list):  # Twitch sends a list; the account stores a string
        body["scope"] = " ".join(str(item) for item in body["scope"])
    if "expires_in" in body and "expires_at" not in body:
        with contextlib.suppress(TypeError, ValueError):
            body["expires_at"] = int(now) + int(body["expires_in"])
    return body


class OIDCProfile(TypedDict, total=False):
    """The standard OpenID Connect claims a profile mapping reads (OIDC Core §5.1)."""

    sub: str
    name: str
    preferred_username: str
    nickname: str
    email: str
    email_verified: bool
    picture: str


def oidc_profile(profile: OIDCProfile, tokens: TokenSet | None = None) -> User:
    """The mapping most OIDC vendors need: ``sub``, a name, ``email``, ``picture``."""
    return {
        "id": profile["sub"],
        "name": profile.get("name") or profile.get("preferred_username") or profile.get("nickname"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def default_profile(profile: Mapping[str, Any], tokens: TokenSet | None = None) -> User:
    """Auth.js' default mapping: ``sub``/``id``, a name, ``email`` and ``picture``."""
    ident = profile.get("sub") or profile.get("id") or uuid.uuid4()
    return {
        "id": str(ident),
        "name": profile.get("name") or profile.get("nickname") or profile.get("preferred_username"),
        "email": profile.get("email"),
        "image": profile.get("picture"),
    }


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_or_form(response: httpx2.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(response.text))
    return data if isinstance(data, dict) else {}


# --- metadata and keys (cached per process) -----------------------------------------------------

_metadata_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks_cache: dict[str, tuple[float, KeySet]] = {}


def http_client(
    ctx: Context | None = None, *, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """A short-lived client for one sign-in or refresh.

    ``AuthOptions(http_transport=...)`` (from ``ctx``) or ``transport`` swaps the transport.
    """
    if ctx is not None:
        transport = ctx.options.http_transport
    return httpx2.AsyncClient(transport=transport, timeout=10.0, follow_redirects=False)


async def discover(
    provider: OAuthProvider, ctx: Context | None = None, *, transport: httpx2.AsyncBaseTransport | None = None
) -> Mapping[str, Any]:
    """The provider's metadata from ``well_known`` or ``<issuer>/.well-known/openid-configuration``."""
    url = provider.well_known
    if url is None and provider.issuer and not (provider.authorization.url and provider.token.url):
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    if url is None:
        return {"issuer": provider.issuer} if provider.issuer else {}
    cached = _metadata_cache.get(url)
    if cached is not None and time.monotonic() - cached[0] < _METADATA_TTL:
        return cached[1]
    async with http_client(ctx, transport=transport) as client:
        response = await client.get(url, headers={"Accept": "application/json"})
    if response.status_code != 200:
        raise OAuthError(f"discovery at {url} answered {response.status_code}")
    metadata = response.json()
    if not isinstance(metadata, dict):
        raise OAuthError("discovery document is not a JSON object")
    if provider.issuer and metadata.get("issuer") not in (provider.issuer, provider.issuer.rstrip("/")):
        raise OAuthError("discovery document issuer does not match the configured issuer")
    _metadata_cache[url] = (time.monotonic(), metadata)
    return metadata


async def _fetch_jwks(client: httpx2.AsyncClient, jwks_uri: str) -> KeySet:
    response = await client.get(jwks_uri, headers={"Accept": "application/json"})
    if response.status_code != 200:
        raise OAuthError(f"JWKS endpoint answered {response.status_code}")
    keys = KeySet.import_key_set(response.json())
    _jwks_cache[jwks_uri] = (time.monotonic(), keys)
    return keys


async def _verify_signature(client: httpx2.AsyncClient, jwks_uri: str, id_token: str) -> jose_jwt.Token:
    cached = _jwks_cache.get(jwks_uri)
    if cached is not None and time.monotonic() - cached[0] > _METADATA_TTL:
        cached = None  # keys a provider removed stop being trusted within the hour
    keys = cached[1] if cached else await _fetch_jwks(client, jwks_uri)
    try:
        return jose_jwt.decode(id_token, keys, algorithms=list(_ID_TOKEN_ALGORITHMS))
    except JoseError:
        # An unknown kid or a failed signature may mean the provider rotated its keys: refetch once.
        if cached is None or time.monotonic() - cached[0] < _JWKS_REFETCH_AFTER:
            raise
        keys = await _fetch_jwks(client, jwks_uri)
        return jose_jwt.decode(id_token, keys, algorithms=list(_ID_TOKEN_ALGORITHMS))


# --- constructors ---------------------------------------------------------------------------------


def _endpoint(value: str | Endpoint | Mapping[str, Any] | None) -> Endpoint:
    if value is None:
        return Endpoint()
    if isinstance(value, Endpoint):
        return value
    if isinstance(value, str):
        return Endpoint(url=value)
    return Endpoint(url=value.get("url"), params=MappingProxyType(dict(value.get("params", {}))))


class EndpointConfig(TypedDict, total=False):
    """An endpoint as a dict, e.g. ``{"params": {"prompt": "consent"}}``: the fields of :class:`Endpoint`."""

    url: str | None
    params: Mapping[str, str]


class OAuthOptions(TypedDict, total=False):
    """The optional settings of :func:`OAuth` that :func:`OIDC` and every preset also take.

    A preset such as ``GitHub(client_id=..., client_secret=..., scope="read:user")`` passes them
    on to :func:`OAuth`, over its own values; each one is described there.
    """

    well_known: str | None
    authorization: str | Endpoint | EndpointConfig | None
    token: str | Endpoint | EndpointConfig | None
    userinfo: str | Endpoint | EndpointConfig | None
    userinfo_request: UserinfoFetcher | None
    jwks_uri: str | None
    scope: str | None
    checks: tuple[Check, ...] | list[Check] | None
    client_auth_method: ClientAuthMethod
    id_token: bool | None
    profile: ProfileMapper | None
    allow_dangerous_email_account_linking: bool
    style: ProviderStyle | Mapping[str, str] | None


class OAuthOverrides(OAuthOptions, total=False):
    """What a preset lets you override besides :class:`OAuthOptions`: its ``id`` (to configure
    the same vendor twice) and the ``name`` on the sign-in button."""

    id: str
    name: str


def OAuth(
    *,
    id: str,
    name: str,
    client_id: str,
    client_secret: str | None = None,
    type: Literal["oauth", "oidc"] = "oauth",
    issuer: str | None = None,
    well_known: str | None = None,
    authorization: str | Endpoint | EndpointConfig | None = None,
    token: str | Endpoint | EndpointConfig | None = None,
    userinfo: str | Endpoint | EndpointConfig | None = None,
    userinfo_request: UserinfoFetcher | None = None,
    jwks_uri: str | None = None,
    scope: str | None = None,
    checks: tuple[Check, ...] | list[Check] | None = None,
    client_auth_method: ClientAuthMethod = "client_secret_basic",
    id_token: bool | None = None,
    profile: ProfileMapper | None = None,
    allow_dangerous_email_account_linking: bool = False,
    style: ProviderStyle | Mapping[str, str] | None = None,
) -> OAuthProvider:
    """A generic OAuth 2.0 provider (``type="oidc"`` for OpenID Connect; see :func:`OIDC`).

    Give ``issuer`` (metadata is discovered) or the ``authorization``/``token``/``userinfo``
    endpoints, each a URL or ``{"url": ..., "params": {...}}``. ``checks`` defaults to
    ``("state",)`` in v4 (NextAuth's default) and ``("pkce", "state")`` in v5: Auth.js sends only
    PKCE, but a provider that ignores PKCE would then leave the callback open to login CSRF.
    ``profile(profile, tokens)`` maps the provider's profile to a user with an ``id``.

    Security: ``allow_dangerous_email_account_linking`` lets anyone who controls an email
    address at this provider sign in to the account with that email. Enable it only for
    providers that verify email addresses.
    """
    if not client_id:
        raise ConfigurationError(f"Provider {id!r} needs a client_id")
    if client_auth_method != "none" and not client_secret:
        raise ConfigurationError(f"Provider {id!r} needs a client_secret (or client_auth_method='none' with PKCE)")
    if client_auth_method not in ("client_secret_basic", "client_secret_post", "none"):
        raise ConfigurationError(f"Unknown client_auth_method {client_auth_method!r}")
    auth = _endpoint(authorization)
    if scope is not None:
        auth = Endpoint(url=auth.url, params=MappingProxyType({**auth.params, "scope": scope}))
    if not (issuer or well_known or auth.url):
        raise ConfigurationError(f"Provider {id!r} needs an issuer, a well_known URL or an authorization endpoint")
    if checks is not None:
        unknown = set(checks) - {"pkce", "state", "nonce"}
        if unknown:
            raise ConfigurationError(f"Unknown checks {sorted(unknown)}; use 'pkce', 'state' and/or 'nonce'")
    if isinstance(style, Mapping):
        style = ProviderStyle(**style)
    return OAuthProvider(
        id=check_provider_id(id),
        name=name,
        type=type,
        client_id=client_id,
        client_secret=client_secret,
        issuer=issuer,
        well_known=well_known,
        authorization=auth,
        token=_endpoint(token),
        userinfo=_endpoint(userinfo),
        userinfo_request=userinfo_request,
        jwks_uri=jwks_uri,
        checks=tuple(checks) if checks is not None else None,
        client_auth_method=client_auth_method,
        id_token=id_token,
        profile=profile,
        allow_dangerous_email_account_linking=allow_dangerous_email_account_linking,
        style=style,
    )


def OIDC(
    *,
    id: str = "oidc",
    name: str = "OpenID Connect",
    issuer: str,
    client_id: str,
    client_secret: str | None = None,
    **options: Unpack[OAuthOptions],
) -> OAuthProvider:
    """Any OpenID Connect provider, configured from its ``issuer`` by discovery.

    ID tokens are validated (signature via JWKS, ``iss``, ``aud``, ``exp``, ``iat``, ``nonce``).
    """
    options.setdefault("checks", ("pkce", "state", "nonce"))
    return OAuth(
        id=id, name=name, type="oidc", issuer=issuer, client_id=client_id, client_secret=client_secret, **options
    )


__all__ = [
    "OIDC",
    "Endpoint",
    "EndpointConfig",
    "OAuth",
    "OAuthOptions",
    "OAuthOverrides",
    "OAuthProvider",
    "OIDCProfile",
    "default_profile",
    "oidc_profile",
]
