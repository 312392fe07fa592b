"""The parts of a request an integration hands to the core, parsed within ``limits``' bounds.

Framework-free, so every integration parses the ``Cookie`` header, the query string and a POST
body the same way, and refuses the same oversized input before it is parsed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from authsession._core.cookies import decode_uri_component, parse_cookie_header
from authsession._core.http import AuthRequest, AuthResponse
from authsession._core.limits import (
    MAX_BODY_FIELDS,
    MAX_HEADER_COUNT,
    MAX_JSON_DEPTH,
    MAX_TOKEN_LENGTH,
    RequestRefused,
    json_depth_within_bounds,
    log_safe,
)
from authsession._core.origin import request_origin

if TYPE_CHECKING:
    from authsession._core.context import CoreOptions

logger = logging.getLogger("authsession")


def parse_query(query_string: str) -> dict[str, str]:
    """A query string as a dict (last value wins); :class:`RequestRefused` past ``MAX_BODY_FIELDS``."""
    try:
        return dict(parse_qsl(query_string, keep_blank_values=True, max_num_fields=MAX_BODY_FIELDS))
    except ValueError:
        raise RequestRefused(400, f"More than {MAX_BODY_FIELDS} query fields") from None


def parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """A POST body as a flat dict: form-encoded or JSON; anything else, or a malformed body, is
    empty. Raises :class:`~authsession._core.limits.RequestRefused` (400) for more than
    ``MAX_BODY_FIELDS`` form fields or JSON nested deeper than ``MAX_JSON_DEPTH``."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            text = raw.decode("utf-8")
            if text.count("&") >= MAX_BODY_FIELDS:
                raise RequestRefused(400, f"More than {MAX_BODY_FIELDS} form fields")
            return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_BODY_FIELDS))
        if kind == "application/json":
            text = raw.decode("utf-8") or "{}"
            if not json_depth_within_bounds(text):
                raise RequestRefused(400, f"JSON body nested deeper than {MAX_JSON_DEPTH}")
            data = json.loads(text)
            if isinstance(data, dict) and len(data) > MAX_BODY_FIELDS:
                raise RequestRefused(400, f"More than {MAX_BODY_FIELDS} JSON members")
            return data if isinstance(data, dict) else {}
    except (UnicodeDecodeError, ValueError, RecursionError):
        logger.info("Ignoring a malformed %s request body", log_safe(kind, 100))
    return {}


_HTTP_SCHEME_OF = {"ws": "http", "wss": "https"}


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <url-encoded token>`` header, as next-auth's
    ``getToken`` reads it; ``None`` for any other header or a token over the size bound."""
    if authorization is None:
        return None
    words = authorization.split(" ")
    if words[0] != "Bearer" or len(words) < 2 or len(words[1]) > MAX_TOKEN_LENGTH:
        return None
    return decode_uri_component(words[1]) or None


#: A header as a server hands it over: bytes from ASGI, latin-1 text from WSGI.
HeaderPair = tuple[bytes, bytes] | tuple[str, str]


def _text(data: bytes | str) -> str:
    return data if isinstance(data, str) else data.decode("latin-1")


class RequestHeaders(Mapping[str, str]):
    """The headers of one request by lower-case name (a repeated name keeps its last value),
    decoded from the server's pairs when first looked up.

    A session read needs the ``Cookie`` header, which :meth:`cookie` finds without decoding the
    rest; the dozen other headers a browser sends (``User-Agent``, ``Accept``, ``Sec-Fetch-*``
    ...) are decoded only if something asks for one, such as the ``Host`` header when no ``url``
    is set. The repr names the headers only: ``Cookie`` and ``Authorization`` hold secrets.
    """

    __slots__ = ("_by_name", "_pairs")

    def __init__(self, pairs: Sequence[HeaderPair]) -> None:
        self._pairs = pairs
        self._by_name: dict[str, str] | None = None

    def cookie(self) -> str | None:
        """The ``Cookie`` header; several are joined with ``"; "``, as HTTP/2 clients split it."""
        found = None
        for name, value in self._pairs:
            # Only a six-letter name can be "cookie": the others are skipped without a method call.
            if len(name) == 6 and _text(name).lower() == "cookie":
                found = _text(value) if found is None else f"{found}; {_text(value)}"
        return found

    def _decoded(self) -> dict[str, str]:
        if self._by_name is None:
            self._by_name = {_text(name).lower(): _text(value) for name, value in self._pairs}
        return self._by_name

    def __getitem__(self, name: str) -> str:
        return self._decoded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return f"RequestHeaders({list(self._decoded())!r})"


def build_auth_request(
    options: CoreOptions,
    *,
    method: str,
    scheme: str,
    path: str,
    query_string: str,
    headers: Iterable[HeaderPair],
    server: tuple[str, int | None] | None,
    body: Mapping[str, Any] | None = None,
    client: str | None = None,
) -> AuthRequest:
    """The :class:`AuthRequest` of one HTTP request, from the parts every server gives.

    ``headers`` are (name, value) pairs as received, bytes (ASGI) or latin-1 text (WSGI), in any
    case, repeated names allowed; they are decoded only when looked up (:class:`RequestHeaders`).
    ``client`` is the peer's address as the server saw it.
    Raises :class:`~authsession._core.limits.RequestRefused` for a request that breaks a bound
    (header count, query fields) or whose host cannot be used (``authsession._core.origin``).
    """
    pairs = headers if isinstance(headers, list) else list(headers)
    if len(pairs) > MAX_HEADER_COUNT:
        raise RequestRefused(431, f"More than {MAX_HEADER_COUNT} request headers")
    request_headers = RequestHeaders(pairs)
    # A WebSocket handshake is an HTTP request: its session and origin are those of http(s).
    scheme = _HTTP_SCHEME_OF.get(scheme, scheme)
    origin = request_origin(options, request_headers, scheme, server)
    url = f"{origin}{path}" + (f"?{query_string}" if query_string else "")
    cookie_header = request_headers.cookie()
    cookies = parse_cookie_header(cookie_header) if cookie_header is not None else {}
    query = parse_query(query_string) if query_string else {}
    # Positional, in field order: one is built per request, and keywords cost a third more here.
    return AuthRequest(method, url, request_headers, cookies, query, body, client)


def check_declared_body_size(content_length: str | None, limit: int) -> None:
    """Refuse (413) a body whose ``Content-Length`` is over ``limit``, before reading any of it."""
    if content_length and content_length.isdigit() and int(content_length) > limit:
        raise RequestRefused(413, f"Content-Length {int(content_length)} is over the {limit}-byte body limit")


def check_body_size(size: int, limit: int) -> None:
    """Refuse (413) a body once ``size`` bytes of it, read so far, are over ``limit``."""
    if size > limit:
        raise RequestRefused(413, f"Request body is over the {limit}-byte limit")


_REASONS = {400: "Bad Request", 413: "Payload Too Large", 431: "Request Header Fields Too Large"}


def refusal(exc: RequestRefused) -> AuthResponse:
    """The plain-text answer to a refused request: its status and reason phrase, nothing else."""
    return AuthResponse(
        status=exc.status, body=_REASONS.get(exc.status, "Bad Request"), headers={"Content-Type": "text/plain"}
    )
