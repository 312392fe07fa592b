"""authsession's errors.

Every error authsession raises on purpose derives from :class:`AuthError`::

    AuthError                      type = the Auth.js error name, kind = "signin" | "error"
    ├── ConfigurationError         the options are wrong; raised at construction or reported as
    │   │                          ``error=Configuration`` at request time
    │   ├── MissingSecret
    │   ├── InvalidCallbackUrl
    │   └── UnsupportedStrategy
    ├── SignInError                kind "signin": shown on the sign-in page with ?error=<type>
    │   ├── CredentialsSignin      raise it from ``authorize`` to refuse with a custom ``code``
    │   ├── MissingCSRF
    │   ├── OAuthSignInError, OAuthCallbackError, OAuthAccountNotLinked, EmailSignInError
    │   └── AccountNotLinked       a passkey belongs to another user, or its email is taken
    ├── AccessDenied               the ``sign_in`` callback said no
    ├── Verification               a bad or expired email link
    ├── WebAuthnVerificationError  a passkey's response did not verify
    ├── UnknownAction              a route authsession does not serve
    └── TokenError                 a token could not be decoded (never reaches the browser)

Only :data:`CLIENT_SAFE_ERRORS` ever reach a browser by name; anything else is reported as
``Configuration`` and logged in full on the ``authsession`` logger.
"""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorKind = Literal["signin", "error"]

#: Error types that may be named in a redirect to the browser (Auth.js' allowlist).
CLIENT_SAFE_ERRORS = frozenset(
    {
        "CredentialsSignin",
        "OAuthAccountNotLinked",
        "OAuthCallbackError",
        "AccessDenied",
        "Verification",
        "MissingCSRF",
        "AccountNotLinked",
        "WebAuthnVerificationError",
    }
)


class AuthError(Exception):
    """Base of every authsession error. ``type`` is the Auth.js name, ``kind`` where it is shown."""

    type: ClassVar[str] = "AuthError"
    kind: ClassVar[ErrorKind] = "error"

    def __init__(self, message: str = "", *, cause: BaseException | None = None) -> None:
        super().__init__(message or self.type)
        self.__cause__ = cause

    @property
    def client_type(self) -> str:
        """The name the browser may see: the type itself if allowlisted, else ``Configuration``."""
        return self.type if self.type in CLIENT_SAFE_ERRORS else "Configuration"


class ConfigurationError(AuthError):
    """The options are wrong. The message says what to change."""

    type = "Configuration"


class MissingSecret(ConfigurationError):
    type = "MissingSecret"


class InvalidCallbackUrl(ConfigurationError):
    type = "InvalidCallbackUrl"


class UnsupportedStrategy(ConfigurationError):
    type = "UnsupportedStrategy"


class UnknownAction(AuthError):
    type = "UnknownAction"


class SignInError(AuthError):
    kind = "signin"
    type = "SignInError"


class CredentialsSignin(SignInError):
    """Raise from ``authorize`` to refuse a sign-in; ``code`` reaches the sign-in page as ``&code=``.

    Returning ``None`` from ``authorize`` is the same as raising this with the default code.
    """

    type = "CredentialsSignin"

    def __init__(self, message: str = "", *, code: str = "credentials") -> None:
        super().__init__(message)
        self.code = code


class MissingCSRF(SignInError):
    type = "MissingCSRF"


class OAuthSignInError(SignInError):
    type = "OAuthSignInError"


class OAuthCallbackError(SignInError):
    type = "OAuthCallbackError"


class OAuthAccountNotLinked(SignInError):
    type = "OAuthAccountNotLinked"


class EmailSignInError(SignInError):
    type = "EmailSignInError"


class AccountNotLinked(SignInError):
    """A passkey belongs to another user than the one signed in, or a new passkey's email is taken."""

    type = "AccountNotLinked"


class WebAuthnVerificationError(AuthError):
    """A passkey registration or sign-in did not verify (origin, RP ID, challenge, signature,
    user verification, signature counter)."""

    type = "WebAuthnVerificationError"


class AccessDenied(AuthError):
    type = "AccessDenied"


class Verification(AuthError):
    type = "Verification"


class TokenError(AuthError):
    """A token was empty, expired, tampered with or made with another secret."""

    type = "JWTSessionError"


__all__ = [
    "CLIENT_SAFE_ERRORS",
    "AccessDenied",
    "AccountNotLinked",
    "AuthError",
    "ConfigurationError",
    "CredentialsSignin",
    "EmailSignInError",
    "InvalidCallbackUrl",
    "MissingCSRF",
    "MissingSecret",
    "OAuthAccountNotLinked",
    "OAuthCallbackError",
    "OAuthSignInError",
    "SignInError",
    "TokenError",
    "UnknownAction",
    "UnsupportedStrategy",
    "Verification",
    "WebAuthnVerificationError",
]
