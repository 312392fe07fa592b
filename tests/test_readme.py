"""The README's quick start is real code: run it and walk the seed's pages through it."""

from __future__ import annotations

from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from doc_blocks import README, programs

BROWSER = {"accept": "text/html"}


@pytest.fixture
def quick_start(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTH_SECRET", "readme-secret-0123456789abcdef0123456789")
    monkeypatch.setenv("AUTH_URL", "http://testserver")
    # tests/test_docs.py type-checks and runs every example; this walks the seed's pages through this one.
    program = next(p for p in programs(README) if "get_server_session(request, response, auth_options)" in p.source)
    module = ModuleType("readme_quick_start")
    exec(compile(program.source, str(README), "exec"), module.__dict__)  # noqa: S102 - our own README
    return module


def test_the_quick_start_runs_the_seed(quick_start: ModuleType) -> None:
    with TestClient(quick_start.app, follow_redirects=False) as client:
        assert "You must be logged in to view this page." in client.get("/profile").text
        assert client.get("/api/me").json() == {"userEmail": None}
        redirect = client.get("/dashboard", headers=BROWSER)
        assert redirect.status_code == 307
        assert redirect.headers["location"] == "/api/auth/signin?callbackUrl=%2Fdashboard"
        assert client.get("/dashboard", headers={"accept": "application/json"}).status_code == 401

        token = client.get("/api/auth/csrf").json()["csrfToken"]
        wrong = {"csrfToken": token, "email": "ada@example.com", "password": "nope", "callbackUrl": "/profile"}
        refused = client.post("/api/auth/callback/credentials", data=wrong)
        assert "error=CredentialsSignin" in refused.headers["location"]

        right = {**wrong, "password": "correct horse"}
        signed_in = client.post("/api/auth/callback/credentials", data=right)
        assert signed_in.headers["location"] == "http://testserver/profile"

        page = client.get("/profile").text
        assert "Welcome, Ada Lovelace!" in page
        assert "Your email is ada@example.com" in page
        assert client.get("/api/me").json() == {"userEmail": "ada@example.com"}
        assert client.get("/dashboard", headers=BROWSER).status_code == 200
