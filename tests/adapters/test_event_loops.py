"""Adapters survive a change of event loop (issue 9 item 11): ``asyncio.run(create_schema())``
before a server starts, or one ``with TestClient(app)`` per test as a user's own suite does,
each runs on a loop of its own. A pool made on the first loop must not break the second one
(``RuntimeError: Event loop is closed``, and sessions that read as signed out)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from authsession import AuthOptions
from authsession.integrations.starlette import get_server_session, install
from authsession.providers import Credentials, Email
from helpers import SECRET
from oauth.app import LiveServer, listening_socket, origin_of

pytestmark = [
    pytest.mark.usefixtures("clean_auth_env"),
    # The first loop is closed without closing its connections (that is the scenario). The
    # adapter lets go of them; their sockets are closed when they are collected, which Python
    # reports as a ResourceWarning from __del__. The fixture collects them before it ends.
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(params=["sqlite", "postgres", "redis", "django"])
def make_adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of adapters on one real store (each call: a new adapter object, same data)."""
    made: list[Any] = []
    if request.param == "sqlite":
        from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

        url = f"sqlite+aiosqlite:///{tmp_path / 'auth.sqlite3'}"

        def make() -> Any:
            made.append(SQLAlchemyAdapter(url))
            return made[-1]
    elif request.param == "postgres":
        from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

        url = request.getfixturevalue("postgres_url")

        def make() -> Any:
            made.append(SQLAlchemyAdapter(url))
            return made[-1]
    elif request.param == "django":
        from authsession.adapters.django import DjangoAdapter

        # Django's ORM on PostgreSQL, in the adapter's threads: no connection belongs to a loop.
        alias = request.getfixturevalue("django_postgres")

        def make() -> Any:
            made.append(DjangoAdapter(using=alias))
            return made[-1]
    else:
        from authsession.adapters.redis import RedisAdapter

        url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")

        def make() -> Any:
            made.append(RedisAdapter(url, prefix=prefix))
            return made[-1]

    yield make
    for adapter in made:
        if hasattr(adapter, "close"):  # DjangoAdapter has nothing to close: Django owns the connections
            asyncio.run(adapter.close())
    gc.collect()


async def prepare(adapter: Any) -> None:
    if hasattr(adapter, "create_schema"):
        await adapter.create_schema()


def test_one_adapter_on_two_sequential_loops(make_adapter: Any) -> None:
    adapter = make_adapter()
    asyncio.run(prepare(adapter))
    created = asyncio.run(adapter.create_user({"name": "Ada", "email": "ada@loops.example", "emailVerified": None}))
    # A third loop: the pool of the second one is gone with it.
    found = asyncio.run(adapter.get_user_by_email("ada@loops.example"))
    assert found is not None
    assert found["id"] == created["id"]


def make_app(adapter: Any, url: str = "http://testserver") -> Starlette:
    async def authorize(credentials: dict[str, Any], request: object) -> Any:
        # As the demo does: the adapter's own user, so the database session can name it.
        if credentials.get("password") != "right":
            return None
        return await adapter.get_user_by_email(credentials.get("email"))

    options = AuthOptions(
        secret=SECRET,
        url=url,
        adapter=adapter,
        session={"strategy": "database"},
        providers=[
            Credentials(authorize=authorize, credentials={"email": {}, "password": {}}),
            Email(send_verification_request=lambda **_: None),
        ],
    )

    async def me(request: Request) -> JSONResponse:
        session = await get_server_session(request, None, options)
        return JSONResponse(session["user"]["email"] if session else None)

    app = Starlette(routes=[Route("/me", me)])
    install(app, options)
    return app


def sign_in_and_read(client: TestClient) -> Any:
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]
    form = {"email": "ada@clients.example", "password": "right", "csrfToken": csrf}
    client.post("/api/auth/callback/credentials", data=form, follow_redirects=False)
    return client.get("/me").json()


def test_two_test_clients_one_after_the_other(make_adapter: Any) -> None:
    adapter = make_adapter()
    asyncio.run(prepare(adapter))  # what a start-up script does before the server
    user = asyncio.run(adapter.create_user({"name": "Ada", "email": "ada@clients.example", "emailVerified": None}))
    app = make_app(adapter)
    cookies = None
    for _ in range(2):  # two tests of a user's suite, one client each
        with TestClient(app) as client:
            assert client.get("/api/auth/session").json() is None
            if cookies is not None:
                client.cookies.update(cookies)
                assert client.get("/me").json() == "ada@clients.example"  # the first client's session
                client.cookies.clear()
            assert sign_in_and_read(client) == "ada@clients.example"
            cookies = dict(client.cookies)
    assert user["id"]


def test_set_up_with_asyncio_run_then_served_by_uvicorn(make_adapter: Any) -> None:
    """The README's order: create the tables in a script's loop, then let uvicorn (its own loop,
    here in a thread) serve; sessions are read through the same adapter object."""
    adapter = make_adapter()
    asyncio.run(prepare(adapter))
    asyncio.run(adapter.create_user({"name": "Ada", "email": "grace@uvicorn.example", "emailVerified": None}))
    sock = listening_socket()
    site = LiveServer(make_app(adapter, url=origin_of(sock)), sock).start()
    try:
        with httpx2.Client(base_url=site.url, follow_redirects=False) as client:
            csrf = client.get("/api/auth/csrf").json()["csrfToken"]
            form = {"email": "grace@uvicorn.example", "password": "right", "csrfToken": csrf}
            signed_in = client.post("/api/auth/callback/credentials", data=form)
            assert signed_in.status_code == 302, signed_in.text
            assert client.get("/me").json() == "grace@uvicorn.example"
    finally:
        site.stop()
