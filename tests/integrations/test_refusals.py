"""What the Starlette integration refuses, and how (issue 9 items 2, 3 and 6).

Every case runs through the real middleware with ``raise_server_exceptions=False``, so a 500 is
seen as the browser would see it. The rule: a clear 4xx (or no session) and a log line, never
a 500, never a session.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Message

from authsession import AuthOptions, get_server_session
from authsession.integrations.starlette import AuthSessionMiddleware, get_csrf_token, install
from helpers import make_options

from .session_suite import sign_in

pytestmark = pytest.mark.usefixtures("clean_auth_env")

KB = 1024
FORM = {"content-type": "application/x-www-form-urlencoded"}


def build_app(options: AuthOptions, **install_args: Any) -> Starlette:
    async def me(request: Request) -> Response:
        return JSONResponse(await get_server_session(request, None, options))

    async def form(request: Request) -> Response:
        return PlainTextResponse(await get_csrf_token(request, None, options))

    app = Starlette(routes=[Route("/me", me), Route("/form", form)])
    install(app, options, **install_args)
    return app


@pytest.fixture
def client(format: str) -> Iterator[TestClient]:
    app = build_app(make_options(format=format))
    with TestClient(app, base_url="http://localhost:3000", follow_redirects=False) as test_client:
        test_client.headers["host"] = "localhost:3000"
        yield test_client


def signed_in(client: TestClient) -> TestClient:
    sign_in(client)
    assert client.get("/me").json() is not None
    return client


def unsafe_client(options: AuthOptions, **install_args: Any) -> TestClient:
    return TestClient(build_app(options, **install_args), raise_server_exceptions=False, follow_redirects=False)


# --- item 2: body size and field count --------------------------------------------------------------------


def test_a_body_over_the_declared_limit_is_refused_before_it_is_read() -> None:
    app = AuthSessionMiddleware(Starlette(), make_options())
    reads: list[int] = []
    sent: list[Message] = []

    async def receive() -> Message:
        reads.append(1)
        return {"type": "http.request", "body": b"a" * KB, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/auth/signout",
        "headers": [(b"host", b"localhost"), (b"content-length", str(10 * 1024 * KB).encode())],
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert reads == []


def test_a_streamed_body_stops_being_read_past_the_limit() -> None:
    app = AuthSessionMiddleware(Starlette(), make_options())
    reads: list[int] = []
    sent: list[Message] = []

    async def receive() -> Message:
        reads.append(1)
        return {"type": "http.request", "body": b"a" * KB, "more_body": len(reads) < 10_000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/auth/signout",
        "headers": [(b"host", b"localhost"), (b"content-type", b"application/x-www-form-urlencoded")],
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert len(reads) == 65  # 64 KiB pass, the 65th KiB crosses the default limit


@pytest.mark.parametrize("size", [100 * KB, 1024 * KB - 10])
def test_bodies_over_the_default_limit_are_413(format: str, size: int) -> None:
    with unsafe_client(make_options(format=format)) as client:
        response = client.post("/api/auth/callback/credentials", content=b"a=" + b"x" * size, headers=FORM)
        assert response.status_code == 413
        assert response.text == "Payload Too Large"


def test_the_body_limit_is_configurable(format: str) -> None:
    with unsafe_client(make_options(format=format), max_body_size=256 * KB) as client:
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        form = {"csrfToken": token, "username": "ada", "password": "x" * 100 * KB}
        assert client.post("/api/auth/callback/credentials", data=form).status_code == 302
        big = client.post("/api/auth/callback/credentials", content=b"a=" + b"x" * 300 * KB, headers=FORM)
        assert big.status_code == 413


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"a=&" * 20_000),
        ("application/json", b'{"a":' * 3000 + b"1" + b"}" * 3000),
        ("application/json", b"[" * 20_000),
    ],
    ids=["many-fields", "deep-json", "deep-unclosed-json"],
)
@pytest.mark.parametrize("path", ["callback/credentials", "signin/credentials", "signout", "session", "_log"])
def test_bodies_beyond_the_bounds_are_400(
    format: str, content_type: str, body: bytes, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with unsafe_client(make_options(format=format)) as client, caplog.at_level(logging.INFO, logger="authsession"):
        response = client.post(f"/api/auth/{path}", content=body, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.text == "Bad Request"
    assert "Refused POST" in caplog.text


def test_too_many_query_fields_are_400(format: str) -> None:
    with unsafe_client(make_options(format=format)) as client:
        assert client.get("/api/auth/csrf?" + "a=&" * 5000).status_code == 400


def test_too_many_headers_are_431(format: str) -> None:
    headers = {f"x-h{i}": "1" for i in range(300)}
    with unsafe_client(make_options(format=format)) as client:
        assert client.get("/api/auth/csrf", headers=headers).status_code == 431
        assert client.get("/me", headers=headers).json() is None


def test_an_oversized_cookie_header_is_ignored_whole(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    signed_in(client)
    with caplog.at_level(logging.INFO, logger="authsession"):
        client.cookies.set("junk", "x" * 70 * KB)
        assert client.get("/me").json() is None
    assert "Ignoring a Cookie header" in caplog.text


# --- item 3: hosts and proxies headers --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["[", "x[y", "a b", "[::1", "]", "exa mple.com:80", "localhost:99999", ""])
@pytest.mark.parametrize("configured", [{}, {"url": "http://localhost:3000"}, {"trust_host": True}])
def test_a_host_header_that_is_not_a_host(format: str, host: str, configured: dict[str, Any]) -> None:
    options = make_options(format=format, **configured)
    with unsafe_client(options) as client:
        for path in ("/api/auth/csrf", "/api/auth/session", "/api/auth/signin", "/me"):
            response = client.get(path, headers={"host": host})
            assert response.status_code in (200, 400), (path, response.status_code)
        assert client.get("/me", headers={"host": host}).json() is None


def test_a_long_query_string_is_no_server_error(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    # No url is set, so the origin comes from the request; the URL is far longer than a callback
    # URL may be, which once made the origin unreadable: a 500 and the whole URL in the log.
    signed_in(client)
    with caplog.at_level(logging.INFO, logger="authsession"):
        session = client.get("/api/auth/session?x=" + "y" * 60 * KB)
        unknown = client.get("/api/auth/" + "z" * 60 * KB)
    assert session.status_code == 200
    assert session.json()["user"]["name"]
    assert unknown.status_code == 400
    assert max(len(record.getMessage()) for record in caplog.records) < 1000


def test_a_configured_url_ignores_the_host_header(format: str) -> None:
    options = make_options(format=format, url="https://app.example.com")
    with unsafe_client(options) as client:
        for host in ("[", "evil.example"):
            providers = client.get("/api/auth/providers", headers={"host": host})
            assert providers.status_code == 200
            assert providers.json()["credentials"]["signinUrl"].startswith("https://app.example.com/")


@pytest.mark.parametrize("proto", ["javascript", "ht tp", "[", "https://x", "\x7f", "ftp"])
def test_a_bad_forwarded_proto_is_ignored(format: str, proto: str, caplog: pytest.LogCaptureFixture) -> None:
    options = make_options(format=format, trust_host=True)
    with unsafe_client(options) as client, caplog.at_level(logging.INFO, logger="authsession"):
        response = client.get("/api/auth/providers", headers={"x-forwarded-proto": proto, "host": "app.example"})
        assert response.status_code == 200
        assert response.json()["credentials"]["signinUrl"].startswith("http://app.example/")
        assert client.get("/me", headers={"x-forwarded-proto": proto}).status_code == 200
    assert "Ignoring X-Forwarded-Proto" in caplog.text


def test_a_bad_forwarded_host_is_400(format: str) -> None:
    with unsafe_client(make_options(format=format, trust_host=True)) as client:
        assert client.get("/api/auth/csrf", headers={"x-forwarded-host": "x[y"}).status_code == 400


# --- item 6: an untrusted Host does not become the origin -------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:3000", "10.0.0.1", "[2001:db8::1]:80"])
def test_an_untrusted_host_is_refused(
    client: TestClient, format: str, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    signed_in(client)
    with caplog.at_level(logging.INFO, logger="authsession"):
        for path in ("/api/auth/providers", "/api/auth/csrf", "/api/auth/signin", "/form"):
            assert client.get(path, headers={"host": host}).status_code == 400, path
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        signin = client.post("/api/auth/signin/credentials", data={"csrfToken": token}, headers={"host": host})
        assert signin.status_code == 400
        assert client.get("/me", headers={"host": host}).json() is None
    assert "UntrustedHost" in caplog.text
    assert client.get("/me").json() is not None


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "app.localhost:3000", "127.0.0.1:8000", "127.1.2.3", "[::1]:8000"]
)
def test_loopback_hosts_need_no_setting(format: str, host: str) -> None:
    with unsafe_client(make_options(format=format)) as client:
        providers = client.get("/api/auth/providers", headers={"host": host})
        assert providers.status_code == 200
        assert providers.json()["credentials"]["signinUrl"] == f"http://{host}/api/auth/signin/credentials"


def test_the_servers_own_name_is_trusted(format: str) -> None:
    # TestClient reports listening on "testserver", as uvicorn reports its --host.
    with unsafe_client(make_options(format=format)) as client:
        assert client.get("/api/auth/providers").status_code == 200


@pytest.mark.parametrize("configured", [{"url": "https://app.example.com"}, {"trust_host": True}])
def test_url_or_trust_host_lifts_the_check(format: str, configured: dict[str, Any]) -> None:
    with unsafe_client(make_options(format=format, **configured)) as client:
        assert client.get("/api/auth/providers", headers={"host": "app.example.com"}).status_code == 200


# --- item 6: built-in pages' headers ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["signin", "signout", "error", "error?error=AccessDenied", "verify-request"])
def test_built_in_pages_refuse_framing_sniffing_and_caching(client: TestClient, path: str) -> None:
    response = client.get(f"/api/auth/{path}")
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # the pages run no script
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


# --- item 6: the v4 client log sink -----------------------------------------------------------------------


def test_client_log_records_are_one_bounded_line(caplog: pytest.LogCaptureFixture) -> None:
    options = make_options(format="v4")
    forged = "boom\n2026-11-29 ERROR authsession: forged record\r\n" + "x" * 50 * KB
    with unsafe_client(options) as client, caplog.at_level(logging.DEBUG, logger="authsession"):
        body = {"level": "error", "code": "CLIENT\nFETCH_ERROR", "message": forged}
        response = client.post("/api/auth/_log", content=json.dumps(body), headers={"content-type": "application/json"})
        assert response.status_code == 200
    records = [r for r in caplog.records if r.getMessage().startswith("[client]")]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "\n" not in line
    assert "\r" not in line
    assert len(line) < 2500
    assert "CLIENT\\x0aFETCH_ERROR" in line
