"""Cookies planted next to the session cookie, through a real Starlette app and its test client.

A chunk suffix that is no chunk number of ours (5,000 digits, ``.99``) must leave the session,
``get_server_session`` and sign-out working, and a pile of ``session-token.N`` cookies must be
answered with a bounded number of deletions (issue 9).
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from authsession import AuthOptions, get_server_session
from authsession._core.cookies import MAX_SESSION_CHUNKS
from authsession.integrations.starlette import install
from helpers import SESSION, make_options

from .session_suite import set_cookies, sign_in

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SUFFIXES = ["1" * 5000, "99", "0" * 40]


def app_for(options: AuthOptions) -> Starlette:
    async def me(request: Request) -> Response:
        return JSONResponse(await get_server_session(request, None, options))

    app = Starlette(routes=[Route("/me", me)])
    install(app, options)
    return app


def deletions(response: Any, name: str) -> list[str]:
    return [h for h in set_cookies(response) if h.startswith(name) and "Max-Age=0" in h]


@pytest.mark.parametrize("suffix", SUFFIXES, ids=lambda s: f"{s[:2]}x{len(s)}")
def test_an_odd_suffix_breaks_nothing(format: str, suffix: str) -> None:
    options = make_options(format=format)
    with TestClient(app_for(options), follow_redirects=False) as client:
        sign_in(client)
        client.cookies.set(f"{SESSION[format]}.{suffix}", "planted")
        assert client.get("/me").json()["user"]["name"] == "Ada Lovelace"
        assert client.get("/api/auth/session").json()["user"]["name"] == "Ada Lovelace"
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        response = client.post("/api/auth/signout", data={"csrfToken": token})
        assert response.status_code == 302
        assert deletions(response, SESSION[format])
        assert client.get("/me").json() is None


def test_many_planted_chunks_cost_a_bounded_number_of_deletions(format: str) -> None:
    options = make_options(format=format)
    planted = "; ".join(f"{SESSION[format]}.{i}=x" for i in range(200))
    with TestClient(app_for(options), follow_redirects=False) as client:
        for path in ("/me", "/api/auth/session"):
            response = client.get(path, headers={"cookie": planted})
            assert response.status_code == 200
            assert 0 < len(deletions(response, SESSION[format])) <= MAX_SESSION_CHUNKS + 1
