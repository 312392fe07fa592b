"""The demo's "Sign in with Local OIDC": its wiring starts the real provider, and a user signs in.

The demo is served by uvicorn and httpx2 plays the browser through the provider's own login and
consent pages, from the demo's /login button to "Welcome, NAME!" on /profile. Without Node or
``npm ci`` in ``tests/node/oidc`` the sign-in test skips (and fails when ``CI=true``).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from examples.demo import local_oidc
from examples.demo.app import create_app

from helpers import requires
from oauth.app import LiveServer, UserAgent, listening_socket

SECRET = "demo-local-oidc-test-secret-0123456789abcdef"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[LiveServer, local_oidc.LocalOIDC]]:
    """The demo on a free port, with the provider its wiring starts for that port."""
    requires(shutil.which("node") is not None, "Node.js is not installed")
    requires(
        (local_oidc.OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
        "oidc-provider missing: run `npm ci` in tests/node/oidc (or `make node`)",
    )
    sock = listening_socket()
    said: list[str] = []
    local = local_oidc.start_for_demo("127.0.0.1", sock.getsockname()[1], environ={}, install=False, say=said.append)
    assert local is not None, said
    assert said == []
    site = app = None
    try:
        app = create_app(tmp_path / "users.sqlite3", secret=SECRET, oauth_providers=[local.provider()])
        site = LiveServer(app, sock).start()
        yield site, local
    finally:
        if site is not None:
            site.stop()
        if app is not None:
            # The server runs without a lifespan, so close the database connections here.
            asyncio.run(app.state.adapter.close())
        sock.close()
        local.stop()
    assert local.process.poll() is not None, "the provider outlived the demo"
    assert not local.log_path.exists()


def test_sign_in_with_local_oidc_from_the_login_page(running: tuple[LiveServer, local_oidc.LocalOIDC]) -> None:
    site, _ = running
    agent = UserAgent(site.url, login=local_oidc.LOGIN)
    try:
        login = agent.request("GET", "/login?callbackUrl=%2Fprofile")
        assert "Sign in with Local OIDC" in login.text
        landed = agent.sign_in_from_page(login.text, "local")  # the provider's login and consent pages
        assert landed.status_code == 302, landed.text
        assert landed.headers["location"] == f"{site.url}/profile"

        profile = agent.request("GET", "/profile")
        assert "Welcome, Alice Liddell!" in profile.text
    finally:
        agent.close()


def test_without_node_the_demo_says_one_line_and_carries_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    said: list[str] = []
    assert local_oidc.start_for_demo("127.0.0.1", 8000, environ={}, say=said.append) is None
    assert len(said) == 1
    assert "Node.js is not installed" in said[0]


def test_without_the_npm_packages_and_no_install_it_says_how_to_get_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(local_oidc, "OIDC_DIR", Path("/nonexistent/oidc"))
    said: list[str] = []
    assert local_oidc.start_local_oidc(["http://127.0.0.1:8000/cb"], install=False, say=said.append) is None
    assert len(said) == 1
    assert "npm ci" in said[0]


def test_demo_local_oidc_0_turns_it_off() -> None:
    said: list[str] = []
    assert local_oidc.start_for_demo("127.0.0.1", 8000, environ={"DEMO_LOCAL_OIDC": "0"}, say=said.append) is None
    assert said == []


@pytest.mark.parametrize(
    ("host", "hosts"),
    [
        ("127.0.0.1", ["127.0.0.1", "localhost"]),
        ("0.0.0.0", ["127.0.0.1", "localhost"]),  # noqa: S104 (a host name in a test, not a bind)
        ("demo.test", ["127.0.0.1", "localhost", "demo.test"]),
        ("::1", ["127.0.0.1", "localhost", "[::1]"]),
    ],
)
def test_the_callback_url_is_registered_under_each_local_name(host: str, hosts: list[str]) -> None:
    expected = [f"http://{name}:8000/api/auth/callback/local" for name in hosts]
    assert local_oidc.redirect_uris(host, 8000) == expected


@pytest.mark.parametrize(
    ("site_url", "extra"),
    [
        ("https://demo.example.com", "https://demo.example.com/api/auth/callback/local"),
        ("http://127.0.0.1:9000/auth/", "http://127.0.0.1:9000/auth/callback/local"),
        ("demo.example.com", "https://demo.example.com/api/auth/callback/local"),
    ],
)
def test_auth_url_adds_the_callback_url_authsession_will_use(site_url: str, extra: str) -> None:
    assert local_oidc.redirect_uris("127.0.0.1", 8000, site_url)[-1] == extra
