"""Size bounds on request data (issue 9 items 1-3): oversized input is refused before parsing.

What the bounds save (memory) is measured in ``test_bounded_caches.py``; this is the unit face.
"""

from __future__ import annotations

import json
import logging

import pytest

from authsession._core.callback_url import default_redirect, is_http_url, origin_of
from authsession._core.cookies import parse_cookie_header
from authsession._core.jwe import JWEError, b64url_encode, parse_compact
from authsession._core.limits import (
    MAX_COOKIE_COUNT,
    MAX_COOKIE_HEADER_LENGTH,
    MAX_JSON_DEPTH,
    MAX_LOG_TEXT,
    MAX_TOKEN_LENGTH,
    MAX_URL_LENGTH,
    RequestRefused,
    json_depth_within_bounds,
    log_safe,
)
from authsession._core.request_data import parse_body, parse_query
from helpers import ORIGIN

pytestmark = pytest.mark.usefixtures("clean_auth_env")

KB = 1024
MB = 1024 * KB


def test_long_callback_urls_are_refused_not_followed() -> None:
    url = f"{ORIGIN}/" + "x" * MAX_URL_LENGTH
    assert origin_of(url) is None
    assert default_redirect(url, ORIGIN) == ORIGIN
    assert not is_http_url(url, ORIGIN)
    short = f"{ORIGIN}/ok"
    assert default_redirect(short, ORIGIN) == short


def forged_token(padding: int) -> str:
    protected = b64url_encode(json.dumps({"alg": "dir", "enc": "A256GCM", "x": "y" * padding}).encode())
    return ".".join((protected, "", b64url_encode(b"\0" * 12), b64url_encode(b"data"), b64url_encode(b"\0" * 16)))


def test_long_headers_and_tokens_are_malformed_before_parsing() -> None:
    with pytest.raises(JWEError, match="header is too long") as header:
        parse_compact(forged_token(2 * KB), ("A256GCM",))
    assert header.value.reason == "malformed"
    with pytest.raises(JWEError, match="longer than") as token:
        parse_compact("a" * (MAX_TOKEN_LENGTH + 1), ("A256GCM",))
    assert token.value.reason == "malformed"


# --- the request parts: cookies, query, body -----------------------------------------------------


def test_cookie_headers_beyond_the_bounds_are_ignored_whole(caplog: pytest.LogCaptureFixture) -> None:
    assert parse_cookie_header("a=1; b=2") == {"a": "1", "b": "2"}
    with caplog.at_level(logging.INFO, logger="authsession"):
        assert parse_cookie_header("a=1; " + "b=" + "x" * (64 * KB)) == {}
        assert parse_cookie_header("; ".join(f"c{i}=1" for i in range(1000))) == {}
    assert caplog.text.count("Ignoring a Cookie header") == 2


def test_cookie_header_bounds_are_exact(caplog: pytest.LogCaptureFixture) -> None:
    # The count is of ";"-separated parts, so an empty or nameless part counts too.
    at_count = "; ".join(f"c{i}=1" for i in range(MAX_COOKIE_COUNT))
    assert len(parse_cookie_header(at_count)) == MAX_COOKIE_COUNT
    assert parse_cookie_header(at_count + ";") == {}
    at_length = "a=" + "x" * (MAX_COOKIE_HEADER_LENGTH - 2)
    assert parse_cookie_header(at_length) == {"a": "x" * (MAX_COOKIE_HEADER_LENGTH - 2)}
    with caplog.at_level(logging.INFO, logger="authsession"):
        assert parse_cookie_header(at_length + "x") == {}
    assert "Ignoring a Cookie header of 65537 bytes and 1 cookies" in caplog.text


def test_query_field_count_is_bounded() -> None:
    assert parse_query("a=1&b=2") == {"a": "1", "b": "2"}
    with pytest.raises(RequestRefused) as refused:
        parse_query("a=&" * 1000)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/x-www-form-urlencoded", b"a=&" * 1000),
        ("application/json", b'{"a":' * 3000 + b"1" + b"}" * 3000),
        ("application/json", b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)),
        ("application/json", json.dumps({f"k{i}": i for i in range(1000)}).encode()),
    ],
    ids=["many-fields", "deep-json", "just-too-deep", "many-members"],
)
def test_bodies_beyond_the_bounds_are_refused(content_type: str, raw: bytes) -> None:
    with pytest.raises(RequestRefused) as refused:
        parse_body(content_type, raw)
    assert refused.value.status == 400


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    inside = json.dumps({"a": "[" * 1000, "b": '\\"[[[[' * 50})
    assert json_depth_within_bounds(inside)
    assert parse_body("application/json", inside.encode())["a"] == "[" * 1000
    nested: object = 1
    for _ in range(MAX_JSON_DEPTH):
        nested = [nested]
    assert json_depth_within_bounds(json.dumps(nested))
    assert not json_depth_within_bounds(json.dumps([nested]))
    # An escaped quote does not end a string, and an escaped backslash does not escape the quote.
    assert not json_depth_within_bounds('"\\\\"' + "[" * 40)
    assert json_depth_within_bounds('"\\"' + "[" * 40)


def test_log_safe_is_one_bounded_line() -> None:
    line = log_safe("evil\nERROR forged\r\x1b[2J\u2028" + "x" * 10 * MAX_LOG_TEXT)
    assert not any(c in line for c in "\n\r\x1b\u2028")
    assert line.startswith("evil\\x0aERROR forged\\x0d\\x1b[2J")
    assert len(line) < MAX_LOG_TEXT + 100
    assert log_safe("short") == "short"
