"""``get_server_session`` and the FastAPI dependencies on WebSocket routes, and the opt-in
``Authorization: Bearer`` session token for API clients."""

# No ``from __future__ import annotations``: FastAPI must see the Annotated dependencies.

from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, WebSocket
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from authsession import AuthOptions, Session, get_server_session
from authsession.integrations.fastapi import AuthSession
from authsession.testing import session_cookies
from helpers import SECRET, make_credentials

pytestmark = pytest.mark.usefixtures("clean_auth_env")

ADA = {"id": "ada-1", "name": "Ada", "email": "ada@example.com"}


def build(**extra: Any) -> tuple[FastAPI, AuthOptions]:
    options = AuthOptions(secret=SECRET, providers=[make_credentials()], **extra)
    app = FastAPI()
    auth = AuthSession(app, options)

    @app.websocket("/ws/plain")
    async def plain(websocket: WebSocket) -> None:
        session = await get_server_session(websocket, None, options)
        await websocket.accept()
        await websocket.send_json({"email": session["user"]["email"] if session else None})
        await websocket.close()

    @app.websocket("/ws/dependency")
    async def dependency(websocket: WebSocket, session: Annotated[Session | None, Depends(auth.session)]) -> None:
        await websocket.accept()
        await websocket.send_json({"email": session["user"]["email"] if session else None})
        await websocket.close()

    @app.websocket("/ws/required")
    async def required(websocket: WebSocket, session: Annotated[Session, Depends(auth.require_session())]) -> None:
        await websocket.accept()
        await websocket.send_json({"email": session["user"]["email"]})
        await websocket.close()

    @app.get("/api/me")
    async def me(session: Annotated[Session | None, Depends(auth.session)]) -> Any:
        return {"email": session["user"]["email"] if session else None}

    return app, options


@pytest.mark.parametrize("path", ["/ws/plain", "/ws/dependency", "/ws/required"])
def test_a_websocket_reads_the_session_cookie(path: str) -> None:
    app, options = build()
    with TestClient(app) as client:
        session_cookies(options, ADA).set_on(client)
        with client.websocket_connect(path) as ws:
            assert ws.receive_json() == {"email": "ada@example.com"}


@pytest.mark.parametrize("path", ["/ws/plain", "/ws/dependency"])
def test_an_anonymous_websocket_has_no_session(path: str) -> None:
    app, _ = build()
    with TestClient(app) as client, client.websocket_connect(path) as ws:
        assert ws.receive_json() == {"email": None}


def test_a_required_session_refuses_an_anonymous_websocket() -> None:
    app, _ = build()
    with TestClient(app) as client:
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws/required") as ws:
            ws.receive_json()
        assert closed.value.code == 1008  # policy violation: the handshake is refused


# --- Authorization: Bearer ------------------------------------------------------------------------


def bearer(options: AuthOptions) -> str:
    cookies = session_cookies(options, ADA)
    return cookies.value


def test_bearer_tokens_are_off_by_default() -> None:
    app, options = build()
    with TestClient(app) as client:
        response = client.get("/api/me", headers={"Authorization": f"Bearer {bearer(options)}"})
        assert response.json() == {"email": None}


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_a_bearer_token_opens_the_session_and_sets_no_cookie(format: str) -> None:
    app, options = build(bearer_sessions=True, format=format)
    with TestClient(app) as client:
        response = client.get("/api/me", headers={"Authorization": f"Bearer {bearer(options)}"})
        assert response.json() == {"email": "ada@example.com"}
        assert "set-cookie" not in response.headers
        with client.websocket_connect("/ws/dependency", headers={"Authorization": f"Bearer {bearer(options)}"}) as ws:
            assert ws.receive_json() == {"email": "ada@example.com"}


def test_a_bad_bearer_token_is_no_session() -> None:
    app, _ = build(bearer_sessions=True)
    with TestClient(app) as client:
        for header in ("Bearer not-a-token", "Bearer " + "x" * 70_000, "Basic abc", "Bearer", "Bearer  "):
            response = client.get("/api/me", headers={"Authorization": header})
            assert response.status_code == 200
            assert response.json() == {"email": None}
        foreign = AuthOptions(secret="another-secret-" + "z" * 32, providers=[make_credentials()])
        response = client.get("/api/me", headers={"Authorization": f"Bearer {bearer(foreign)}"})
        assert response.json() == {"email": None}


def test_a_cookie_wins_over_a_bearer_token() -> None:
    app, options = build(bearer_sessions=True)
    other = {"id": "grace-1", "name": "Grace", "email": "grace@example.com"}
    with TestClient(app) as client:
        session_cookies(options, ADA).set_on(client)
        token = session_cookies(options, other).value
        response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert response.json() == {"email": "ada@example.com"}


def test_the_auth_routes_never_read_a_bearer_token() -> None:
    app, options = build(bearer_sessions=True)
    with TestClient(app) as client:
        response = client.get("/api/auth/session", headers={"Authorization": f"Bearer {bearer(options)}"})
        assert response.json() is None


def test_a_long_lived_websocket_learns_that_its_session_ended() -> None:
    """Database sessions: deleting the row (sign-out elsewhere, revocation) ends the socket's session."""
    from authsession.adapters import MemoryAdapter
    from authsession.testing import asession_cookies

    adapter = MemoryAdapter()
    options = AuthOptions(secret=SECRET, adapter=adapter, session={"strategy": "database"})
    app = FastAPI()
    AuthSession(app, options)

    @app.websocket("/ws/echo")
    async def echo(websocket: WebSocket) -> None:
        if await get_server_session(websocket, None, options) is None:
            await websocket.close(code=1008)
            return
        await websocket.accept()
        while True:
            text = await websocket.receive_text()
            if await get_server_session(websocket, None, options, fresh=True) is None:
                await websocket.close(code=1008, reason="Session ended")
                return
            await websocket.send_text(text)

    import asyncio

    asyncio.run(adapter.create_user({"id": "ada-1", "name": "Ada", "email": "ada@example.com", "emailVerified": None}))
    cookies = asyncio.run(asession_cookies(options, ADA))
    with TestClient(app) as client:
        cookies.set_on(client)
        with client.websocket_connect("/ws/echo") as ws:
            ws.send_text("hello")
            assert ws.receive_text() == "hello"
            adapter.sessions.clear()  # the session is revoked while the socket is open
            ws.send_text("still there?")
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1008
