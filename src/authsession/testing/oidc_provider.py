"""An OpenID Provider that runs inside your test process, for OIDC sign-ins without a network.

Standards: OpenID Connect Core 1.0 (§3.1 authorization code flow, §2 ID token, §5.3 userinfo),
OpenID Connect Discovery 1.0, RFC 6749 §4.1 and §2.3.1 (code grant, client authentication),
RFC 7636 (PKCE, S256), RFC 7517 (JWKS), RFC 9207 (``iss`` in the authorization response).

:class:`InProcessOIDCProvider` serves discovery, JWKS, token and userinfo as an httpx2 transport:
pass ``AuthOptions(http_transport=provider.transport)`` and the server side of a sign-in talks to
it. The browser side, the authorization endpoint, is :meth:`InProcessOIDCProvider.authorize`: it
signs in the configured user at once, without a login page, and returns the redirect back to your
app. :meth:`InProcessOIDCProvider.sign_in` runs the whole dance through a test client.

It refuses what a real provider refuses, so a test that passes here does not lean on leniency:
an unknown client or unregistered ``redirect_uri`` (no redirect at all), a code that is wrong,
expired, used twice (the tokens issued for it are then revoked), presented by another client or
with another ``redirect_uri``, a wrong or missing PKCE verifier, bad client credentials, and an
unknown or expired access token at userinfo.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

import httpx2
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey

if TYPE_CHECKING:
    from authsession.providers.oauth import OAuthProvider

__all__ = ["AuthorizationRefused", "InProcessOIDCProvider"]

#: The user signed in when you configure none.
DEFAULT_USER: Mapping[str, Any] = {
    "sub": "test-user",
    "name": "Test User",
    "email": "test-user@example.com",
    "email_verified": True,
}
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_JSON_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: Claims the provider sets itself; a configured user cannot override them.
_PROTOCOL_CLAIMS = frozenset({"iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash"})


class Response(Protocol):
    """What :meth:`InProcessOIDCProvider.sign_in` reads of a response (httpx2's, which a ``TestClient`` returns)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


class SyncClient(Protocol):
    """A ``TestClient`` or an ``httpx2.Client`` on your app."""

    def get(self, url: str, *, follow_redirects: bool = ...) -> Response: ...

    def post(self, url: str, *, data: Mapping[str, str], follow_redirects: bool = ...) -> Response: ...


class AsyncClient(Protocol):
    """An ``httpx2.AsyncClient`` on your app."""

    def get(self, url: str, *, follow_redirects: bool = ...) -> Awaitable[Response]: ...

    def post(self, url: str, *, data: Mapping[str, str], follow_redirects: bool = ...) -> Awaitable[Response]: ...


class AuthorizationRefused(Exception):
    """The authorization request cannot be answered with a redirect (RFC 6749 §4.1.2.1): the
    client is unknown or the ``redirect_uri`` is not registered. A real provider shows an error
    page instead of sending the browser anywhere."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass
class _Grant:
    """One authorization code and what it was issued for."""

    client_id: str
    redirect_uri: str
    scope: str
    claims: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    issued_at: float
    used: bool = False
    access_tokens: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _AccessToken:
    claims: dict[str, Any]
    expires_at: float


class InProcessOIDCProvider:
    """A small, strict OpenID Provider with one client, served in-process.

    ``user`` holds the claims of the user every authorization signs in (``sub`` required;
    ``email``, ``name``, ``picture`` ... as you like); change the attribute between sign-ins, or
    pass ``user=`` to :meth:`authorize`. The client is ``client_id`` with ``client_secret``
    (``client_secret_basic`` or ``client_secret_post``), or a public client when
    ``client_secret`` is ``None``. ``redirect_uris`` must hold your app's callback URL exactly;
    the default fits a ``TestClient`` (``http://testserver``) and ``OIDC(id="oidc")``.
    ``require_pkce`` refuses authorization requests without an S256 ``code_challenge``.
    ``clock`` (Unix seconds) dates codes and tokens; share your ``AuthOptions(clock=...)``.

    Every instance has its own RSA signing key and, unless you pass ``issuer``, its own issuer
    URL. authsession caches discovery and keys per issuer for the life of the process, so two
    instances sharing an issuer would have the second one's ID tokens checked with the first
    one's key: give each its own.

    Example::

        provider = InProcessOIDCProvider(user={"sub": "42", "email": "ada@example.com"})
        options = AuthOptions(
            secret=SECRET,
            url="http://testserver",
            providers=[provider.oidc()],
            http_transport=provider.transport,
        )
        client = TestClient(create_app(options))
        provider.sign_in(client)
        assert client.get("/api/auth/session").json()["user"]["email"] == "ada@example.com"
    """

    def __init__(
        self,
        *,
        user: Mapping[str, Any] = DEFAULT_USER,
        issuer: str | None = None,
        client_id: str = "test-client",
        client_secret: str | None = "test-client-secret",  # noqa: S107 - a test credential
        redirect_uris: Sequence[str] = ("http://testserver/api/auth/callback/oidc",),
        require_pkce: bool = False,
        code_lifetime: int = 60,
        token_lifetime: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = (issuer or f"https://oidc-{secrets.token_hex(6)}.test").rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = tuple(redirect_uris)
        self.require_pkce = require_pkce
        self.code_lifetime = code_lifetime
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.user: dict[str, Any] = _checked_user(user)
        self.key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
        self._kid = self.key.thumbprint()
        self._lock = threading.Lock()  # a TestClient runs the app, and so the token requests, in a thread
        self._grants: dict[str, _Grant] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self.transport = httpx2.MockTransport(self._handle)
        """The httpx2 transport that answers for :attr:`issuer` (and refuses any other host)."""

    def __repr__(self) -> str:
        return f"InProcessOIDCProvider(issuer={self.issuer!r}, client_id={self.client_id!r})"

    # --- what your app is configured with ---------------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        """The discovery document (``/.well-known/openid-configuration``)."""
        auth_methods = ["client_secret_basic", "client_secret_post"] if self.client_secret is not None else ["none"]
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": auth_methods,
            "claims_supported": sorted({"sub", "iss", "aud", "exp", "iat", "nonce", *self.user}),
            "authorization_response_iss_parameter_supported": True,
        }

    def oidc(self, *, id: str = "oidc", name: str = "Test OIDC", **options: Any) -> OAuthProvider:
        """An :func:`authsession.providers.OIDC` provider configured for this one.

        ``options`` go to ``OIDC`` as they are (``checks=``, ``profile=`` ...). A public client
        gets ``client_auth_method="none"``.
        """
        from authsession.providers import OIDC

        if self.client_secret is None:
            options.setdefault("client_auth_method", "none")
        return OIDC(
            id=id,
            name=name,
            issuer=self.issuer,
            client_id=self.client_id,
            client_secret=self.client_secret,
            **options,
        )

    # --- the browser's side: the authorization endpoint ------------------------------------------

    def authorize(self, url: str, *, user: Mapping[str, Any] | None = None, error: str | None = None) -> str:
        """Answer the authorization request ``url`` as the browser would see it: the redirect back.

        The user (``user``, else :attr:`user`) is signed in and consents at once; the returned
        URL is the ``redirect_uri`` with ``code``, ``state`` and ``iss``. ``error`` answers with
        that OAuth error instead (``"access_denied"``: the user refused). Requests a real
        provider would bounce back get ``error=invalid_request`` (or ``invalid_scope``,
        ``unsupported_response_type``) in the redirect.

        :raises AuthorizationRefused: for an unknown client or an unregistered ``redirect_uri``.
        """
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}{parts.path}" != f"{self.issuer}/authorize":
            raise AuthorizationRefused("invalid_request", f"{url[:200]!r} is not this provider's authorize URL")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if params.get("client_id") != self.client_id:
            raise AuthorizationRefused("invalid_client", "unknown client_id")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            raise AuthorizationRefused("invalid_request", f"redirect_uri {redirect_uri[:200]!r} is not registered")
        answer: dict[str, str] = {}
        problem = error or self._authorization_problem(params)
        if problem is not None:
            answer["error"] = problem
        else:
            answer["code"] = self._issue_code(params, redirect_uri, self.user if user is None else _checked_user(user))
        if "state" in params:
            answer["state"] = params["state"]
        answer["iss"] = self.issuer
        separator = "&" if urlsplit(redirect_uri).query else "?"
        return f"{redirect_uri}{separator}{urlencode(answer)}"

    def _authorization_problem(self, params: Mapping[str, str]) -> str | None:
        if params.get("response_type") != "code":
            return "unsupported_response_type"
        if "openid" not in params.get("scope", "").split():
            return "invalid_scope"
        if params.get("response_mode", "query") != "query" or "request" in params or "request_uri" in params:
            return "invalid_request"
        challenge = params.get("code_challenge")
        if challenge is None:
            return "invalid_request" if self.require_pkce or "code_challenge_method" in params else None
        # RFC 7636 §4.2: a challenge without a method is "plain", which we refuse like most providers.
        if params.get("code_challenge_method") != "S256" or not re.fullmatch(r"[A-Za-z0-9\-_]{43}", challenge):
            return "invalid_request"
        return None

    def _issue_code(self, params: Mapping[str, str], redirect_uri: str, user: dict[str, Any]) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                scope=params["scope"],
                claims=dict(user),
                nonce=params.get("nonce"),
                code_challenge=params.get("code_challenge"),
                issued_at=self.clock(),
            )
        return code

    # --- a whole sign-in through a test client ---------------------------------------------------

    def sign_in(
        self,
        client: SyncClient,
        *,
        provider_id: str = "oidc",
        callback_url: str = "/",
        base_path: str = "/api/auth",
        user: Mapping[str, Any] | None = None,
    ) -> Response:
        """Sign ``client`` (a ``TestClient`` or ``httpx2.Client`` on your app) in through this provider.

        Fetches a CSRF token, POSTs ``/signin/<provider_id>``, answers the authorization
        request with :meth:`authorize` and GETs the callback. Returns the callback's response
        (a redirect to ``callback_url`` when the sign-in worked); the session cookie is then in
        the client's jar.
        """
        csrf = client.get(f"{base_path}/csrf").json()["csrfToken"]
        form = {"csrfToken": csrf, "callbackUrl": callback_url}
        started = client.post(f"{base_path}/signin/{provider_id}", data=form, follow_redirects=False)
        return client.get(self.authorize(self._location(started), user=user), follow_redirects=False)

    async def asign_in(
        self,
        client: AsyncClient,
        *,
        provider_id: str = "oidc",
        callback_url: str = "/",
        base_path: str = "/api/auth",
        user: Mapping[str, Any] | None = None,
    ) -> Response:
        """:meth:`sign_in` with an ``httpx2.AsyncClient`` (e.g. over ``httpx2.ASGITransport``)."""
        csrf = (await client.get(f"{base_path}/csrf")).json()["csrfToken"]
        form = {"csrfToken": csrf, "callbackUrl": callback_url}
        started = await client.post(f"{base_path}/signin/{provider_id}", data=form, follow_redirects=False)
        return await client.get(self.authorize(self._location(started), user=user), follow_redirects=False)

    def _location(self, response: Response) -> str:
        location: str = response.headers.get("location", "")
        if response.status_code not in (302, 303) or not location.startswith(f"{self.issuer}/authorize"):
            raise AssertionError(
                f"the sign-in POST answered {response.status_code} to {location[:200]!r}, "
                f"not a redirect to {self.issuer}/authorize: is the provider configured with provider.oidc()?"
            )
        return location

    # --- the server's side: the transport ---------------------------------------------------------

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        url = str(request.url.copy_with(query=None, fragment=None))
        if not url.startswith(self.issuer + "/"):
            raise httpx2.ConnectError(f"no network in tests: only {self.issuer} is served here", request=request)
        route = (request.method, url.removeprefix(self.issuer))
        if route == ("GET", "/.well-known/openid-configuration"):
            return httpx2.Response(200, json=self.metadata)
        if route == ("GET", "/jwks"):
            return httpx2.Response(200, json={"keys": [{**self.key.as_dict(private=False), "kid": self._kid}]})
        if route == ("POST", "/token"):
            return self._token(request)
        if route[1] == "/userinfo" and request.method in ("GET", "POST"):
            return self._userinfo(request)
        return httpx2.Response(404, json={"error": "not_found"})

    def _token(self, request: httpx2.Request) -> httpx2.Response:
        form = dict(parse_qsl(request.content.decode("utf-8", "replace"), keep_blank_values=True))
        client_error = self._authenticate_client(request, form)
        if client_error is not None:
            return client_error
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type")
        with self._lock:
            grant = self._grants.get(form.get("code", ""))
            if grant is None:
                return _oauth_error(400, "invalid_grant", "unknown code")
            if grant.used:
                # RFC 6749 §4.1.2: a code presented twice revokes what it was exchanged for.
                for token in grant.access_tokens:
                    self._access_tokens.pop(token, None)
                return _oauth_error(400, "invalid_grant", "code already used")
            grant.used = True  # any presentation spends it: a wrong verifier cannot be retried
            now = self.clock()
            problem = _grant_problem(grant, form, now, self.code_lifetime, self.client_id)
            if problem is not None:
                return _oauth_error(400, "invalid_grant", problem)
            access_token = secrets.token_urlsafe(32)
            grant.access_tokens.append(access_token)
            self._access_tokens[access_token] = _AccessToken(grant.claims, now + self.token_lifetime)
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": grant.scope,
            "id_token": self._id_token(grant, access_token, now),
        }
        return httpx2.Response(200, json=body, headers=_JSON_HEADERS)

    def _authenticate_client(self, request: httpx2.Request, form: dict[str, str]) -> httpx2.Response | None:
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("Basic "):
            if "client_secret" in form:
                return _oauth_error(400, "invalid_request", "one client authentication method at a time")
            try:
                pair = base64.b64decode(authorization[6:], validate=True).decode()
            except ValueError:
                return _invalid_client(basic=True)
            client_id, _, secret = pair.partition(":")
            # RFC 6749 §2.3.1: id and secret are form-encoded before base64.
            given: tuple[str, str | None] = (unquote_plus(client_id), unquote_plus(secret))
        else:
            given = (form.get("client_id", ""), form.get("client_secret"))
        if form.get("client_id", given[0]) != given[0] or not hmac.compare_digest(given[0], self.client_id):
            return _invalid_client(basic=authorization.startswith("Basic "))
        if self.client_secret is None:
            return None if given[1] is None else _invalid_client(basic=False)
        if given[1] is None or not hmac.compare_digest(given[1].encode(), self.client_secret.encode()):
            return _invalid_client(basic=authorization.startswith("Basic "))
        return None

    def _id_token(self, grant: _Grant, access_token: str, now: float) -> str:
        # OIDC Core §3.1.3.6: at_hash is the left half of the access token's SHA-256, base64url.
        digest = hashlib.sha256(access_token.encode()).digest()
        claims: dict[str, Any] = {k: v for k, v in grant.claims.items() if k not in _PROTOCOL_CLAIMS}
        claims.update(
            iss=self.issuer,
            aud=self.client_id,
            iat=int(now),
            exp=int(now) + self.token_lifetime,
            auth_time=int(grant.issued_at),
            at_hash=base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode(),
        )
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        token: str = jose_jwt.encode({"alg": "RS256", "kid": self._kid, "typ": "JWT"}, claims, self.key)
        return token

    def _userinfo(self, request: httpx2.Request) -> httpx2.Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            found = self._access_tokens.get(token) if scheme.lower() == "bearer" else None
        if found is None or found.expires_at <= self.clock():
            return httpx2.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return httpx2.Response(200, json=found.claims)


def _checked_user(user: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(user.get("sub"), str) or not user["sub"]:
        raise ValueError("the user's claims need a non-empty string 'sub'")
    json.dumps(user)  # the claims go into JSON: fail here, not in the middle of a sign-in
    return dict(user)


def _grant_problem(grant: _Grant, form: Mapping[str, str], now: float, lifetime: int, client_id: str) -> str | None:
    if grant.client_id != client_id:
        return "code issued to another client"
    if now - grant.issued_at > lifetime:
        return "code expired"
    if form.get("redirect_uri") != grant.redirect_uri:
        return "redirect_uri differs from the authorization request's"
    verifier = form.get("code_verifier")
    if grant.code_challenge is None:
        return None if verifier is None else "code_verifier sent for a code issued without a challenge"
    if verifier is None or not _VERIFIER.fullmatch(verifier):
        return "missing or malformed code_verifier"
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if not hmac.compare_digest(digest, grant.code_challenge):
        return "code_verifier does not match the code_challenge"
    return None


def _oauth_error(status: int, error: str, description: str | None = None) -> httpx2.Response:
    body = {"error": error} | ({"error_description": description} if description else {})
    return httpx2.Response(status, json=body, headers=_JSON_HEADERS)


def _invalid_client(*, basic: bool) -> httpx2.Response:
    response = _oauth_error(401, "invalid_client", "client authentication failed")
    if basic:
        response.headers["WWW-Authenticate"] = 'Basic realm="token"'
    return response
