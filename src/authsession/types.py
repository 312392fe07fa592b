"""JSON shapes shared by the public API: users, accounts, sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NotRequired, TypedDict

Format = Literal["v4", "v5"]
SessionStrategyName = Literal["jwt", "database"]
Trigger = Literal["signIn", "signUp", "update"]
ProviderType = Literal["oauth", "oidc", "email", "credentials", "webauthn"]


class User(TypedDict, total=False):
    """A user as ``authorize``, a provider's ``profile()`` or an adapter returns it.

    Keys follow Auth.js (``emailVerified``), so records match the shared SQL schema.
    """

    id: str
    name: str | None
    email: str | None
    image: str | None
    emailVerified: datetime | None


class Account(TypedDict, total=False):
    """How a user signed in: the provider and its account id (and OAuth tokens)."""

    provider: str
    type: ProviderType
    providerAccountId: str
    userId: str
    access_token: str
    refresh_token: str
    expires_at: int
    token_type: str
    scope: str
    id_token: str
    session_state: str


class SessionUser(TypedDict, total=False):
    name: str | None
    email: str | None
    image: str | None


class Session(TypedDict):
    """What ``get_server_session`` returns and ``GET /api/auth/session`` sends.

    ``user`` holds name, email and image by default; the ``session`` callback may add keys.
    ``expires`` is an ISO-8601 UTC timestamp with milliseconds, as NextAuth sends it.
    """

    user: SessionUser
    expires: str
    # The session callback may add anything else; TypedDict allows reading it via .get().


class CredentialInput(TypedDict, total=False):
    label: str
    type: str
    placeholder: str
    required: bool


class AdapterSession(TypedDict):
    """A database session: the cookie holds ``sessionToken``; ``expires`` is timezone-aware UTC.

    ``createdAt``, ``userAgent`` and ``ip`` are authsession's, for "Your sessions"
    (``AuthOptions(session_management=...)``): an adapter that implements
    :class:`~authsession.adapters.SessionManagementAdapter` stores them beside the Auth.js row and
    returns them from ``list_sessions_of_user``; they are absent elsewhere.
    """

    sessionToken: str
    userId: str
    expires: datetime
    createdAt: NotRequired[datetime | None]
    userAgent: NotRequired[str | None]
    ip: NotRequired[str | None]


class VerificationToken(TypedDict):
    """An email sign-in token. ``token`` is stored hashed (sha256 of token + secret)."""

    identifier: str
    token: str
    expires: datetime


class TwoFactorRecord(TypedDict):
    """A user's TOTP enrolment (authsession's two-factor sign-in; not part of Auth.js).

    ``secret`` is the TOTP key encrypted by authsession with a key derived from ``AuthOptions``'
    secret: the store never holds it in clear. ``enabledAt`` is ``None`` while the enrolment
    waits for its first code. ``lastStep`` is the newest TOTP time step accepted: a code from it
    or an earlier step is refused, so each code signs in once.
    """

    userId: str
    secret: str
    enabledAt: datetime | None
    lastStep: int


class Authenticator(TypedDict):
    """A WebAuthn credential (a passkey) a user registered, as Auth.js 5 stores it.

    ``credentialID`` and ``credentialPublicKey`` (the COSE key) are standard padded base64, as
    ``@auth/core`` writes them; ``providerAccountId`` is the credential id too, and names the
    ``passkey`` account the authenticator belongs to. ``counter`` is the signature counter seen
    last; ``credentialDeviceType`` is ``"singleDevice"`` or ``"multiDevice"`` (a synced passkey)
    and ``credentialBackedUp`` says whether it is backed up now. ``transports`` is the browser's
    list of transports joined by commas (``"internal,hybrid"``), or ``None``.
    """

    credentialID: str
    userId: str
    providerAccountId: str
    credentialPublicKey: str
    counter: int
    credentialDeviceType: str
    credentialBackedUp: bool
    transports: NotRequired[str | None]
