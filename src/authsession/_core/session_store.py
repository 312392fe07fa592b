"""The session cookie of one request: read once, then rewritten or cleared as a whole.

A session token too long for one cookie is split into ``<name>.0``, ``<name>.1``, ... (protocol
§2.3). Whoever writes the session must also delete the chunks the new value no longer uses, and
a sign-out must delete them all; this object keeps the names it read so every write can do that.
Auth.js's ``SessionStore`` (``lib/utils/cookie.ts``) plays the same part.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from authsession._core.config import Dialect
from authsession._core.cookies import Cookie, chunk_cookies, expire_cookie, read_chunks


class SessionStore:
    """The session cookie of one request: its ``value`` and the writes that replace or clear it.

    Reading is bounded (see :data:`~authsession._core.cookies.MAX_SESSION_CHUNKS`), so a request
    carrying a thousand ``session-token.N`` cookies costs at most that many deletions.
    """

    __slots__ = ("_debug", "_dialect", "_names", "_template", "value")

    def __init__(
        self, template: Cookie, cookies: Mapping[str, str], dialect: Dialect, *, debug: logging.Logger | None = None
    ) -> None:
        self._template = template
        self._dialect = dialect
        self._debug = debug
        self.value, self._names = read_chunks(cookies, template.name, dialect.format)

    @property
    def name(self) -> str:
        return self._template.name

    @property
    def names(self) -> tuple[str, ...]:
        """The cookie names the value was read from, in chunk order."""
        return tuple(self._names)

    def chunk(self, value: str, *, expires: float) -> list[Cookie]:
        """The cookies that store ``value`` (split when too long) and delete unused chunks."""
        template = self._template.copy(expires=expires)
        return chunk_cookies(template, value, self._names, self._dialect.format, debug=self._debug)

    def replace(self, value: str, *, expires: float) -> list[Cookie]:
        """One cookie under the plain name holding ``value``, and deletions of every chunk.

        For database session tokens: they are short, and NextAuth never chunks them.
        """
        stale = [expire_cookie(self._template, name) for name in self._names if name != self._template.name]
        return [self._template.copy(value=value, expires=expires), *stale]

    def clean(self) -> list[Cookie]:
        """Deletions of every cookie the value was read from (sign-out, a bad or vetoed token)."""
        return [expire_cookie(self._template, name) for name in self._names]
