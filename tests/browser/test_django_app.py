"""``examples/django_app`` under real servers, uvicorn (ASGI) and waitress (WSGI), driven in Chromium:
the seed's pages before and after a credentials sign-in, then an OpenID Connect sign-in through the
real OpenID Provider (``tests/oidc_provider.py``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from helpers import requires, wait_until_answering
from oauth.app import listening_socket
from oidc_provider import OpenIDProvider, ProviderProcess, oidc_node

pytestmark = [pytest.mark.browser, pytest.mark.node]

#: ``oidc_node`` is a fixture from tests/oidc_provider.py, made available to this module.
__all__ = ["oidc_node"]

ROOT = Path(__file__).resolve().parents[2]
LOCAL = "http://127.0.0.1"
MUST_LOG_IN = "You must be logged in to view this page."
SERVERS = {
    "uvicorn": [
        "-m",
        "uvicorn",
        "--host=127.0.0.1",
        "--port={port}",
        "--lifespan=off",
        "examples.django_app.asgi:application",
    ],
    "waitress": ["-m", "waitress", "--listen=127.0.0.1:{port}", "examples.django_app.wsgi:application"],
}


def _free_port() -> int:
    with listening_socket() as probe:
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def sites(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The example under each server, both with the OpenID Provider configured, for the module."""
    requires(importlib.util.find_spec("waitress") is not None, "waitress is not installed: pip install waitress")
    ports = {server: _free_port() for server in SERVERS}
    uris = [f"{LOCAL}:{port}/api/auth/callback/oidc" for port in ports.values()]
    provider_process = ProviderProcess(oidc_node, uris, tmp_path_factory.mktemp("oidc") / "provider.log")
    processes: list[subprocess.Popen[str]] = []
    try:
        provider: OpenIDProvider = provider_process.start()
        env = {
            **os.environ,
            "AUTH_SECRET": "django-example-test-secret-0123456789",
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": provider.confidential.client_id,
            "OIDC_CLIENT_SECRET": provider.confidential.client_secret or "",
            "OIDC_NAME": "Local OIDC",
            "PYTHONUNBUFFERED": "1",
        }
        found = {}
        for server, args in SERVERS.items():
            command = [sys.executable, *(arg.format(port=ports[server]) for arg in args)]
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            processes.append(process)
            found[server] = f"{LOCAL}:{ports[server]}"
            wait_until_answering(process, f"{found[server]}/api/me")
        yield found
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout:
                process.stdout.close()
        provider_process.stop()


@pytest.mark.parametrize("server", list(SERVERS))
def test_the_seed_pages_in_chromium(chromium: Any, sites: dict[str, str], server: str) -> None:
    from playwright.sync_api import expect

    site = sites[server]
    with httpx2.Client(base_url=site) as api:
        assert api.get("/api/me").json() == {"userEmail": None}
        assert api.get("/dashboard", headers={"Accept": "application/json"}).status_code == 401

    context = chromium.new_context()
    # The provider's pages import a web font; everything but the two local servers is offline.
    context.route(lambda url: not url.startswith(LOCAL), lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(f"{site}/profile")
        expect(page.get_by_text(MUST_LOG_IN)).to_be_visible()
        page.goto(f"{site}/dashboard")
        expect(page).to_have_url(f"{site}/login?callbackUrl=%2Fdashboard")

        page.get_by_label("Email").fill("demo@example.com")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")

        page.get_by_label("Email").fill("demo@example.com")
        page.get_by_label("Password").fill("demo-password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        # The error page's URL no longer names /dashboard (as with Auth.js): the form's default.
        expect(page).to_have_url(f"{site}/profile")
        page.goto(f"{site}/dashboard")
        expect(page.get_by_text("Signed in as demo@example.com")).to_be_visible()
        page.goto(f"{site}/profile")
        expect(page.get_by_role("heading", name="Welcome, Demo User!")).to_be_visible()
        expect(page.get_by_text("Your email is demo@example.com")).to_be_visible()
        page.goto(f"{site}/api/me")
        assert page.inner_text("body").strip() == '{"userEmail": "demo@example.com"}'

        page.goto(f"{site}/profile")
        page.get_by_role("button", name="Sign out").click()
        page.goto(f"{site}/profile")
        expect(page.get_by_text(MUST_LOG_IN)).to_be_visible()

        # OpenID Connect: the example's sign-in page, oidc-provider's login and consent pages.
        page.get_by_role("link", name="Sign in").click()
        page.get_by_role("button", name="Sign in with Local OIDC").click()
        page.locator('input[name="login"]').fill("alice")
        page.locator('input[name="password"]').fill("any password")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(f"{site}/profile")
        expect(page.get_by_role("heading", name="Welcome, Alice Liddell!")).to_be_visible()
        expect(page.get_by_text("Your email is alice@example.com")).to_be_visible()
        names = {cookie["name"] for cookie in context.cookies(site)}
        assert "authjs.session-token" in names
        assert not names & {"authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"}
    finally:
        context.close()
