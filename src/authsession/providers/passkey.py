"""Sign in with a passkey (WebAuthn), wire-compatible with Auth.js 5's ``Passkey`` provider.

Standards: W3C Web Authentication Level 2 (§7.1 registration, §7.2 authentication). The
cryptography (CBOR, COSE keys, attestation statements, signatures) is py_webauthn's; this module
turns Auth.js's option shapes and stored records into its calls and back.

``signIn("passkey")`` from ``next-auth/webauthn`` works against a Python server with this
provider, and so does the button on the built-in sign-in page. Passkeys need an adapter with
the authenticator methods (:class:`~authsession.adapters.AuthenticatorAdapter`) and Auth.js's
``format="v5"``. Requires ``pip install authsession[passkey]``.

Security: user verification (a PIN, a fingerprint) is required by default, as Auth.js does, so
a passkey is a full sign-in on its own. A new account made with a passkey carries the email the
visitor typed, unverified: do not treat it as proof of the address. The relying party ID
defaults to the site's host name, taken from ``AuthOptions(url=...)`` or the request; set
``rp_id`` and ``origin`` when the site sits behind a proxy that changes them.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

try:
    from webauthn import (
        generate_authentication_options,
        generate_registration_options,
        options_to_json,
        verify_authentication_response,
        verify_registration_response,
    )
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        AuthenticatorTransport,
        CredentialDeviceType,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("The Passkey provider needs py_webauthn: pip install authsession[passkey]") from exc

from authsession._core.pages.passkey import PASSKEY_SCRIPT, SCRIPT_HASH
from authsession._core.pages.passkey import passkey_form as _passkey_form
from authsession._core.provider import RelyingParty, WebAuthnOptions
from authsession.errors import WebAuthnVerificationError
from authsession.providers.base import check_provider_id
from authsession.theme import ProviderStyle
from authsession.types import Authenticator

__all__ = ["PASSKEY_SCRIPT", "PASSKEY_SCRIPT_HASH", "Passkey", "PasskeyProvider", "passkey_form"]

#: ``'sha256-...'`` of :data:`PASSKEY_SCRIPT`: put it in your page's ``script-src`` if it has a CSP.
PASSKEY_SCRIPT_HASH = SCRIPT_HASH

#: Auth.js's DEFAULT_WEBAUTHN_TIMEOUT: five minutes, in milliseconds.
DEFAULT_TIMEOUT = 5 * 60 * 1000
UserVerification = Literal["required", "preferred", "discouraged"]
# SimpleWebAuthn's (and so Auth.js's) names for py_webauthn's device types.
_DEVICE_TYPES = {CredentialDeviceType.SINGLE_DEVICE: "singleDevice", CredentialDeviceType.MULTI_DEVICE: "multiDevice"}
_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)


@dataclass(frozen=True, slots=True, kw_only=True)
class PasskeyProvider:
    """The ``Passkey`` provider's settings; build it with :func:`Passkey`."""

    id: str = "passkey"
    name: str = "Passkey"
    type: Literal["webauthn"] = "webauthn"
    style: ProviderStyle | None = None
    rp_id: str | None = None
    rp_name: str | None = None
    origin: str | None = None
    user_verification: UserVerification = "required"
    timeout: int = DEFAULT_TIMEOUT
    new_users: bool = True

    def relying_party(self, origin: str) -> RelyingParty:
        """The configured relying party, else Auth.js's: the host name, the host, the origin."""
        parts = urlsplit(origin)
        return RelyingParty(
            id=self.rp_id or parts.hostname or "",
            name=self.rp_name or parts.netloc,
            origin=self.origin or origin,
        )

    def registration_options(
        self, rp: RelyingParty, *, user_name: str, display_name: str | None, exclude: Sequence[Authenticator]
    ) -> WebAuthnOptions:
        made = generate_registration_options(
            rp_id=rp.id,
            rp_name=rp.name,
            # Random, as in Auth.js: the credential is tied to the user through the database.
            user_id=secrets.token_hex(16).encode(),
            user_name=user_name,
            user_display_name=display_name or "",
            timeout=self.timeout,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement(self.user_verification),
            ),
            exclude_credentials=[_descriptor(a) for a in exclude],
        )
        options = json.loads(options_to_json(made))
        options["extensions"] = {"credProps": True}  # as SimpleWebAuthn asks for it
        return WebAuthnOptions(options=options, challenge=options["challenge"])

    def authentication_options(self, rp: RelyingParty, *, allow: Sequence[Authenticator] | None) -> WebAuthnOptions:
        made = generate_authentication_options(
            rp_id=rp.id,
            timeout=self.timeout,
            allow_credentials=[_descriptor(a) for a in allow or ()],
            user_verification=UserVerificationRequirement(self.user_verification),
        )
        options = json.loads(options_to_json(made))
        return WebAuthnOptions(options=options, challenge=options["challenge"])

    def verify_registration(self, rp: RelyingParty, response: Mapping[str, Any], challenge: str) -> Authenticator:
        try:
            verified = verify_registration_response(
                credential=dict(response),
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                require_user_verification=self.user_verification == "required",
            )
        except Exception as exc:  # malformed input fails anywhere in the parser: all of it is a refusal
            raise WebAuthnVerificationError(f"The passkey registration did not verify: {exc}") from exc
        credential_id = _base64(verified.credential_id)
        return {
            "credentialID": credential_id,
            "userId": "",
            "providerAccountId": credential_id,
            "credentialPublicKey": _base64(verified.credential_public_key),
            "counter": verified.sign_count,
            "credentialDeviceType": _DEVICE_TYPES[verified.credential_device_type],
            "credentialBackedUp": verified.credential_backed_up,
            "transports": _transports(response),
        }

    def verify_authentication(
        self, rp: RelyingParty, response: Mapping[str, Any], challenge: str, authenticator: Authenticator
    ) -> int:
        try:
            verified = verify_authentication_response(
                credential=dict(response),
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=base64.b64decode(authenticator["credentialPublicKey"]),
                credential_current_sign_count=authenticator["counter"],
                require_user_verification=self.user_verification == "required",
            )
        except Exception as exc:  # as above: a signature, a counter going back, or garbage
            raise WebAuthnVerificationError(f"The passkey sign-in did not verify: {exc}") from exc
        # Backup eligibility is fixed when a credential is made: a change means another authenticator.
        if _DEVICE_TYPES[verified.credential_device_type] != authenticator["credentialDeviceType"]:
            raise WebAuthnVerificationError("The passkey's backup eligibility changed since it was registered")
        return verified.new_sign_count


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _descriptor(authenticator: Authenticator) -> PublicKeyCredentialDescriptor:
    transports = [
        AuthenticatorTransport(t) for t in (authenticator.get("transports") or "").split(",") if t in _TRANSPORTS
    ]
    return PublicKeyCredentialDescriptor(
        id=base64.b64decode(authenticator["credentialID"]), transports=transports or None
    )


def _transports(response: Mapping[str, Any]) -> str | None:
    """The browser's transports, joined by commas as Auth.js stores them (known values only)."""
    inner = response.get("response")
    given = inner.get("transports") if isinstance(inner, Mapping) else None
    if not isinstance(given, list):
        return None
    known = [t for t in given if isinstance(t, str) and t in _TRANSPORTS]
    return ",".join(known) or None


def Passkey(
    *,
    id: str = "passkey",
    name: str = "Passkey",
    rp_id: str | None = None,
    rp_name: str | None = None,
    origin: str | None = None,
    user_verification: UserVerification = "required",
    timeout: int = DEFAULT_TIMEOUT,
    new_users: bool = True,
) -> PasskeyProvider:
    """A passkey provider, as Auth.js 5's ``Passkey``: resident keys, user verification required.

    ``rp_id`` (the relying party ID, a host name such as ``example.com``), ``rp_name`` and
    ``origin`` default to the site's own (Auth.js's ``relayingParty``). ``timeout`` is the
    browser's, in milliseconds. ``user_verification="preferred"`` accepts an authenticator that
    only checks presence; then a stolen security key signs in without its PIN.

    ``new_users=False`` (authsession's, not Auth.js's) lets only signed-in users register a
    passkey: use it when accounts must start another way, for example with a confirmed email,
    since a passkey account carries an address nobody confirmed.
    """
    if user_verification not in ("required", "preferred", "discouraged"):
        raise ValueError("user_verification must be 'required', 'preferred' or 'discouraged'")
    return PasskeyProvider(
        id=check_provider_id(id),
        name=name,
        rp_id=rp_id,
        rp_name=rp_name,
        origin=origin,
        user_verification=user_verification,
        timeout=timeout,
        new_users=new_users,
    )


def passkey_form(
    *,
    action: Literal["register", "authenticate"] | None = None,
    button: str = "Sign in with a passkey",
    base_path: str = "/api/auth",
    provider_id: str = "passkey",
    callback_url: str = "/",
) -> str:
    """A passkey button for your own pages, as HTML; put :data:`PASSKEY_SCRIPT` in a ``<script>``
    on the same page (once) to make it work.

    ``action="register"`` adds a passkey to the signed-in user ("Add a passkey");
    ``"authenticate"`` signs in with any passkey the browser holds for the site. Afterwards the
    browser goes to ``callback_url``, or to the error page with Auth.js's error code.
    """
    return _passkey_form(
        provider_id=provider_id,
        base_url=base_path,
        callback_url=f"{base_path}/callback/{provider_id}",
        csrf_token=None,
        redirect_to=callback_url,
        button=button,
        email_input_id=None,
        action=action,
    )
