"""``examples/flask_app`` under a real WSGI server (waitress, in a subprocess on loopback),
signed in with credentials over HTTP as a browser would: the seed's pages, before and after."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx2
import pytest

from example_servers import (
    BROWSER,
    CSRF,
    check_demo_user_pages_then_sign_out,
    free_port,
    requires_waitress,
    start_example,
    stop,
)
from helpers import wait_until_answering


@pytest.fixture
def server(clean_auth_env: None) -> Iterator[str]:
    requires_waitress()
    port = free_port()
    env = {**os.environ, "AUTH_SECRET": "flask-example-test-secret-0123456789", "PYTHONUNBUFFERED": "1"}
    process = start_example("flask-waitress", port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, f"{url}/api/me")
        yield url
    finally:
        stop(process)


def test_the_seed_pages_under_waitress(server: str) -> None:
    with httpx2.Client(base_url=server, follow_redirects=False) as client:
        assert client.get("/api/me").json() == {"userEmail": None}
        assert "You must be logged in to view this page." in client.get("/profile").text
        dashboard = client.get("/dashboard", headers=BROWSER)
        assert dashboard.status_code == 307
        assert dashboard.headers["location"] == "/login?callbackUrl=%2Fdashboard"
        assert client.get("/dashboard", headers={"Accept": "application/json"}).status_code == 401

        login = client.get(dashboard.headers["location"])
        token = CSRF.search(login.text)
        assert token is not None
        form = {
            "csrfToken": token.group(1),
            "callbackUrl": "/dashboard",
            "email": "demo@example.com",
            "password": "wrong",
        }
        wrong = client.post("/api/auth/callback/credentials", data=form)
        assert wrong.status_code == 302
        assert wrong.headers["location"].startswith(f"{server}/login?")
        assert "CredentialsSignin" in wrong.headers["location"]
        assert client.get("/api/me").json() == {"userEmail": None}

        signed_in = client.post("/api/auth/callback/credentials", data={**form, "password": "demo-password"})
        assert signed_in.status_code == 302
        assert signed_in.headers["location"] == f"{server}/dashboard"
        assert client.get("/dashboard", headers=BROWSER).status_code == 200
        check_demo_user_pages_then_sign_out(client)
