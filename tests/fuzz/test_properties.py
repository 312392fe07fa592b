"""Fuzzing (issue 9 item 8): whatever a request brings, no exception, no 5xx, no session.

The same properties run twice: in ``make test`` with a short, derandomised budget, and in
``make fuzz`` with a long random one. The environment variable ``AUTHSESSION_FUZZ`` picks the
hypothesis profile (``short`` by default, ``long``); ``AUTHSESSION_FUZZ_EXAMPLES`` sets the long
profile's examples per property. ``--hypothesis-show-statistics`` reports the inputs tried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Iterator, MutableMapping
from functools import cache
from typing import Any
from unittest import mock
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from authsession import AuthOptions, get_server_session, jwt
from authsession._core.callback_url import default_redirect, is_http_url, origin_of
from authsession._core.cookies import chunk_size, encode_uri_component, parse_cookie_header
from authsession._core.csrf import check_csrf, csrf_hash
from authsession._core.handler import handle
from authsession._core.limits import RequestRefused
from authsession._core.request_data import parse_body
from authsession.integrations.starlette import install
from authsession.types import Format
from helpers import AUTH_ENV, NOW, ORIGIN, SECRET, USER, make_options, make_request

_UNTIMED: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("authsession-short", max_examples=100, derandomize=True, **_UNTIMED)
settings.register_profile(
    "authsession-long", max_examples=int(os.environ.get("AUTHSESSION_FUZZ_EXAMPLES", "20000")), **_UNTIMED
)
FUZZ = settings(settings.get_profile(f"authsession-{os.environ.get('AUTHSESSION_FUZZ', 'short')}"))

FORMATS: tuple[Format, ...] = ("v4", "v5")
SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}
EMPTY_SESSION: dict[str, dict[str, Any] | None] = {"v4": {}, "v5": None}
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CLAIMS = {"name": USER["name"], "email": USER["email"], "sub": USER["id"]}


@cache
def options(format: Format, mode: str = "plain") -> AuthOptions:
    """Options built once per format and Host mode, with no ``AUTH_*`` variable leaking in."""
    extra: dict[str, Any] = {"trust_host": True} if mode == "trust_host" else {}
    with mock.patch.dict(os.environ, dict.fromkeys(AUTH_ENV, "")):
        return make_options(format=format, clock=lambda: NOW, **extra)


@cache
def valid_token(format: Format) -> str:
    return jwt.encode(token=CLAIMS, secret=SECRET, format=format, now=NOW)


@pytest.fixture(autouse=True)
def no_swallowed_exceptions() -> Iterator[list[logging.LogRecord]]:
    """Fail on any log record carrying a traceback: a caught crash is still a crash."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                records.append(record)

    handler = Collect(level=logging.DEBUG)
    logger = logging.getLogger("authsession")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
    assert not records, [r.getMessage() for r in records]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- strategies ---------------------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    """``original`` with one or more edits; never ``original`` itself."""
    text = original
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "extend", "swap-parts"]))
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        if kind == "flip" and text:
            text = text[:at] + draw(st.sampled_from(B64URL + ".=%~ \u00e9")) + text[at + 1 :]
        elif kind == "insert":
            text = text[:at] + draw(st.text(min_size=1, max_size=8)) + text[at:]
        elif kind == "delete" and text:
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "truncate":
            text = text[:at]
        elif kind == "extend":
            text += draw(st.text(alphabet=B64URL + ".", min_size=1, max_size=5000))
        else:
            parts = text.split(".")
            i, j = draw(st.integers(0, len(parts) - 1)), draw(st.integers(0, len(parts) - 1))
            parts[i], parts[j] = parts[j], parts[i]
            text = ".".join(parts)
    assume(text != original)
    return text


# Chunk suffixes NextAuth never writes; ``int()`` refuses the first two (issue 9 item 3).
UNUSUAL_SUFFIXES = ["\u00b2", "\u0661", "9" * 5000, "-1", "00"]
cookie_names = st.one_of(
    st.sampled_from(list(SESSION.values())),
    st.builds(
        lambda stem, suffix: f"{stem}.{suffix}",
        st.sampled_from(list(SESSION.values())),
        st.one_of(st.integers(0, 20).map(str), st.text(max_size=6), st.sampled_from(UNUSUAL_SUFFIXES)),
    ),
    st.sampled_from(["next-auth.csrf-token", "authjs.csrf-token", "next-auth.callback-url", "authjs.callback-url"]),
    st.text(min_size=1, max_size=20),
)
cookie_values = st.one_of(st.text(max_size=300), st.text(alphabet=B64URL + ".|%", max_size=5000))


# --- the Cookie header and session chunks --------------------------------------------------------------


@FUZZ
@given(
    header=st.one_of(
        st.text(max_size=2000),
        st.lists(st.tuples(cookie_names, cookie_values)).map(lambda pairs: "; ".join(f"{n}={v}" for n, v in pairs)),
    )
)
def test_cookie_header_parser(header: str) -> None:
    cookies = parse_cookie_header(header)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items())


@FUZZ
@given(format=st.sampled_from(FORMATS), data=st.data())
def test_mutated_session_chunks_give_no_session(format: Format, data: st.DataObject) -> None:
    token = data.draw(mutated(valid_token(format)))
    size = data.draw(st.integers(50, chunk_size(format)))
    chunks = [token[i : i + size] for i in range(0, len(token), size)] or [""]
    name = SESSION[format]
    cookies = {name: chunks[0]} if len(chunks) == 1 else {f"{name}.{i}": c for i, c in enumerate(chunks)}
    cookies.update(data.draw(st.dictionaries(cookie_names, cookie_values, max_size=4)))
    response = run(handle(make_request("GET", "session", cookies=cookies), options(format), now=NOW))
    assert response.status == 200
    assert json.loads(response.body) == EMPTY_SESSION[format]


@FUZZ
@given(format=st.sampled_from(FORMATS), cookies=st.dictionaries(cookie_names, cookie_values, max_size=8))
def test_arbitrary_cookies_give_no_session(format: Format, cookies: dict[str, str]) -> None:
    response = run(handle(make_request("GET", "session", cookies=cookies), options(format), now=NOW))
    assert response.status == 200
    assert json.loads(response.body) == EMPTY_SESSION[format]


def test_the_unmutated_token_is_a_session() -> None:
    # The control for the two properties above: their token does open a session when left alone.
    for format in FORMATS:
        cookies = {SESSION[format]: valid_token(format)}
        response = run(handle(make_request("GET", "session", cookies=cookies), options(format), now=NOW))
        assert json.loads(response.body)["user"]["email"] == USER["email"]


# --- token decode --------------------------------------------------------------------------------


@FUZZ
@given(format=st.sampled_from(FORMATS), data=st.data())
def test_mutated_tokens_do_not_decode(format: Format, data: st.DataObject) -> None:
    token = data.draw(st.one_of(mutated(valid_token(format)), st.text(max_size=500)))
    assume(token != valid_token(format))
    assert jwt.decode(token=token, secret=SECRET, format=format, now=NOW) is None


# --- CSRF ----------------------------------------------------------------------------------------


@FUZZ
@given(
    cookie=st.one_of(st.none(), st.text(max_size=200), st.builds(lambda t: f"{t}|{csrf_hash(t, SECRET)}", st.text())),
    body_token=st.one_of(st.none(), st.text(max_size=100), st.integers(), st.lists(st.text(), max_size=2)),
    is_post=st.booleans(),
    data=st.data(),
)
def test_csrf_cookie_parsing(cookie: str | None, body_token: object, is_post: bool, data: st.DataObject) -> None:
    check = check_csrf(cookie, SECRET, body_token=body_token, is_post=is_post)
    if check.verified:
        assert is_post
        assert cookie == f"{body_token}|{csrf_hash(str(body_token), SECRET)}"
    # A mutated valid cookie is never accepted: a new token is minted instead.
    token = "a" * 64
    valid = f"{token}|{csrf_hash(token, SECRET)}"
    forged = data.draw(mutated(valid))
    assume(forged.partition("|")[0] != token or forged.partition("|")[2] != csrf_hash(token, SECRET))
    refused = check_csrf(forged, SECRET, body_token=token, is_post=True)
    assert not refused.verified
    assert refused.new_cookie_value is not None


# --- bodies ---------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=40,
)
content_types = st.one_of(
    st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "Application/JSON; charset=utf-8", "text/plain", ""]
    ),
    st.text(max_size=40),
)
raw_bodies = st.one_of(
    st.binary(max_size=3000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=20).map(lambda d: urlencode(d).encode()),
    st.integers(1, 200).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.integers(1, 300).map(lambda n: b"a=&" * n),
)


@FUZZ
@given(content_type=content_types, raw=raw_bodies)
def test_body_parsing(content_type: str, raw: bytes) -> None:
    try:
        body = parse_body(content_type, raw)
    except RequestRefused as refused:
        assert refused.status == 400  # noqa: PT017 - a refusal is one of the two allowed outcomes
        return
    assert isinstance(body, dict)


# --- callback URLs --------------------------------------------------------------------------------

urls = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from(["/", "//", "/\\", "http://", "https://", ORIGIN, f"{ORIGIN}@", "javascript:", " ", "\t/"]),
        st.text(max_size=100),
    ),
    st.text(alphabet="/\\:@.%?#ahlostev \t\n", max_size=60),
)


def on_origin(url: str) -> bool:
    """``url`` is on http://localhost:3000 as a browser reads it (case-insensitive scheme and host,
    ``\\`` as ``/``), with no userinfo and nothing a header could split on."""
    if any(c in url for c in "\r\n\t\x00"):
        return False
    parts = urlsplit(url.replace("\\", "/"))
    return (parts.scheme.lower(), parts.hostname, parts.port, parts.username) == ("http", "localhost", 3000, None)


@FUZZ
@given(url=urls)
def test_callback_url_resolution(url: str) -> None:
    origin_of(url)
    is_http_url(url, ORIGIN + "/api/auth")
    assert on_origin(default_redirect(url, ORIGIN))


@FUZZ
@given(format=st.sampled_from(FORMATS), body_url=urls, cookie_url=urls, query_url=st.none() | urls)
def test_callback_url_through_the_handler(
    format: Format, body_url: str, cookie_url: str, query_url: str | None
) -> None:
    opts = options(format)
    cookies = {opts.cookie_set(False).callback_url.name: cookie_url}
    query = {"callbackUrl": query_url} if query_url else None
    request = make_request("POST", "signout", body={"callbackUrl": body_url}, cookies=cookies, query=query)
    response = run(handle(request, opts, now=NOW))
    if response.status == 400:
        # NextAuth's assertion on a query callbackUrl that is no http(s) URL (its body, answered 400).
        assert query_url is not None
        assert not is_http_url(query_url, opts_base(opts))
        assert "message" in json.loads(response.body)
        return
    assert response.status == 302
    assert response.redirect is not None
    assert on_origin(response.redirect)
    for cookie in response.cookies:
        if "callback-url" in cookie.name:
            assert on_origin(cookie.value)


def opts_base(opts: AuthOptions) -> str:
    return ORIGIN + opts.base_path


# --- the whole ASGI app ---------------------------------------------------------------------------


@cache
def asgi_app(format: Format, mode: str) -> Starlette:
    opts = options(format, mode)

    async def me(request: Request) -> Response:
        return JSONResponse({"session": await get_server_session(request, None, opts)})

    app = Starlette(routes=[Route("/me", me, methods=["GET", "POST"])])
    install(app, opts)
    return app


ACTIONS = ["csrf", "session", "providers", "signin", "signout", "callback", "error", "verify-request", "_log"]
paths = st.one_of(
    st.builds(
        lambda action, tail: f"/api/auth/{action}{tail}",
        st.sampled_from(ACTIONS),
        st.sampled_from(["", "/", "/credentials", "/credentials/", "/nope", "/a/b"]) | st.text(max_size=20).map(quote),
    ),
    st.just("/me"),
    st.text(max_size=30).map(lambda t: "/" + t),
)
header_values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=100),
    st.sampled_from(["localhost", "localhost:3000", "[", "x[y", "evil.example", "[::1]", "https", "javascript"]),
)
headers = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "host",
                "cookie",
                "content-type",
                "x-forwarded-proto",
                "x-forwarded-host",
                "x-auth-return-redirect",
                "accept",
                "content-length",
            ]
        )
        | st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20),
        header_values,
    ),
    max_size=8,
)


@FUZZ
@given(
    format=st.sampled_from(FORMATS),
    mode=st.sampled_from(["plain", "trust_host"]),
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]) | st.text(min_size=1, max_size=8),
    path=paths,
    query=st.none() | st.dictionaries(st.sampled_from(["callbackUrl", "error", "csrf", "x"]) | st.text(), urls),
    header_list=headers,
    cookies=st.dictionaries(cookie_names, cookie_values, max_size=5),
    content_type=content_types,
    body=raw_bodies,
)
def test_whole_asgi_app(
    format: Format,
    mode: str,
    method: str,
    path: str,
    query: dict[str, str] | None,
    header_list: list[tuple[str, str]],
    cookies: dict[str, str],
    content_type: str,
    body: bytes,
) -> None:
    raw_headers = [(b"content-type", content_type.encode("utf-8"))]
    raw_headers += [(n.encode("latin-1"), v.encode("latin-1")) for n, v in header_list]
    if cookies:
        pairs = "; ".join(f"{n}={encode_uri_component(v)}" for n, v in cookies.items())
        raw_headers.append((b"cookie", pairs.encode("utf-8")))
    query_string = urlencode(query or {})
    status, response_headers, response_body = run(
        call(asgi_app(format, mode), method, path, query_string, raw_headers, body)
    )
    assert status < 500, (status, response_body[:200])
    for name, value in response_headers:
        if name == b"set-cookie" and b"session-token" in value.split(b"=", 1)[0]:
            assert value.split(b";", 1)[0].endswith(b"="), "a session cookie was set from fuzzed input"
    if path == "/me" and status == 200:
        assert json.loads(response_body) == {"session": None}


async def call(
    app: Starlette, method: str, path: str, query_string: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": query_string.encode("latin-1", "replace"),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent_body = False
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if sent_body:
            return {"type": "http.disconnect"}
        sent_body = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(dict(message))

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], list(start.get("headers", [])), content
