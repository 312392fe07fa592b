"""callbackUrl resolution and the default ``redirect`` callback (protocol §4.3).

Only relative paths and URLs on the site's own origin are followed; anything else (another
host, ``//evil``, ``javascript:``, credentials tricks, control characters) falls back to the
site's origin. This is the open-redirect guard, so it is strict.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from authsession._core.limits import MAX_URL_LENGTH

# WHATWG URL parsing strips leading/trailing C0 controls and spaces and drops tabs/newlines.
_STRIP = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# These run on every request with the same few URLs (the site's, the callback-url cookie's), and
# are pure: a small cache skips urlsplit. The cache holds few entries and each key is at most
# MAX_URL_LENGTH long (longer URLs are refused before the cache), so request data cannot grow it.
_CACHE_SIZE = 256


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased, default port dropped;
    ``None`` for anything else, including a URL longer than ``MAX_URL_LENGTH``."""
    return None if len(url) > MAX_URL_LENGTH else _origin_of(url)


@lru_cache(maxsize=_CACHE_SIZE)
def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or "\\" in parts.netloc:
        return None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def default_redirect(url: str, base_url: str) -> str:
    """NextAuth's default ``redirect`` callback: relative paths join the origin, same-origin
    URLs pass, everything else (a URL over ``MAX_URL_LENGTH`` too) becomes ``base_url`` (the origin)."""
    if len(url) > MAX_URL_LENGTH or len(base_url) > MAX_URL_LENGTH:
        return base_url
    return _default_redirect(url, base_url)


@lru_cache(maxsize=_CACHE_SIZE)
def _default_redirect(url: str, base_url: str) -> str:
    cleaned = _TAB_NEWLINE.sub("", url.strip(_STRIP))
    if _CONTROL.search(cleaned):
        return base_url
    if cleaned.startswith("/"):
        # ``//host`` and ``/\host`` are kept as paths under our origin, never as a host.
        return f"{base_url}{cleaned}"
    if origin_of(cleaned) == origin_of(base_url) and not _has_userinfo(cleaned):
        return cleaned
    return base_url


def _has_userinfo(url: str) -> bool:
    return "@" in urlsplit(url).netloc


def is_http_url(url: str, base_url: str) -> bool:
    """Whether ``url`` (maybe relative) resolves to an http(s) URL: NextAuth's callbackUrl assertion.
    A URL over ``MAX_URL_LENGTH`` fails it."""
    if len(url) > MAX_URL_LENGTH or len(base_url) > MAX_URL_LENGTH:
        return False
    return _is_http_url(url, base_url)


@lru_cache(maxsize=_CACHE_SIZE)
def _is_http_url(url: str, base_url: str) -> bool:
    if url.startswith("/"):
        return origin_of(base_url) is not None
    return origin_of(url) is not None and not _CONTROL.search(url)
