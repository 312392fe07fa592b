"""Size bounds on request data, checked before anything is parsed, cached or stored.

An auth API needs little from a request: a form of a few short fields, a session cookie of a
few chunks, a callback URL that fits in a cookie. Everything larger is refused here, early and
cheaply, so a hostile request can neither grow a cache nor hold the event loop. The table of
bounds and answers is in ``docs/configuration.md`` ("Request limits").
"""

from __future__ import annotations

import re

#: A callbackUrl (query, body or cookie) longer than this is not followed or cached: it has to
#: fit in the callback-url cookie, and browsers drop cookies over 4096 bytes.
MAX_URL_LENGTH = 4096
#: A JWE protected header written by next-auth or @auth/core is under 200 characters.
MAX_JWE_HEADER_LENGTH = 1024
#: A session token reassembled from its chunks: 16 full cookie chunks.
MAX_TOKEN_LENGTH = 16 * 4096
#: Cookie headers beyond these are ignored whole (no session, a log line): browsers keep at
#: most ~180 cookies of 4096 bytes per site, and no auth cookie set needs more than a few.
MAX_COOKIE_HEADER_LENGTH = 64 * 1024
MAX_COOKIE_COUNT = 200
#: Request headers beyond this count refuse the request (431) before any is looked at.
MAX_HEADER_COUNT = 200
#: Default POST body cap for the auth routes (configurable per integration): sign-in forms,
#: CSRF tokens and JSON bodies are well under a few kilobytes.
DEFAULT_MAX_BODY_SIZE = 64 * 1024
#: Form fields or JSON members in one body; a credentials form has a handful.
MAX_BODY_FIELDS = 100
#: Nesting of a JSON body; what the auth routes take is 1-2 levels deep.
MAX_JSON_DEPTH = 32
#: Printable text of one client log record (v4 ``POST /_log``).
MAX_LOG_TEXT = 2000

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Only these characters change the nesting or the in-string state; the scan jumps between them.
_JSON_SIGNIFICANT = re.compile(r'[\[\]{}"\\]')


class RequestRefused(Exception):
    """A request broke a bound; ``status`` is the HTTP answer, the message is for the log."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def json_depth_within_bounds(text: str) -> bool:
    """Whether ``text`` nests arrays and objects at most :data:`MAX_JSON_DEPTH` deep.

    Checked before ``json.loads``, whose recursion would otherwise end in ``RecursionError``.
    Brackets inside strings do not count; malformed JSON is left for the parser to refuse.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return True
    depth = 0
    in_string = False
    escaped_at = -1  # the position right after a backslash inside a string
    for match in _JSON_SIGNIFICANT.finditer(text):
        char, at = match.group(), match.start()
        if in_string:
            if at == escaped_at:
                escaped_at = -1
            elif char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif char in "]}":
            depth -= 1
    return True


def log_safe(value: object, limit: int = MAX_LOG_TEXT) -> str:
    """``value`` as one log line: control characters (newlines too) escaped, cut at ``limit``.

    So request text cannot forge extra log records or fill the disk.
    """
    text = str(value)
    cut = len(text) > limit
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text[:limit])
    return f"{text}...[{len(str(value)) - limit} more characters]" if cut else text
