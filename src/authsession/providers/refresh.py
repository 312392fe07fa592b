"""Keep an OAuth access token fresh from the ``jwt`` callback: the refresh token grant.

Standard: RFC 6749 §6 (refreshing an access token), with the client authentication of §2.3.1
that sign-in uses. NextAuth leaves this to your ``jwt`` callback (its "refresh token rotation"
guide); :func:`refresh_access_token` is that callback's work, done once and tested.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, TypeGuard

import httpx2

from authsession.errors import ConfigurationError
from authsession.providers.oauth import OAuthError, OAuthProvider, discover, http_client, request_tokens

logger = logging.getLogger("authsession")

#: The ``error`` a token gets when its refresh failed; NextAuth's guide uses the same name.
REFRESH_ACCESS_TOKEN_ERROR = "RefreshAccessTokenError"  # noqa: S105 (an error name, not a secret)


async def refresh_access_token(
    provider: OAuthProvider,
    token: Mapping[str, Any],
    *,
    now: float | None = None,
    leeway: int = 60,
    http_transport: httpx2.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """Return ``token`` with a fresh access token once ``token["expires_at"]`` draws near.

    Call it from your ``jwt`` callback, which runs on every session read. ``token`` holds
    ``access_token``, ``expires_at`` (Unix seconds) and ``refresh_token``, stored there at
    sign-in from the ``account``:

    - while ``now`` is more than ``leeway`` seconds before ``expires_at``, or when the token
      has no ``expires_at`` (it does not expire), ``token`` comes back unchanged;
    - otherwise the refresh token is sent to the provider's token endpoint (discovered from
      ``issuer`` when the provider has no ``token`` URL), with the provider's client
      authentication, and you get a copy of ``token`` with the new ``access_token`` and
      ``expires_at``, and the new ``refresh_token`` if the provider rotated it (else the old
      one). A previous ``error`` is dropped;
    - when that fails (no refresh token, an error answer, an unreachable provider) you get
      ``{**token, "error": "RefreshAccessTokenError"}`` and a warning on the ``authsession``
      logger that names the provider and the OAuth error code, never a token. Expose the
      ``error`` in the ``session`` callback so your pages can send the user to sign in again.

    ``now`` defaults to ``time.time()``; pass your app's clock if you inject one.
    ``http_transport`` swaps httpx2's transport (tests pass ``httpx2.MockTransport``).

    Example, with the JWT session strategy::

        from authsession import AuthOptions
        from authsession.providers import Google, refresh_access_token

        google = Google(
            client_id=..., client_secret=...,
            # Google sends a refresh token only with offline access and consent.
            authorization={"params": {"access_type": "offline", "prompt": "consent"}},
        )

        async def jwt(token, account=None):
            if account:  # sign-in: keep the provider's tokens in the encrypted session token
                return {
                    **token,
                    "access_token": account["access_token"],
                    "expires_at": account["expires_at"],
                    "refresh_token": account.get("refresh_token"),
                }
            return await refresh_access_token(google, token)

        async def session(session, token):
            if token.get("error"):
                session["error"] = token["error"]  # "RefreshAccessTokenError": sign in again
            return session

        options = AuthOptions(providers=[google], callbacks={"jwt": jwt, "session": session})

    Security: the refresh token is a long-lived credential. With the JWT strategy it lives in
    the encrypted session cookie, so keep ``secret`` strong and never copy the refresh token
    into the session object, which the browser can read from ``/api/auth/session``. Providers
    that rotate refresh tokens accept each one once: two requests refreshing at the same time
    can make the second fail (some providers then revoke the grant), so keep ``leeway`` well
    above the time your pages take to load in parallel.
    """
    if not isinstance(provider, OAuthProvider):
        raise TypeError(f"refresh_access_token needs an OAuth or OIDC provider, not {type(provider).__name__}")
    current = time.time() if now is None else now
    expires_at = token.get("expires_at")
    if not _is_number(expires_at) or current < expires_at - leeway:
        return dict(token)
    refresh_token = token.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        logger.warning("REFRESH_ACCESS_TOKEN_ERROR for provider %r: the token has no refresh_token", provider.id)
        return {**token, "error": REFRESH_ACCESS_TOKEN_ERROR}
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    try:
        metadata = await discover(provider, transport=http_transport)
        async with http_client(transport=http_transport) as client:
            tokens = await request_tokens(provider, client, metadata, form, now=current)
    except (OAuthError, ConfigurationError, httpx2.HTTPError, ValueError) as exc:
        # The messages carry a status, an OAuth error code or a URL; never a token value.
        logger.warning("REFRESH_ACCESS_TOKEN_ERROR for provider %r: %s: %s", provider.id, type(exc).__name__, str(exc))
        return {**token, "error": REFRESH_ACCESS_TOKEN_ERROR}
    refreshed = {key: value for key, value in token.items() if key != "error"}
    refreshed["access_token"] = tokens["access_token"]
    if _is_number(tokens.get("expires_at")):
        refreshed["expires_at"] = tokens["expires_at"]
    else:  # the provider did not say when the new token expires: do not refresh it again
        refreshed.pop("expires_at", None)
    rotated = tokens.get("refresh_token")
    if isinstance(rotated, str) and rotated:
        refreshed["refresh_token"] = rotated
    return refreshed


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


__all__ = ["REFRESH_ACCESS_TOKEN_ERROR", "refresh_access_token"]
