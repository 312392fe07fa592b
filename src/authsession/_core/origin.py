"""Which origin a request is served on, and when the ``Host`` header may decide it.

The origin becomes OAuth ``redirect_uri``s, email links, form actions and the same-origin
check of every callbackUrl, so it must not be whatever a client writes in ``Host``:

* ``url`` (or ``AUTH_URL``/``NEXTAUTH_URL``) set: that origin, whatever the headers say.
* ``trust_host`` (or ``AUTH_TRUST_HOST``): ``X-Forwarded-Proto``/``X-Forwarded-Host``, then
  ``Host`` — a proxy you run sets them.
* neither: ``Host`` only when it names a loopback host (``localhost``, ``*.localhost``,
  ``127.0.0.0/8``, ``[::1]``) or the address the server itself reports listening on; anything
  else is refused, as Auth.js 5 refuses it (``UntrustedHost``). Local development needs no setting.

A ``Host`` that is not a host (``[``, ``x[y``, spaces) is refused in every mode.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from authsession._core.limits import RequestRefused, log_safe

if TYPE_CHECKING:
    from authsession._core.context import CoreOptions

logger = logging.getLogger("authsession")

# RFC 3986 host (a DNS-style reg-name or a bracketed IPv6 literal) and an optional port.
_HOST = re.compile(r"(?P<name>[A-Za-z0-9._~-]{1,253}|\[(?P<ipv6>[0-9A-Fa-f:.]{2,45})\])(?::(?P<port>[0-9]{1,5}))?")


def request_origin(
    options: CoreOptions,
    headers: Mapping[str, str],
    scheme: str,
    server: tuple[str, int | None] | None,
) -> str:
    """``scheme://host[:port]`` to build the request URL on; raises :class:`RequestRefused` (400)
    for a malformed or untrusted host. ``headers`` keys are lower-case."""
    if options.origin is not None:
        return options.origin
    host = headers.get("host")
    if options.trust_host:
        forwarded_proto = _first(headers.get("x-forwarded-proto"))
        if forwarded_proto:
            if forwarded_proto.lower() in ("http", "https"):
                scheme = forwarded_proto.lower()
            else:
                logger.info("Ignoring X-Forwarded-Proto %s: not http or https", log_safe(forwarded_proto, 100))
        host = _first(headers.get("x-forwarded-host")) or host
    if not host:
        if server is None:
            raise RequestRefused(400, "No Host header and no server address: cannot tell the site's origin")
        name, port = server
        host = name if port in (None, 80, 443) else f"{name}:{port}"
    if not valid_host(host):
        raise RequestRefused(400, f"Malformed Host header {log_safe(host, 100)}")
    if not options.trust_host and not _host_is_trusted(host, server):
        raise RequestRefused(
            400,
            f"UntrustedHost: {log_safe(host, 100)} is not a loopback host and neither url (AUTH_URL) nor "
            "trust_host (AUTH_TRUST_HOST) is set; set AuthOptions(url='https://your.site')",
        )
    return f"{scheme}://{host}"


def valid_host(host: str) -> bool:
    """Whether ``host`` is ``name[:port]`` or ``[ipv6][:port]`` with a port up to 65535."""
    match = _HOST.fullmatch(host)
    if match is None:
        return False
    port = match["port"]
    if port is not None and int(port) > 65535:
        return False
    if match["ipv6"] is not None:
        try:
            ipaddress.IPv6Address(match["ipv6"])
        except ValueError:
            return False
    return True


def _host_is_trusted(host: str, server: tuple[str, int | None] | None) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        if ipaddress.ip_address(name).is_loopback:
            return True
    except ValueError:
        pass
    # The name the server was started on (``uvicorn --host``, a test client's base URL).
    return server is not None and name == server[0].lower()


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()
