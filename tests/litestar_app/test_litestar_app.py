"""``examples/litestar_app`` under uvicorn, started as its docs say (``python -m examples.litestar_app``,
``tests/example_servers.py``) on a free loopback port, and walked over HTTP as a browser would: the seed's pages
before and after a credentials sign-in in each token format and session strategy, then an OpenID
Connect sign-in through the real OpenID Provider (``tests/oidc_provider.py``)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from example_servers import BROWSER, check_demo_user_pages_then_sign_out, free_port, start_example, stop
from helpers import SESSION, wait_until_answering
from oauth.app import UserAgent, page_form
from oidc_provider import ProviderProcess, oidc_node

#: ``oidc_node`` is a fixture from tests/oidc_provider.py, made available to this module.
__all__ = ["oidc_node"]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "litestar-example-test-secret-0123456789"
MUST_LOG_IN = "You must be logged in to view this page."


@contextmanager
def example(port: int, **settings: str) -> Iterator[str]:
    """``python -m examples.litestar_app`` on ``port`` with ``settings`` in its environment: its URL."""
    unset = ("AUTH_", "NEXTAUTH_", "OIDC_", "DEMO_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(unset)}
    env |= {"AUTH_SECRET": SECRET, "PYTHONUNBUFFERED": "1", **settings}
    process = start_example("litestar-uvicorn", port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, f"{url}/api/me")
        yield url
    finally:
        stop(process)


def session_rows(database: Path) -> int | None:
    """The rows of the Auth.js ``sessions`` table in ``database``; ``None`` when the example made no file."""
    if not database.exists():
        return None
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM sessions").fetchone()
    return int(count)


@pytest.mark.parametrize(("format", "strategy"), [("v5", "jwt"), ("v4", "database")])
def test_the_seed_pages_under_uvicorn(format: str, strategy: str, tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    settings = {"AUTH_FORMAT": format, "AUTH_SESSION_STRATEGY": strategy, "DEMO_DB": str(database)}
    with example(free_port(), **settings) as site, httpx2.Client(base_url=site, follow_redirects=False) as client:
        assert client.get("/api/me").json() == {"userEmail": None}
        assert MUST_LOG_IN in client.get("/profile").text
        dashboard = client.get("/dashboard", headers=BROWSER)
        assert dashboard.status_code == 307
        assert dashboard.headers["location"] == "/login?callbackUrl=%2Fdashboard"
        assert client.get("/dashboard", headers={"Accept": "application/json"}).status_code == 401

        login = client.get(dashboard.headers["location"]).text
        action, fields = page_form(login, "/callback/credentials")
        assert fields["callbackUrl"] == "/dashboard"
        # Database sessions need a sign-in that is not credentials alone: email links, printed.
        assert ("Email me a sign-in link" in login) is (strategy == "database")
        form = {**fields, "email": "demo@example.com", "password": "wrong"}
        wrong = client.post(action, data=form)
        assert wrong.status_code == 302
        assert "error=CredentialsSignin" in wrong.headers["location"]
        # v5 goes to the sign-in page at once; v4 through its error route, as next-auth 4 does.
        told = client.get(wrong.headers["location"], follow_redirects=True)
        assert told.url.path == "/login"
        assert "Wrong email or password." in told.text
        assert client.get("/api/me").json() == {"userEmail": None}

        signed_in = client.post(action, data={**form, "password": "demo-password"})
        assert signed_in.status_code == 302
        assert signed_in.headers["location"] == f"{site}/dashboard"
        assert SESSION[format] in client.cookies
        assert session_rows(database) == (1 if strategy == "database" else None)
        assert "Signed in as demo@example.com" in client.get("/dashboard", headers=BROWSER).text
        check_demo_user_pages_then_sign_out(client)
        assert MUST_LOG_IN in client.get("/profile").text
        assert session_rows(database) == (0 if strategy == "database" else None)


@pytest.mark.node
def test_an_openid_connect_sign_in_under_uvicorn(oidc_node: str, tmp_path: Path) -> None:
    port = free_port()
    provider_process = ProviderProcess(
        oidc_node, [f"http://127.0.0.1:{port}/api/auth/callback/oidc"], tmp_path / "op.log"
    )
    try:
        provider = provider_process.start()
        settings = {
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": provider.confidential.client_id,
            "OIDC_CLIENT_SECRET": provider.confidential.client_secret or "",
            "OIDC_NAME": "Local OIDC",
        }
        with example(port, **settings) as site:
            agent = UserAgent(site)
            try:
                login = agent.request("GET", "/login?callbackUrl=%2Fprofile")
                assert "Sign in with Local OIDC" in login.text
                landed = agent.sign_in_from_page(login.text, "oidc")  # the provider's login and consent pages
                assert landed.status_code == 302, landed.text
                assert landed.headers["location"] == f"{site}/profile"
                profile = agent.request("GET", "/profile").text
                assert "Welcome, Alice Liddell!" in profile
                assert "Your email is alice@example.com" in profile
                assert agent.request("GET", "/api/me").json() == {"userEmail": "alice@example.com"}
                assert agent.cookie(SESSION["v5"]) is not None
            finally:
                agent.close()
    finally:
        provider_process.stop()
