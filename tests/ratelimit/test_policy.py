"""Brute-force limits (issue 9 item 7): failed credentials sign-ins and email link requests per
client IP and per identifier, refused in next-auth 4's and Auth.js' shapes with ``Retry-After``;
``X-Forwarded-For`` only behind proxies the options name."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from authsession import AuthOptions
from authsession._core.handler import handle
from authsession._core.http import AuthRequest, AuthResponse
from authsession._core.ratelimit import client_ip
from authsession.adapters.memory import MemoryAdapter
from authsession.errors import ConfigurationError
from authsession.integrations.starlette import install
from authsession.providers import Credentials, Email
from authsession.ratelimit import Limit, MemoryRateLimitStore, RateLimits
from helpers import BASE, SECRET, make_request

pytestmark = pytest.mark.usefixtures("clean_auth_env")

PASSWORD = "correct horse battery staple"


class Authorize:
    """``authorize`` that counts its calls: a refused request must not reach it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, credentials: dict[str, Any], request: object) -> Any:
        self.calls += 1
        if credentials.get("password") == PASSWORD:
            return {"id": "1", "email": credentials.get("email")}
        return None


def options(format: str, authorize: Authorize, **overrides: Any) -> AuthOptions:
    params: dict[str, Any] = {
        "secret": SECRET,
        "format": format,
        "providers": [Credentials(authorize=authorize, credentials={"email": {}, "password": {}})],
    }
    params.update(overrides)
    return AuthOptions(**params)


class Browser:
    """Requests from one client address through ``handle()``, keeping the CSRF cookie."""

    def __init__(self, options: AuthOptions, client: str | None = "203.0.113.7", headers: dict[str, str] | None = None):
        self.options = options
        self.client = client
        self.headers = headers or {}
        self.jar: dict[str, str] = {}

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> AuthResponse:
        base = make_request(method, path, cookies=self.jar, body=body, headers={**self.headers, **headers})
        request = replace(base, client=self.client)
        response = await handle(request, self.options)
        self.jar.update({c.name: c.value for c in response.cookies if c.max_age != 0})
        return response

    async def sign_in(self, email: str, password: str, **headers: str) -> AuthResponse:
        csrf = json.loads((await self.request("GET", "csrf")).body)["csrfToken"]
        body = {"email": email, "password": password, "csrfToken": csrf}
        return await self.request("POST", "callback/credentials", body, **headers)

    async def email_link(self, email: str) -> AuthResponse:
        csrf = json.loads((await self.request("GET", "csrf")).body)["csrfToken"]
        return await self.request("POST", "signin/email", {"email": email, "csrfToken": csrf})


def query_of(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    return parse_qs(urlsplit(url).query)


def assert_refused_by_limit(format: str, response: AuthResponse, error: str) -> None:
    assert response.status == 302
    assert int(response.headers["Retry-After"]) >= 1
    if format == "v4":
        assert response.redirect is not None
        assert response.redirect.startswith(f"{BASE}/error?")
    else:
        assert response.redirect is not None
        assert response.redirect.startswith(f"{BASE}/signin?")
        assert response.cookies == []  # Auth.js answers errors without Set-Cookie
    assert query_of(response.redirect)["error"] == [error]
    assert query_of(response.redirect)["code"] == ["rate_limited"]


async def test_failed_credentials_per_identifier_are_limited_before_authorize(format: str) -> None:
    authorize = Authorize()
    browser = Browser(options(format, authorize))
    for _ in range(5):
        refused = await browser.sign_in("ada@example.com", "wrong")
        assert "code=rate_limited" not in (refused.redirect or "")
    assert authorize.calls == 5
    # Even the right password waits now: authorize is not called at all.
    limited = await browser.sign_in("ADA@example.com ", PASSWORD)
    assert_refused_by_limit(format, limited, "CredentialsSignin")
    assert authorize.calls == 5
    assert int(limited.headers["Retry-After"]) <= 300
    # Another account from another address is not affected.
    other = Browser(browser.options, client="198.51.100.1")
    assert (await other.sign_in("bob@example.com", PASSWORD)).redirect == "http://localhost:3000"


async def test_failed_credentials_per_ip_are_limited_across_identifiers(format: str) -> None:
    authorize = Authorize()
    browser = Browser(options(format, authorize))
    for n in range(10):
        await browser.sign_in(f"user{n}@example.com", "wrong")
    assert_refused_by_limit(format, await browser.sign_in("new@example.com", PASSWORD), "CredentialsSignin")
    assert authorize.calls == 10
    # The same account from another address still signs in.
    other = Browser(browser.options, client="198.51.100.1")
    assert (await other.sign_in("new@example.com", PASSWORD)).status == 302
    assert authorize.calls == 11


async def test_successful_sign_ins_are_not_counted(format: str) -> None:
    authorize = Authorize()
    browser = Browser(options(format, authorize))
    for _ in range(20):
        assert "error" not in ((await browser.sign_in("ada@example.com", PASSWORD)).redirect or "")
    assert authorize.calls == 20


async def test_json_clients_get_429(format: str) -> None:
    browser = Browser(
        options(format, Authorize(), rate_limits=RateLimits(failed_credentials_per_identifier=Limit(1, 60)))
    )
    await browser.sign_in("ada@example.com", "wrong")
    csrf = json.loads((await browser.request("GET", "csrf")).body)["csrfToken"]
    body = {"email": "ada@example.com", "password": PASSWORD, "csrfToken": csrf}
    if format == "v4":
        response = await browser.request("POST", "callback/credentials", {**body, "json": "true"})
    else:
        response = await browser.request("POST", "callback/credentials", body, **{"X-Auth-Return-Redirect": "1"})
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    url = json.loads(response.body)["url"]
    assert query_of(url)["error"] == ["CredentialsSignin"]
    assert query_of(url)["code"] == ["rate_limited"]


async def test_email_requests_per_identifier_and_per_ip(format: str) -> None:
    sent: list[str] = []
    email = Email(send_verification_request=lambda identifier, **_: sent.append(identifier), rate_limit=0)
    opts = options(format, Authorize(), providers=[email], adapter=MemoryAdapter(), url="http://localhost:3000")
    browser = Browser(opts)
    for _ in range(3):
        assert "verify-request" in ((await browser.email_link("grace@example.com")).redirect or "")
    assert_refused_by_limit(format, await browser.email_link("Grace@Example.com"), "EmailSignin")
    assert sent == ["grace@example.com"] * 3
    # Per IP: 20 requests in 10 minutes, whatever the addresses (the refused one counted too).
    for n in range(16):
        assert "verify-request" in ((await browser.email_link(f"user{n}@example.com")).redirect or "")
    assert_refused_by_limit(format, await browser.email_link("last@example.com"), "EmailSignin")
    assert len(sent) == 19
    assert "verify-request" in (
        (await Browser(opts, client="198.51.100.1").email_link("last@example.com")).redirect or ""
    )


async def test_limits_can_be_turned_off_and_tuned(format: str) -> None:
    for setting in (
        False,
        RateLimits(enabled=False),
        RateLimits(failed_credentials_per_identifier=None, failed_credentials_per_ip=None),
    ):
        authorize = Authorize()
        browser = Browser(options(format, authorize, rate_limits=setting))
        for _ in range(30):
            await browser.sign_in("ada@example.com", "wrong")
        assert authorize.calls == 30
    assert AuthOptions(secret=SECRET, rate_limits=False).rate_limits is None
    default = AuthOptions(secret=SECRET).rate_limits
    assert default is not None
    assert isinstance(default.store, MemoryRateLimitStore)


def test_bad_settings_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        Limit(0, 60)
    with pytest.raises(ConfigurationError):
        RateLimits(trusted_proxies=["not-an-address"])
    with pytest.raises(ConfigurationError):
        RateLimits(trusted_proxies="10.0.0.1")
    with pytest.raises(ConfigurationError):
        AuthOptions(secret=SECRET, rate_limits="yes")  # type: ignore[arg-type]


# --- the client's address ---------------------------------------------------------------------------


def request_from(peer: str | None, forwarded: str | None = None) -> AuthRequest:
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return AuthRequest(method="POST", url="http://localhost/", headers=headers, client=peer)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # No trusted proxy: the header is the client's own words and is ignored.
        ("203.0.113.7", "198.51.100.1", (), "203.0.113.7"),
        # A trusted proxy: the right-most entry that is not a trusted proxy.
        ("10.0.0.2", "198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),  # a spoofed left entry
        ("10.0.0.2", "198.51.100.1, 10.0.0.3", ("10.0.0.0/8",), "198.51.100.1"),  # two proxies deep
        ("203.0.113.7", "198.51.100.1", ("10.0.0.0/8",), "203.0.113.7"),  # the peer is not a proxy we trust
        ("10.0.0.2", "garbage, 198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),
        ("10.0.0.2", "", ("10.0.0.0/8",), "10.0.0.2"),
        # A number of hops.
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", 1, "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", 2, "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1", 5, "198.51.100.1"),
        ("::ffff:203.0.113.7", None, (), "203.0.113.7"),
        (None, "198.51.100.1", 1, None),
        ("testclient", None, (), None),
    ],
)
def test_client_ip(peer: str | None, forwarded: str | None, trusted: Any, expected: str | None) -> None:
    policy = RateLimits(trusted_proxies=trusted)
    assert client_ip(request_from(peer, forwarded), policy.trusted_proxies) == expected


def test_a_huge_forwarded_header_is_read_from_the_right_only() -> None:
    forwarded = "1.1.1.1, " * 100_000 + "198.51.100.1"
    assert client_ip(request_from("10.0.0.2", forwarded), ("10.0.0.0/8",)) == "198.51.100.1"


async def test_spoofed_forwarded_for_does_not_escape_the_ip_limit(format: str) -> None:
    authorize = Authorize()
    opts = options(format, authorize, rate_limits=RateLimits(trusted_proxies=["10.0.0.0/8"]))
    for n in range(12):
        # Behind the proxy, each attacker request claims a new address on the left.
        browser = Browser(opts, client="10.0.0.2", headers={"X-Forwarded-For": f"6.6.6.{n}, 198.51.100.1"})
        await browser.sign_in(f"user{n}@example.com", "wrong")
    assert authorize.calls == 10


async def test_ipv6_clients_are_counted_per_64() -> None:
    authorize = Authorize()
    opts = options("v5", authorize)
    for n in range(12):
        await Browser(opts, client=f"2001:db8:1:2::{n + 1:x}").sign_in(f"user{n}@example.com", "wrong")
    assert authorize.calls == 10


def test_the_starlette_integration_passes_the_peer_address() -> None:
    authorize = Authorize()
    app = Starlette()
    install(app, options("v5", authorize))
    with TestClient(app, client=("203.0.113.7", 5000)) as client:
        for n in range(11):
            csrf = client.get("/api/auth/csrf").json()["csrfToken"]
            data = {"email": f"user{n}@example.com", "password": "wrong", "csrfToken": csrf}
            response = client.post("/api/auth/callback/credentials", data=data, follow_redirects=False)
    assert authorize.calls == 10
    assert response.headers["retry-after"]
    assert "code=rate_limited" in response.headers["location"]
