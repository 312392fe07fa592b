"""Updating the session from a view: Auth.js 5's ``unstable_update`` in Python, through the
``jwt`` callback (JWT sessions) or the ``session`` callback (database sessions)."""

# No ``from __future__ import annotations``: FastAPI must see the Annotated dependencies.

import asyncio
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Request, Response
from starlette.testclient import TestClient

from authsession import AuthOptions, Session, get_server_session
from authsession.adapters import MemoryAdapter
from authsession.integrations.fastapi import AuthSession
from authsession.testing import asession_cookies, session_cookies
from helpers import SECRET

pytestmark = pytest.mark.usefixtures("clean_auth_env")

ADA = {"id": "ada-1", "name": "Ada", "email": "ada@example.com"}


def jwt_options(format: str, calls: list[dict[str, Any]]) -> AuthOptions:
    async def jwt(*, token: dict[str, Any], trigger: str | None = None, session: Any = None, **_: Any) -> Any:
        calls.append({"trigger": trigger, "session": session})
        if trigger == "update" and isinstance(session, dict) and isinstance(session.get("name"), str):
            token["name"] = session["name"]
        return token

    return AuthOptions(secret=SECRET, format=format, callbacks={"jwt": jwt})  # type: ignore[arg-type]


def build(options: AuthOptions) -> FastAPI:
    app = FastAPI()
    auth = AuthSession(app, options)

    @app.post("/rename")
    async def rename(request: Request, response: Response) -> Any:
        updated = await auth.update_session(request, response, {"name": "Ada King"})
        again = await get_server_session(request, response, options)  # the same request sees the update
        return {
            "updated": updated["user"]["name"] if updated else None,
            "again": again["user"]["name"] if again else None,
        }

    @app.get("/me")
    async def me(session: Annotated[Session | None, Depends(auth.session)]) -> Any:
        return {"name": session["user"]["name"] if session else None}

    return app


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_a_view_updates_a_jwt_session(format: str) -> None:
    calls: list[dict[str, Any]] = []
    options = jwt_options(format, calls)
    with TestClient(build(options)) as client:
        session_cookies(options, ADA).set_on(client)
        response = client.post("/rename")
        # next-auth 4 builds session.user from the token as it was read; Auth.js from the new one.
        now = "Ada" if format == "v4" else "Ada King"
        assert response.json() == {"updated": now, "again": now}
        assert any(
            c.startswith(("authjs.session-token=", "next-auth.session-token="))
            for c in response.headers.get_list("set-cookie")
        )
        assert {"trigger": "update", "session": {"name": "Ada King"}} in calls
        assert client.get("/me").json() == {"name": "Ada King"}  # the rewritten cookie carries it


def test_an_anonymous_update_changes_nothing() -> None:
    options = jwt_options("v5", [])
    with TestClient(build(options)) as client:
        response = client.post("/rename")
        assert response.json() == {"updated": None, "again": None}
        assert not [c for c in response.headers.get_list("set-cookie") if "session-token" in c]


def test_a_view_updates_a_database_session() -> None:
    adapter = MemoryAdapter()
    seen: list[Any] = []

    async def session_callback(*, session: Any, user: Any, new_session: Any = None, trigger: str | None = None) -> Any:
        seen.append((trigger, new_session))
        if trigger == "update":
            await adapter.update_user({"id": user["id"], "name": new_session["name"]})
            session["user"]["name"] = new_session["name"]
        return session

    options = AuthOptions(
        secret=SECRET, adapter=adapter, session={"strategy": "database"}, callbacks={"session": session_callback}
    )
    asyncio.run(adapter.create_user({**ADA, "emailVerified": None}))  # type: ignore[typeddict-item]
    cookies = asyncio.run(asession_cookies(options, ADA))
    with TestClient(build(options)) as client:
        cookies.set_on(client)
        assert client.post("/rename").json() == {"updated": "Ada King", "again": "Ada King"}
        assert ("update", {"name": "Ada King"}) in seen
        assert client.get("/me").json() == {"name": "Ada King"}


def test_a_flask_view_updates_the_session() -> None:
    from flask import Flask

    from authsession.integrations.flask import AuthSession as FlaskAuth
    from authsession.integrations.flask import update_server_session

    options = jwt_options("v5", [])
    app = Flask(__name__)
    FlaskAuth(app, options)

    @app.post("/rename")
    def rename() -> Any:
        updated = update_server_session({"name": "Ada King"})
        return {"name": updated["user"]["name"] if updated else None}

    @app.get("/me")
    def me() -> Any:
        from authsession.integrations.flask import get_server_session as flask_session

        session = flask_session()
        return {"name": session["user"]["name"] if session else None}

    with app.test_client() as client:
        for name, value in session_cookies(options, ADA).cookies.items():
            client.set_cookie(name, value)
        assert client.post("/rename").get_json() == {"name": "Ada King"}
        assert client.get("/me").get_json() == {"name": "Ada King"}
