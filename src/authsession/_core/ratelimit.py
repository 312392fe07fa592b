"""Brute-force protection: failed credentials sign-ins and email sign-in requests are counted per
client IP and per identifier, and refused past a limit with NextAuth's error shapes plus
``Retry-After``.

NextAuth has no such limits (django-allauth and better-auth do); authsession turns them on by
default. This module is the policy, without I/O: which events count, under which keys, and what
the browser gets. The counters live behind :class:`RateLimitStore`; the stores built on the
``limits`` library (in memory, or in Redis for several processes) are in
:mod:`authsession.ratelimit`.

Security notes:

- A per-identifier limit lets anyone slow down sign-in for an address they know. The defaults
  are a soft lockout (5 failures in 5 minutes, then a wait of minutes, never an account lock).
- Keys hold a SHA-256 of the IP or identifier, never the value, so a store's contents give
  away no addresses.
- The client IP is the socket's peer. ``X-Forwarded-For`` is read only when ``trusted_proxies``
  says which proxies to believe, from the right, skipping those proxies; a client can prepend
  anything to that header, so it never decides on its own.
- IPv6 clients are counted per /64, the block one subscriber usually gets.
- When the store fails (Redis down), the request goes through and an error is logged: sign-in
  stays up, and the outage shows in the logs.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from authsession.errors import ConfigurationError

if TYPE_CHECKING:
    from authsession._core.context import Context
    from authsession._core.http import AuthRequest, AuthResponse

logger = logging.getLogger("authsession")

#: What the ``code`` query parameter of a refused sign-in says (v5 shows it as ``&code=``).
RATE_LIMITED_CODE = "rate_limited"
# X-Forwarded-For is read from the right; more than this many characters of it are never needed.
MAX_FORWARDED_FOR = 2048


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``amount`` events in any ``seconds`` long moving window."""

    amount: int
    seconds: int

    def __post_init__(self) -> None:
        if self.amount < 1 or self.seconds < 1:
            raise ConfigurationError(f"A rate limit needs a positive amount and window, not {self}")


class RateLimitStore(Protocol):
    """Where the counters live. Each method counts or reads one key under one :class:`Limit`."""

    async def hit(self, key: str, limit: Limit) -> bool:
        """Count one event; ``False`` (and nothing counted) when the limit is already reached."""
        ...

    async def test(self, key: str, limit: Limit) -> bool:
        """Whether one more event would be allowed, without counting it."""
        ...

    async def retry_after(self, key: str, limit: Limit) -> int:
        """Whole seconds until one more event is allowed (0 when it is now)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Brute-force limits, on by default: ``AuthOptions(rate_limits=RateLimits(...))`` to tune
    them, ``rate_limits=False`` to turn them off.

    - ``store``: where counters live; ``None`` is one in-process memory store per
      ``AuthOptions`` (right for one process). With several processes or hosts use
      ``authsession.ratelimit.RedisRateLimitStore(url)``, or each process counts alone.
    - ``failed_credentials_per_ip`` / ``failed_credentials_per_identifier``: failed credentials
      sign-ins (``authorize`` refused) allowed per window; further attempts are refused before
      ``authorize`` runs. The identifier is the first of ``identifier_fields`` in the form.
    - ``email_requests_per_ip`` / ``email_requests_per_identifier``: email sign-in links that may
      be requested per window (on top of the provider's one-per-``rate_limit`` per address).
    - ``failed_second_factor_per_user``: wrong two-factor codes a user may enter per window
      (``AuthOptions(two_factor=...)``); past it, codes are refused without being checked.
    - ``trusted_proxies``: the proxies in front of the app, whose ``X-Forwarded-For`` entries
      are believed: a list of addresses or networks (``["10.0.0.0/8", "::1"]``), or the number
      of proxy hops. Empty (the default): the socket's peer is the client.

    Any limit set to ``None`` is not enforced.
    """

    enabled: bool = True
    store: RateLimitStore | None = field(default=None, compare=False)
    failed_credentials_per_ip: Limit | None = Limit(10, 60)
    failed_credentials_per_identifier: Limit | None = Limit(5, 300)
    email_requests_per_ip: Limit | None = Limit(20, 600)
    email_requests_per_identifier: Limit | None = Limit(3, 600)
    failed_second_factor_per_user: Limit | None = Limit(5, 300)
    trusted_proxies: Sequence[str] | int = ()
    identifier_fields: tuple[str, ...] = ("email", "username")
    key_prefix: str = "authsession"

    def __post_init__(self) -> None:
        proxies = self.trusted_proxies
        if isinstance(proxies, bool) or (isinstance(proxies, int) and proxies < 0):
            raise ConfigurationError("trusted_proxies is a list of addresses/networks or a number of hops (>= 0)")
        if isinstance(proxies, str):
            raise ConfigurationError("trusted_proxies must be a list of addresses, not one string")
        if not isinstance(proxies, int):
            object.__setattr__(self, "trusted_proxies", tuple(_network(p) for p in proxies))


def _network(value: Any) -> str:
    try:
        return str(ipaddress.ip_network(str(value).strip(), strict=False))
    except ValueError as exc:
        raise ConfigurationError(f"trusted_proxies: {value!r} is not an IP address or network") from exc


# --- the client's address -----------------------------------------------------------------------


def client_ip(request: AuthRequest, trusted: Sequence[str] | int) -> str | None:
    """The client's IP: the socket's peer, or, behind ``trusted`` proxies, the right-most
    ``X-Forwarded-For`` entry that is not one of them. ``None`` when unknown (a Unix socket)."""
    peer = _ip(request.client)
    if peer is None or not trusted:
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    if len(forwarded) > MAX_FORWARDED_FOR:
        # Keep whole entries from the right: the left ones are the client's to write anyway.
        forwarded = forwarded[-MAX_FORWARDED_FOR:].split(",", 1)[-1]
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if isinstance(trusted, int):
        chain = [*hops, peer]  # the right-most is the nearest proxy
        found = _ip(chain[max(len(chain) - 1 - trusted, 0)])
        return found or peer
    networks = [ipaddress.ip_network(n) for n in trusted]
    if not _within(peer, networks):
        return peer
    candidate = peer
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            break  # garbage a trusted proxy passed on: the last good address stands
        candidate = address
        if not _within(address, networks):
            break
    return candidate


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _within(address: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == net.version and ip in net for net in networks)


def _ip_bucket(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


# --- the policy ---------------------------------------------------------------------------------

Kind = Literal["credentials", "email", "second-factor"]


def _key(policy: RateLimits, kind: Kind, scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{policy.key_prefix}:ratelimit:{kind}:{scope}:{digest}"


def _keys(ctx: Context, policy: RateLimits, kind: Kind, identifier: str | None) -> list[tuple[str, Limit]]:
    per_ip = policy.failed_credentials_per_ip if kind == "credentials" else policy.email_requests_per_ip
    per_id = policy.failed_credentials_per_identifier if kind == "credentials" else policy.email_requests_per_identifier
    keys = []
    ip = client_ip(ctx.request, policy.trusted_proxies)
    if per_ip is not None and ip is not None:
        keys.append((_key(policy, kind, "ip", _ip_bucket(ip)), per_ip))
    if per_id is not None and identifier:
        keys.append((_key(policy, kind, "id", identifier), per_id))
    return keys


def credentials_identifier(policy: RateLimits, body: Mapping[str, Any]) -> str | None:
    """The form field that names the account (``email``, ``username``), normalised."""
    for name in policy.identifier_fields:
        value = body.get(name)
        if isinstance(value, str) and value.strip():
            return unicodedata.normalize("NFKC", value).strip().lower()
    return None


def _active(ctx: Context) -> tuple[RateLimits, RateLimitStore] | None:
    policy: RateLimits | None = ctx.options.rate_limits
    if policy is None or not policy.enabled or policy.store is None:
        return None
    return policy, policy.store


async def check_credentials(ctx: Context, provider_id: str, body: Mapping[str, Any]) -> AuthResponse | None:
    """Before ``authorize``: the refusal when this IP or identifier failed too often, else ``None``."""
    if (active := _active(ctx)) is None:
        return None
    policy, store = active
    try:
        for key, limit in _keys(ctx, policy, "credentials", credentials_identifier(policy, body)):
            if not await store.test(key, limit):
                logger.warning("Rate limit: too many failed credentials sign-ins (%s)", key.split(":")[-2])
                return refuse(ctx, "CredentialsSignin", await store.retry_after(key, limit), provider=provider_id)
    except Exception:
        logger.exception("Rate limit store failed; letting the credentials sign-in through")
    return None


async def count_failed_credentials(ctx: Context, body: Mapping[str, Any]) -> None:
    """After ``authorize`` refused: count one failure for the IP and the identifier."""
    if (active := _active(ctx)) is None:
        return
    policy, store = active
    try:
        for key, limit in _keys(ctx, policy, "credentials", credentials_identifier(policy, body)):
            await store.hit(key, limit)
    except Exception:
        logger.exception("Rate limit store failed; a failed credentials sign-in was not counted")


async def check_email_request(ctx: Context, identifier: str) -> AuthResponse | None:
    """Count one email link request for the IP and the address: the refusal past a limit."""
    if (active := _active(ctx)) is None:
        return None
    policy, store = active
    try:
        for key, limit in _keys(ctx, policy, "email", identifier):
            if not await store.hit(key, limit):
                logger.warning("Rate limit: too many email sign-in requests (%s)", key.split(":")[-2])
                return refuse(ctx, "EmailSignin", await store.retry_after(key, limit))
    except Exception:
        logger.exception("Rate limit store failed; letting the email sign-in request through")
    return None


async def second_factor_retry_after(ctx: Context, user_id: str) -> int | None:
    """Seconds until this user may try a two-factor code again, or ``None`` if they may now."""
    if (active := _active(ctx)) is None or active[0].failed_second_factor_per_user is None:
        return None
    policy, store = active
    limit = policy.failed_second_factor_per_user
    assert limit is not None
    key = _key(policy, "second-factor", "id", user_id)
    try:
        if not await store.test(key, limit):
            logger.warning("Rate limit: too many wrong two-factor codes for one user")
            return max(await store.retry_after(key, limit), 1)
    except Exception:
        logger.exception("Rate limit store failed; letting the two-factor code through to be checked")
    return None


async def count_failed_second_factor(ctx: Context, user_id: str) -> None:
    if (active := _active(ctx)) is None or active[0].failed_second_factor_per_user is None:
        return
    policy, store = active
    limit = policy.failed_second_factor_per_user
    assert limit is not None
    try:
        await store.hit(_key(policy, "second-factor", "id", user_id), limit)
    except Exception:
        logger.exception("Rate limit store failed; a wrong two-factor code was not counted")


def refuse(ctx: Context, error: str, retry_after: int, *, provider: str | None = None) -> AuthResponse:
    """NextAuth's answer to a refused sign-in, with ``code=rate_limited`` and ``Retry-After``.

    next-auth 4 sends the browser to its error page (``/error?error=CredentialsSignin``), Auth.js
    to the sign-in page (``/signin?error=...&code=...``). Redirects stay 302 so a browser lands
    on a page; a client that asked for JSON (v4 ``json=true``, v5 ``X-Auth-Return-Redirect``)
    gets the same ``{"url": ...}`` with status 429.
    """
    if ctx.v4:
        url = ctx.url("error", error=error, provider=provider, code=RATE_LIMITED_CODE)
    else:
        ctx.response_cookies.clear()  # as every Auth.js error answer: no Set-Cookie
        url = ctx.page_url(ctx.options.pages.sign_in, "signin", error=error, code=RATE_LIMITED_CODE)
    response = ctx.redirect(url, status=429)
    if ctx.json_mode:
        response.status = 429
    response.headers["Retry-After"] = str(max(retry_after, 1))
    return response


__all__ = [
    "RATE_LIMITED_CODE",
    "Limit",
    "RateLimitStore",
    "RateLimits",
    "check_credentials",
    "check_email_request",
    "client_ip",
    "count_failed_credentials",
    "count_failed_second_factor",
    "refuse",
    "second_factor_retry_after",
]
