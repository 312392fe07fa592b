"""The parts of a request an integration hands to the core, parsed within ``limits``' bounds.

Framework-free, so every integration parses the ``Cookie`` header, the query string and a POST
body the same way, and refuses the same oversized input before it is parsed.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from authsession._core.cookies import parse_cookie_header
from authsession._core.limits import (
    MAX_BODY_FIELDS,
    MAX_JSON_DEPTH,
    RequestRefused,
    cookie_header_within_bounds,
    json_depth_within_bounds,
    log_safe,
)

logger = logging.getLogger("authsession")


def parse_cookies(header: str) -> dict[str, str]:
    """The cookies of a ``Cookie`` header; none at all when it is over the size or count bound."""
    if not cookie_header_within_bounds(header):
        # Ignored whole: a partial set could pair chunks that were never written together.
        logger.info("Ignoring a Cookie header of %d bytes and %d cookies", len(header), header.count(";") + 1)
        return {}
    return parse_cookie_header(header)


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
