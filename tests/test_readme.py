"""The README's seed pages are real code: run each and walk the seed's pages through it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doc_blocks import README, programs
from integrations.litestar_client import litestar_client

BROWSER = {"accept": "text/html"}


def fastapi_client(app: Any) -> AbstractContextManager[Any]:
    return TestClient(app, follow_redirects=False)


#: Each framework's README program (found by a line only it has), and its own test client.
SEEDS: dict[str, tuple[str, Callable[[Any], AbstractContextManager[Any]]]] = {
    "fastapi": ("get_server_session(request, response, auth_options)", fastapi_client),
    "litestar": ("plugins=[AuthSession(auth_options)]", litestar_client),
}


@pytest.fixture(params=list(SEEDS))
def seed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, Any]:
    monkeypatch.setenv("AUTH_SECRET", "readme-secret-0123456789abcdef0123456789")
    monkeypatch.setenv("AUTH_URL", "http://testserver")
    marker, open_client = SEEDS[request.param]
    # tests/test_docs.py type-checks and runs every example; this walks the seed's pages through these.
    program = next(p for p in programs(README) if marker in p.source)
    module = ModuleType(f"readme_{request.param}")
    # As an imported module is: Litestar resolves a handler's annotations through sys.modules.
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(program.source, str(README), "exec"), module.__dict__)  # noqa: S102 - our own README
    return module, open_client


def test_the_seed_pages_run(seed: tuple[ModuleType, Callable[[Any], AbstractContextManager[Any]]]) -> None:
    module, open_client = seed
    with open_client(module.app) as client:
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
