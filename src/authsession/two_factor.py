"""Two-factor sign-in with TOTP codes (authenticator apps), beyond what NextAuth offers.

Turn it on with ``AuthOptions(two_factor=TwoFactor(issuer="My app"), adapter=...)``. Then:

- ``<base>/two-factor/setup`` lets a signed-in user enrol: a QR code (SVG) and the secret as
  text for their app, a first code to confirm, and single-use recovery codes shown once.
- After any first factor (OAuth, email link, credentials) of an enrolled user, the session is
  not granted until a code is entered at ``<base>/two-factor``; the sign-in waits in a
  short-lived encrypted cookie, so it is bound to the browser, and failed codes count against
  the user's rate limit (``RateLimits.failed_second_factor_per_user``).
- ``<base>/two-factor/disable`` turns it off, with a fresh code.

Route protection can require a second factor: ``auth.require_session(second_factor=True)`` in
FastAPI, ``auth_required(second_factor=True)`` in Flask. The codes are checked by ``pyotp``
(RFC 6238, SHA-1, 30-second steps, one step of clock drift either way); each code is accepted
once. The storage is the adapter's (:class:`authsession.adapters.TwoFactorAdapter`).

Requires ``pip install authsession[totp]`` (``pyotp`` and ``segno``).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

try:
    import pyotp
    import segno
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("two-factor sign-in needs pyotp and segno: pip install authsession[totp]") from exc

from authsession.errors import ConfigurationError

__all__ = ["TwoFactor"]

_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy by hand


@dataclass(frozen=True, slots=True, kw_only=True)
class TwoFactor:
    """Settings of TOTP two-factor sign-in.

    - ``issuer``: the name authenticator apps show beside the account (your app's name);
      ``None`` uses the site's host.
    - ``pending_max_age``: seconds a first factor waits for its code (5 minutes).
    - ``window``: steps of clock drift accepted either side of now (1: ±30 seconds).
    - ``recovery_codes``: how many single-use recovery codes enrolment hands out.
    - ``digits``, ``interval``: the code's length and step; authenticator apps expect 6 and 30.
    """

    issuer: str | None = None
    pending_max_age: int = 300
    window: int = 1
    recovery_codes: int = 10
    digits: int = 6
    interval: int = 30

    def __post_init__(self) -> None:
        if not 60 <= self.pending_max_age <= 3600:
            raise ConfigurationError("TwoFactor.pending_max_age must be between 60 and 3600 seconds")
        if not 0 <= self.window <= 2:
            raise ConfigurationError("TwoFactor.window must be 0, 1 or 2 steps")
        if not 1 <= self.recovery_codes <= 50:
            raise ConfigurationError("TwoFactor.recovery_codes must be between 1 and 50")
        if self.digits not in (6, 8) or self.interval not in (30, 60):
            raise ConfigurationError("TwoFactor supports 6 or 8 digits and 30 or 60 second steps")

    def new_secret(self) -> str:
        """A random 160-bit key, base32 (RFC 4226's recommended length)."""
        return pyotp.random_base32(32)

    def provisioning_uri(self, secret: str, *, account_name: str, issuer: str) -> str:
        """The ``otpauth://totp/...`` URI the QR code carries."""
        totp = pyotp.TOTP(secret, digits=self.digits, interval=self.interval)
        return totp.provisioning_uri(name=account_name, issuer_name=issuer)

    def qr_svg(self, uri: str) -> str:
        """The QR code of ``uri`` as an inline ``<svg>`` element (no XML declaration)."""
        return str(segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff"))

    def match(self, secret: str, code: str, now: float) -> int | None:
        """The time step within ``window`` whose code is ``code``, or ``None``."""
        totp = pyotp.TOTP(secret, digits=self.digits, interval=self.interval)
        current = int(now) // self.interval
        found: int | None = None
        for step in range(current - self.window, current + self.window + 1):
            # Every candidate is compared, so the time taken does not say which one matched.
            if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
                found = step
        return found

    def new_recovery_codes(self) -> list[str]:
        """``recovery_codes`` random codes like ``k7mqz-4hxwp`` (50 bits each)."""
        return [
            "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
            for _ in range(self.recovery_codes)
        ]
