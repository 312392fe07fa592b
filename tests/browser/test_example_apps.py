"""``examples/django_app`` under uvicorn (ASGI) and waitress (WSGI), ``examples/flask_app`` under
waitress and ``examples/litestar_app`` under uvicorn, driven in Chromium: the seed's pages before
and after a credentials sign-in, then an OpenID Connect sign-in through the real OpenID Provider
(``tests/oidc_provider.py``). One walk serves all of them: the examples show the same pages with
the same words."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from example_servers import free_port, requires_waitress, start_example, stop
from helpers import wait_until_answering
from oidc_provider import OpenIDProvider, ProviderProcess, log_in_and_consent, loopback_context, oidc_node

pytestmark = [pytest.mark.browser, pytest.mark.node]

#: ``oidc_node`` is a fixture from tests/oidc_provider.py, made available to this module.
__all__ = ["oidc_node"]

LOCAL = "http://127.0.0.1"
MUST_LOG_IN = "You must be logged in to view this page."
#: Each example under each server it is documented to run under (tests/example_servers.py).
SERVERS = ("django-uvicorn", "django-waitress", "flask-waitress", "litestar-uvicorn")


@pytest.fixture(scope="module")
def sites(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each example under each of its servers, all with the OpenID Provider configured, for the module."""
    requires_waitress()
    ports = {server: free_port() for server in SERVERS}
    uris = [f"{LOCAL}:{port}/api/auth/callback/oidc" for port in ports.values()]
    provider_process = ProviderProcess(oidc_node, uris, tmp_path_factory.mktemp("oidc") / "provider.log")
    processes: list[subprocess.Popen[str]] = []
    try:
        provider: OpenIDProvider = provider_process.start()
        env = {
            **os.environ,
            "AUTH_SECRET": "example-apps-test-secret-0123456789",
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": provider.confidential.client_id,
            "OIDC_CLIENT_SECRET": provider.confidential.client_secret or "",
            "OIDC_NAME": "Local OIDC",
            "PYTHONUNBUFFERED": "1",
        }
        processes = [start_example(server, ports[server], env) for server in SERVERS]
        found = {server: f"{LOCAL}:{ports[server]}" for server in SERVERS}
        # Started side by side, waited for in turn.
        for process, site in zip(processes, found.values(), strict=True):
            wait_until_answering(process, f"{site}/api/me")
        yield found
    finally:
        for process in processes:
            stop(process)
        provider_process.stop()


@pytest.mark.parametrize("server", SERVERS)
def test_the_seed_pages_in_chromium(chromium: Any, sites: dict[str, str], server: str) -> None:
    from playwright.sync_api import expect

    site = sites[server]
    with httpx2.Client(base_url=site) as api:
        assert api.get("/api/me").json() == {"userEmail": None}
        assert api.get("/dashboard", headers={"Accept": "application/json"}).status_code == 401

    context = loopback_context(chromium)
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
        assert json.loads(page.inner_text("body")) == {"userEmail": "demo@example.com"}

        page.goto(f"{site}/profile")
        page.get_by_role("button", name="Sign out").click()
        page.goto(f"{site}/profile")
        expect(page.get_by_text(MUST_LOG_IN)).to_be_visible()

        # OpenID Connect: the example's sign-in page, oidc-provider's login and consent pages.
        page.get_by_role("link", name="Sign in").click()
        page.get_by_role("button", name="Sign in with Local OIDC").click()
        log_in_and_consent(page)
        expect(page).to_have_url(f"{site}/profile")
        expect(page.get_by_role("heading", name="Welcome, Alice Liddell!")).to_be_visible()
        expect(page.get_by_text("Your email is alice@example.com")).to_be_visible()
        names = {cookie["name"] for cookie in context.cookies(site)}
        assert "authjs.session-token" in names
        assert not names & {"authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"}
    finally:
        context.close()
