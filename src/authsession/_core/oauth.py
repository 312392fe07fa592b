"""The I/O-free half of OAuth 2.0 / OpenID Connect sign-in: checks and the authorization URL.

Standards: RFC 6749 §4.1 (authorization code grant), RFC 7636 (PKCE, S256 only), OpenID
Connect Core 1.0 §3.1.2.1 (``nonce``), RFC 9207 (``iss`` response parameter).
Protocol: ``docs/protocol.md`` §1.3 (check cookies as JWEs salted with the cookie
name, 15 minutes) and §6.1 (default checks: ``state`` in v4, ``pkce`` in v5).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlencode, urlsplit

from authsession._core import tokens as jwt
from authsession._core.context import Context
from authsession._core.cookies import CHECK_MAX_AGE, expire_cookie
from authsession._core.http import Cookie

Check = Literal["pkce", "state", "nonce"]


class InvalidCheck(Exception):
    """A state, PKCE or nonce check failed. The message names the check, never its value."""


def random_value() -> str:
    """32 random bytes, base64url without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _template(ctx: Context, check: Check) -> Cookie:
    cookies = ctx.cookie_templates
    return {"pkce": cookies.pkce_code_verifier, "state": cookies.state, "nonce": cookies.nonce}[check]


def seal(ctx: Context, template: Cookie, value: str, provider_id: str, *, cross_site: bool = False) -> Cookie:
    """A check cookie: ``{value, provider}`` encrypted with the cookie's name as salt, 15 minutes."""
    sealed = jwt.encode(
        token={"value": value, "provider": provider_id},
        secret=ctx.options.secrets,
        salt=template.name,
        max_age=CHECK_MAX_AGE,
        format=ctx.options.format,
        now=ctx.now,
    )
    if cross_site:  # a form_post callback is a cross-site POST: Lax cookies would not come back
        return template.copy(value=sealed, expires=ctx.now + CHECK_MAX_AGE, same_site="none", secure=True)
    return template.copy(value=sealed, expires=ctx.now + CHECK_MAX_AGE)


def create_checks(
    ctx: Context, checks: tuple[Check, ...], provider_id: str, *, form_post: bool = False
) -> dict[str, str]:
    """Make the values of ``checks``, set their cookies, and return the authorization params.

    With ``form_post`` (``response_mode=form_post``, as Apple uses) the state and nonce cookies
    are ``SameSite=None; Secure``, as Auth.js makes them, so the provider's POST carries them.
    """
    params: dict[str, str] = {}
    if "pkce" in checks:
        verifier = random_value()
        ctx.set_cookie(seal(ctx, ctx.cookie_templates.pkce_code_verifier, verifier, provider_id))
        params["code_challenge"] = pkce_challenge(verifier)
        params["code_challenge_method"] = "S256"
    if "state" in checks:
        if ctx.v4:
            state = random_value()
        else:  # Auth.js sends an encrypted state parameter
            state = jwt.encode(
                token={"random": random_value()},
                secret=ctx.options.secrets,
                salt="encodedState",
                max_age=CHECK_MAX_AGE,
                format="v5",
                now=ctx.now,
            )
        ctx.set_cookie(seal(ctx, ctx.cookie_templates.state, state, provider_id, cross_site=form_post))
        params["state"] = state
    if "nonce" in checks:
        nonce = random_value()
        ctx.set_cookie(seal(ctx, ctx.cookie_templates.nonce, nonce, provider_id, cross_site=form_post))
        params["nonce"] = nonce
    return params


def use_check(ctx: Context, check: Check, provider_id: str) -> str:
    """The value stored for ``check``; its cookie is deleted. Raises :class:`InvalidCheck`."""
    return use_sealed(ctx, _template(ctx, check), check, provider_id)


def use_sealed(ctx: Context, template: Cookie, check: str, provider_id: str) -> str:
    """The value :func:`seal` put in ``template``'s cookie; the cookie is deleted."""
    raw = ctx.request.cookies.get(template.name)
    if not raw:
        raise InvalidCheck(f"{check} cookie was missing")
    ctx.set_cookie(expire_cookie(template))
    payload = jwt.decode(
        token=raw, secret=ctx.options.secrets, salt=template.name, format=ctx.options.format, now=ctx.now
    )
    if payload is None:
        raise InvalidCheck(f"{check} cookie could not be decrypted or has expired")
    if payload.get("provider", provider_id) != provider_id or not isinstance(payload.get("value"), str):
        raise InvalidCheck(f"{check} cookie was made for another provider")
    value: str = payload["value"]
    return value


def verify_state(ctx: Context, returned: str | None, provider_id: str) -> None:
    expected = use_check(ctx, "state", provider_id)
    if not returned or not hmac.compare_digest(expected.encode(), returned.encode()):
        raise InvalidCheck("state did not match")


def authorization_url(endpoint: str, params: Mapping[str, str]) -> str:
    """``endpoint`` with ``params`` added to any query it already has."""
    parts = urlsplit(endpoint)
    query = urlencode(dict(params))
    joined = f"{parts.query}&{query}" if parts.query else query
    return parts._replace(query=joined).geturl()


def clear_checks(ctx: Context, checks: tuple[Check, ...]) -> None:
    for check in checks:
        ctx.set_cookie(expire_cookie(_template(ctx, check)))
