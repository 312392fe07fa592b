"""The provider interface the core calls: plain data plus one narrow hook per kind of provider.

The core finishes every sign-in (the ``sign_in`` callback, account linking, the session, the
v4/v5 error answers); a provider only does what is particular to it:

- OAuth / OIDC (:class:`OAuthConfig`): build the authorization URL, and turn the callback request
  into a :class:`SignInResult`, or raise :class:`~authsession.errors.OAuthSignInError` /
  :class:`ProviderCallbackError`.
- Email (:class:`EmailConfig`): send the verification request; the core makes, stores and checks
  the token.
- Credentials (:class:`CredentialsConfig`): call ``authorize``.
- WebAuthn (:class:`WebAuthnConfig`, the ``Passkey`` provider): make the options the browser
  passes to ``navigator.credentials``, and verify what it answers; the core keeps the challenge,
  finds the stored credential and signs the user in.

The core tells them apart by ``type`` (a tagged union, so each branch sees its own members), and
never imports ``authsession.providers``: that package loads httpx2 and lives a floor above.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from authsession.theme import ProviderStyle
from authsession.types import Account, Authenticator, CredentialInput, ProviderType, User

if TYPE_CHECKING:
    from authsession._core.context import Context
    from authsession._core.http import AuthRequest

__all__ = [
    "CredentialsConfig",
    "EmailConfig",
    "OAuthConfig",
    "Provider",
    "ProviderCallbackError",
    "ProviderType",
    "RelyingParty",
    "SignInResult",
    "WebAuthnConfig",
    "WebAuthnOptions",
]


@dataclass(frozen=True, slots=True)
class SignInResult:
    """Who came back from the provider: the user from ``profile()``, the account, the raw profile."""

    user: User
    account: Account
    profile: Mapping[str, Any]


class ProviderCallbackError(Exception):
    """The callback failed; the message says why (never a token or a code).

    ``provider_error`` is true when the provider itself answered ``error=...`` (RFC 6749
    §4.1.2.1), false for a failed check, token request, ID token or profile. next-auth 4 and
    Auth.js report the two differently; the core picks the answer.
    """

    def __init__(self, message: str, *, provider_error: bool) -> None:
        super().__init__(message)
        self.provider_error = provider_error


class _Common(Protocol):
    @property
    def id(self) -> str:
        """The URL segment: ``/signin/<id>``, ``/callback/<id>``."""
        ...

    @property
    def name(self) -> str:
        """What the sign-in page shows."""
        ...

    @property
    def style(self) -> ProviderStyle | None:
        """The sign-in button's look."""
        ...


class OAuthConfig(_Common, Protocol):
    """An OAuth 2.0 or OpenID Connect provider."""

    @property
    def type(self) -> Literal["oauth", "oidc"]: ...

    @property
    def allow_dangerous_email_account_linking(self) -> bool:
        """Whether a new account may join the stored user with the same email (protocol §6.1)."""
        ...

    async def authorization_url(self, ctx: Context) -> str:
        """Where POST ``/signin/<id>`` sends the browser; the check cookies are set on ``ctx``.

        Raises :class:`~authsession.errors.OAuthSignInError` when the URL cannot be built
        (discovery failed, no endpoint).
        """
        ...

    async def callback(self, ctx: Context) -> SignInResult:
        """Validate the callback request, exchange the code, read the profile.

        Raises :class:`ProviderCallbackError` for anything the provider or the browser got wrong;
        the check cookies are cleared by then.
        """
        ...


class EmailConfig(_Common, Protocol):
    """A magic-link provider: the core makes the token; the provider mails the link."""

    @property
    def type(self) -> Literal["email"]: ...

    @property
    def max_age(self) -> int:
        """Seconds a link stays valid."""
        ...

    @property
    def rate_limit(self) -> int:
        """Seconds before the same address may get another link (0: no limit)."""
        ...

    @property
    def secret(self) -> str | None:
        """What token hashes are salted with, instead of the app's secret."""
        ...

    @property
    def normalize_identifier(self) -> Callable[[str], str] | None:
        """Your rule for the address typed into the form, instead of NextAuth's."""
        ...

    @property
    def generate_verification_token(self) -> Callable[[], str | Awaitable[str]] | None:
        """Your token maker, instead of 32 random bytes in hex."""
        ...

    async def send_verification(
        self, *, identifier: str, url: str, expires: datetime, token: str, request: AuthRequest
    ) -> None:
        """Deliver ``url`` to ``identifier``; raise when it cannot be sent."""
        ...


class CredentialsConfig(_Common, Protocol):
    """Sign-in with a form the app checks itself."""

    @property
    def type(self) -> Literal["credentials"]: ...

    @property
    def credentials(self) -> Mapping[str, CredentialInput]:
        """The inputs of the built-in sign-in form."""
        ...

    async def call_authorize(self, credentials: dict[str, Any], request: AuthRequest) -> object:
        """The app's ``authorize``: a user mapping, or ``None`` to refuse."""
        ...


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who the browser's credential is for: the RP ID (a host name), its display name, and the
    origin the browser must report in ``clientDataJSON``."""

    id: str
    name: str
    origin: str


@dataclass(frozen=True, slots=True)
class WebAuthnOptions:
    """What GET ``/webauthn-options/<id>`` sends: the options JSON and its base64url challenge."""

    options: Mapping[str, Any]
    challenge: str


class WebAuthnConfig(_Common, Protocol):
    """A WebAuthn provider (``Passkey``): the ceremony's cryptography, through a WebAuthn library.

    Every ``verify_*`` raises :class:`~authsession.errors.WebAuthnVerificationError` for a
    response that does not verify, and never returns a partly checked result.
    """

    @property
    def type(self) -> Literal["webauthn"]: ...

    @property
    def new_users(self) -> bool:
        """Whether a visitor who is not signed in may create an account with a new passkey."""
        ...

    def relying_party(self, origin: str) -> RelyingParty:
        """The relying party: the configured one, or the site's host and ``origin``."""
        ...

    def registration_options(
        self, rp: RelyingParty, *, user_name: str, display_name: str | None, exclude: Sequence[Authenticator]
    ) -> WebAuthnOptions:
        """Options for ``navigator.credentials.create()``; ``exclude`` are the user's passkeys."""
        ...

    def authentication_options(self, rp: RelyingParty, *, allow: Sequence[Authenticator] | None) -> WebAuthnOptions:
        """Options for ``navigator.credentials.get()``; ``allow=None`` for a discoverable credential."""
        ...

    def verify_registration(self, rp: RelyingParty, response: Mapping[str, Any], challenge: str) -> Authenticator:
        """The new credential (``userId`` still empty) from a verified registration response."""
        ...

    def verify_authentication(
        self, rp: RelyingParty, response: Mapping[str, Any], challenge: str, authenticator: Authenticator
    ) -> int:
        """The new signature counter from a verified authentication response by ``authenticator``."""
        ...


Provider = OAuthConfig | EmailConfig | CredentialsConfig | WebAuthnConfig


@runtime_checkable
class PasswordConfig(CredentialsConfig, Protocol):
    """A credentials provider that also owns accounts: ``authsession.providers.password.Password``.
    The core serves its sign-up, verify, forgot, reset and change routes."""

    @property
    def adapter(self) -> Any: ...
    def hash(self, password: str) -> str: ...
    def verify(self, stored: str, password: str) -> tuple[bool, bool]: ...
    def problem(self, password: str, *, email: str | None = None) -> str | None: ...
    async def send(
        self, *, kind: Literal["sign-up", "account-exists", "reset"], email: str, url: str | None
    ) -> None: ...
